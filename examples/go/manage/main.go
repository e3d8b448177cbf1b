// Command manage walks a webhook endpoint through its life with the send0 Go client: create, get,
// update, list every endpoint, send a test event, rotate the secret, read the delivery log and
// delete; then shows how errors are told apart (errors.Is, errors.As).
//
//	SEND0_API_KEY=sk_test_… [SEND0_BASE_URL=http://127.0.0.1:8765] go run ./manage [-emit N] [URL]
//
// -emit N asks the local server (send0-server) to emit N events first (POST /v1/events, a
// local-server-only route), so that the delivery log has something to show.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

func main() {
	emit := flag.Int("emit", 0, "emit this many events through the local server before reading the delivery log")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("manage: ")
	url := "https://example.com/webhooks/send0"
	if flag.NArg() > 0 {
		url = flag.Arg(0)
	}
	if err := run(url, *emit); err != nil {
		log.Fatal(err)
	}
}

func run(url string, emit int) error {
	// One client for the program: safe for concurrent use, closed at the end.
	client, err := send0.NewClient("", send0.WithHTTPUserAgent("manage-example")) // SEND0_API_KEY, SEND0_BASE_URL
	if err != nil {
		return err
	}
	defer client.Close()
	// Every call takes a context: this one bounds the whole program (and Ctrl-C could cancel it).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wh := client.Webhooks

	created, err := wh.Create(ctx, send0.WebhookCreateParams{
		URL:         url,
		Events:      []string{"email.*", "domain.health.degraded"},
		Description: send0.Ptr("Go management example"),
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	// %v never prints the secret; store created.Secret now, it is never shown again.
	fmt.Printf("manage: created %v (secret of %d characters, store it now)\n", created, len(created.Secret))

	fetched, err := wh.Get(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	fmt.Printf("manage: get %s status=%s events=%v\n", fetched.ID, fetched.Status, fetched.Events)

	updated, err := wh.Update(ctx, created.ID, send0.WebhookUpdateParams{ClearDescription: true, Events: []string{"*"}})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	fmt.Printf("manage: updated: description=%v events=%v\n", updated.Description, updated.Events)

	n := 0
	for endpoint, err := range wh.All(ctx, send0.ListParams{Limit: 10}) { // fetches pages as the loop asks
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		n++
		if endpoint.ID == created.ID {
			fmt.Printf("manage: found %s in the list (%s)\n", endpoint.ID, endpoint.URL)
		}
	}
	fmt.Printf("manage: %d endpoint(s) in the workspace\n", n)

	test, err := wh.Test(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("test: %w", err)
	}
	fmt.Printf("manage: test event %s -> success=%t status=%s in %d ms, error=%s\n", test.EventID, test.Success,
		show(test.StatusCode), test.ResponseTimeMS, show(test.Error))

	rotated, err := wh.RotateSecret(ctx, created.ID, send0.RotateSecretParams{ExpirePreviousIn: send0.Ptr(time.Hour)})
	if err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	fmt.Printf("manage: rotated the secret (%v); the previous one signs until %s\n", rotated,
		rotated.PreviousSecretExpiresAt.Format(time.RFC3339))

	if emit > 0 {
		if err := emitEvents(ctx, emit); err != nil {
			return err
		}
	}
	attempts := 0
	for deadline := time.Now().Add(5 * time.Second); emit > 0 && attempts < emit && time.Now().Before(deadline); {
		page, err := wh.Deliveries(ctx, created.ID, send0.ListParams{Limit: 100})
		if err != nil {
			return fmt.Errorf("deliveries: %w", err)
		}
		attempts = len(page.Data)
		time.Sleep(100 * time.Millisecond)
	}
	for attempt, err := range wh.AllDeliveries(ctx, created.ID, send0.ListParams{}) {
		if err != nil {
			return fmt.Errorf("deliveries: %w", err)
		}
		fmt.Printf("manage: delivery %-22s %s attempt %d -> status=%s error=%s\n", attempt.EventType, attempt.EventID,
			attempt.Attempt, show(attempt.StatusCode), show(attempt.Error))
	}

	deleted, err := wh.Delete(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	fmt.Printf("manage: deleted %s (%t)\n", deleted.ID, deleted.Deleted)

	// errors.Is tells the kinds apart; errors.As gets the details of the API's answer.
	_, err = wh.Get(ctx, created.ID)
	if !errors.Is(err, send0.ErrNotFound) {
		return fmt.Errorf("expected not_found after delete, got %v", err)
	}
	var apiErr *send0.APIError
	if errors.As(err, &apiErr) {
		fmt.Printf("manage: get after delete -> %s (HTTP %d, request id %s)\n", apiErr.Kind, apiErr.Status, apiErr.RequestID)
	}
	_, err = wh.Create(ctx, send0.WebhookCreateParams{URL: url, Events: []string{"email.bouncd"}})
	if errors.Is(err, send0.ErrInvalidRequest) && errors.As(err, &apiErr) {
		fmt.Printf("manage: a typo in an event type -> %s on %q: %s\n", apiErr.Kind, apiErr.Param, apiErr.Message)
	} else {
		return fmt.Errorf("expected invalid_request, got %v", err)
	}
	// A context that has ended stops a call before it is sent (or in flight, or between retries).
	expired, stop := context.WithTimeout(ctx, 0)
	defer stop()
	if _, err := wh.Get(expired, created.ID); errors.Is(err, context.DeadlineExceeded) && errors.Is(err, send0.ErrCancelled) {
		fmt.Printf("manage: an expired context -> %v\n", err)
	} else {
		return fmt.Errorf("expected a cancelled call, got %v", err)
	}
	return nil
}

// emitEvents asks the local server for n events (POST /v1/events exists only on send0-server).
func emitEvents(ctx context.Context, n int) error {
	base := strings.TrimRight(os.Getenv("SEND0_BASE_URL"), "/")
	if base == "" {
		return errors.New("-emit needs SEND0_BASE_URL pointing at send0-server")
	}
	types := []string{"email.delivered", "email.bounced", "domain.health.degraded", "email.opened"}
	for i := 0; i < n; i++ {
		body := fmt.Sprintf(`{"type":%q}`, types[i%len(types)])
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/v1/events", bytes.NewBufferString(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+os.Getenv("SEND0_API_KEY"))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("emit: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("emit: POST /v1/events answered %s", resp.Status)
		}
	}
	fmt.Printf("manage: emitted %d event(s) through the local server\n", n)
	return nil
}

// show prints an optional value, or "none".
func show[T any](v *T) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}

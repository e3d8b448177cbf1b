//go:build cgo && linux && (amd64 || arm64)

// The API client's tests: the client needs the native core (cgo); wasm_test.go has what a build
// without it does instead.

package send0_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// Every client operation and error kind against the real local server.

func TestClientLifecycle(t *testing.T) {
	ctx := testContext(t)
	client := newClient(t, defaultKey)
	wh := client.Webhooks

	created, err := wh.Create(ctx, send0.WebhookCreateParams{
		URL:         placeholderURL,
		Events:      []string{"email.bounced", "domain.*"},
		Description: send0.Ptr("go: lifecycle"),
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !strings.HasPrefix(created.ID, "wh_") || created.Object != "webhook_endpoint" || created.URL != placeholderURL ||
		!created.Active || created.Status != "active" || created.Description == nil || *created.Description != "go: lifecycle" ||
		fmt.Sprint(created.Events) != "[email.bounced domain.*]" || created.CreatedAt.IsZero() {
		t.Fatalf("created %+v", created.WebhookEndpoint)
	}
	if !strings.HasPrefix(created.Secret, "whsec_") || len(created.Secret) < 40 {
		t.Fatalf("secret %d characters", len(created.Secret))
	}
	// The secret is never printed by fmt, whatever the verb, pointer or value.
	for _, printed := range []string{
		fmt.Sprintf("%v", created), fmt.Sprintf("%+v", created), fmt.Sprintf("%s", created),
		fmt.Sprintf("%v", *created), fmt.Sprintf("%+v", *created), fmt.Sprintf("%#v", *created), fmt.Sprint(created),
	} {
		assertNoSecret(t, printed, created.Secret)
		if !strings.Contains(printed, created.ID) {
			t.Fatalf("printed %q does not name the endpoint", printed)
		}
	}

	got, err := wh.Get(ctx, created.ID)
	if err != nil || got.ID != created.ID || got.URL != placeholderURL || got.LastDeliveryAt != nil {
		t.Fatalf("Get: %+v, %v", got, err)
	}

	updated, err := wh.Update(ctx, created.ID, send0.WebhookUpdateParams{
		URL: send0.Ptr("http://127.0.0.1:9/elsewhere"), Events: []string{"email.*"}, Active: send0.Ptr(false),
		ClearDescription: true,
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if updated.URL != "http://127.0.0.1:9/elsewhere" || updated.Active || updated.Status != "disabled" ||
		updated.Description != nil || fmt.Sprint(updated.Events) != "[email.*]" || !updated.UpdatedAt.After(created.CreatedAt.Add(-time.Second)) {
		t.Fatalf("updated %+v", updated)
	}
	updated, err = wh.Update(ctx, created.ID, send0.WebhookUpdateParams{Active: send0.Ptr(true), Description: send0.Ptr("again")})
	if err != nil || !updated.Active || updated.Status != "active" || updated.Description == nil || *updated.Description != "again" {
		t.Fatalf("Update back: %+v, %v", updated, err)
	}

	page, err := wh.List(ctx, send0.ListParams{Limit: 100})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	found := false
	for _, e := range page.Data {
		found = found || e.ID == created.ID
	}
	if !found {
		t.Fatalf("List does not have %s", created.ID)
	}
	found = false
	for e, err := range wh.All(ctx, send0.ListParams{Limit: 2}) {
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		found = found || e.ID == created.ID
	}
	if !found {
		t.Fatalf("All does not have %s", created.ID)
	}

	// Nothing listens at the endpoint's URL: the test event is sent and fails, and says why.
	result, err := wh.Test(ctx, created.ID)
	if err != nil {
		t.Fatalf("Test: %v", err)
	}
	if result.Success || result.Error == nil || *result.Error == "" || !strings.HasPrefix(result.EventID, "evt_") {
		t.Fatalf("Test result %+v", result)
	}

	rotated, err := wh.RotateSecret(ctx, created.ID, send0.RotateSecretParams{ExpirePreviousIn: send0.Ptr(time.Hour)})
	if err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	if !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == created.Secret || rotated.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotated: previous expires %v, new differs %t", rotated.PreviousSecretExpiresAt, rotated.Secret != created.Secret)
	}
	if until := time.Until(*rotated.PreviousSecretExpiresAt); until < 50*time.Minute || until > 70*time.Minute {
		t.Fatalf("the previous secret expires in %v, want about an hour", until)
	}
	for _, printed := range []string{fmt.Sprintf("%v", rotated), fmt.Sprintf("%+v", *rotated), fmt.Sprintf("%#v", *rotated)} {
		assertNoSecret(t, printed, rotated.Secret)
	}
	rotated, err = wh.RotateSecret(ctx, created.ID, send0.RotateSecretParams{ExpirePreviousIn: send0.Ptr(time.Duration(0))})
	if err != nil || !strings.HasPrefix(rotated.Secret, "whsec_") {
		t.Fatalf("RotateSecret(0): %v", err)
	}

	// The test event is not logged; an emitted one is, attempt by attempt (nothing listens, so each
	// attempt fails without a status; the server retries after 200 ms twice).
	status, emitted := rawAPI(t, defaultKey, "POST", "/v1/events", map[string]any{"type": "email.bounced"})
	if status != http.StatusAccepted {
		t.Fatalf("POST /v1/events: %d %v", status, emitted)
	}
	var deliveries *send0.Page[send0.DeliveryAttempt]
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		deliveries, err = wh.Deliveries(ctx, created.ID, send0.ListParams{Limit: 10})
		if err != nil {
			t.Fatalf("Deliveries: %v", err)
		}
		if len(deliveries.Data) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if len(deliveries.Data) < 2 {
		t.Fatalf("Deliveries %+v", deliveries.Data)
	}
	for i, d := range deliveries.Data {
		if d.EventID != emitted["event_id"] || d.EventType != "email.bounced" || d.StatusCode != nil || d.Error == nil ||
			d.AttemptedAt.IsZero() || i > 0 && d.Attempt >= deliveries.Data[i-1].Attempt {
			t.Fatalf("delivery %d: %+v", i, d)
		}
	}
	n := 0
	for d, err := range wh.AllDeliveries(ctx, created.ID, send0.ListParams{}) {
		if err != nil {
			t.Fatalf("AllDeliveries: %v", err)
		}
		n++
		if d.EventID == "" || d.AttemptedAt.IsZero() {
			t.Fatalf("delivery %+v", d)
		}
	}
	if n < len(deliveries.Data) {
		t.Fatalf("AllDeliveries walked %d, the first page had %d", n, len(deliveries.Data))
	}

	deleted, err := wh.Delete(ctx, created.ID)
	if err != nil || !deleted.Deleted || deleted.ID != created.ID || deleted.Object != "webhook_endpoint" {
		t.Fatalf("Delete: %+v, %v", deleted, err)
	}
	_, err = wh.Get(ctx, created.ID)
	if !errors.Is(err, send0.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	var apiErr *send0.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || apiErr.Code != "not_found" ||
		apiErr.Kind != "not_found" || !strings.HasPrefix(apiErr.RequestID, "req_") || apiErr.Headers.Get("x-request-id") != apiErr.RequestID {
		t.Fatalf("not found details: %#v", apiErr)
	}
	if !strings.Contains(err.Error(), apiErr.RequestID) || errors.Is(err, send0.ErrPermission) {
		t.Fatalf("error text %q", err)
	}
	for _, call := range []func() error{
		func() error { _, err := wh.Delete(ctx, created.ID); return err },
		func() error {
			_, err := wh.Update(ctx, created.ID, send0.WebhookUpdateParams{Active: send0.Ptr(true)})
			return err
		},
		func() error { _, err := wh.Test(ctx, created.ID); return err },
		func() error { _, err := wh.RotateSecret(ctx, created.ID, send0.RotateSecretParams{}); return err },
		func() error { _, err := wh.Deliveries(ctx, created.ID, send0.ListParams{}); return err },
	} {
		if err := call(); !errors.Is(err, send0.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	}
}

func TestClientAllWalksEveryPage(t *testing.T) {
	ctx := testContext(t)
	client := newClient(t, pagesKey) // a workspace of its own: exactly these endpoints
	const count = 25
	var ids []string
	for i := 0; i < count; i++ {
		e, err := client.Webhooks.Create(ctx, send0.WebhookCreateParams{
			URL: placeholderURL, Events: []string{"email.delivered"}, Description: send0.Ptr(fmt.Sprintf("page %d", i)),
			Active: send0.Ptr(false), // nothing is ever delivered to them
		})
		if err != nil {
			t.Fatalf("Create %d: %v", i, err)
		}
		ids = append(ids, e.ID)
	}
	t.Cleanup(func() { // leaves the workspace empty for the next run (go test -count=N)
		for _, id := range ids {
			client.Webhooks.Delete(context.Background(), id)
		}
	})

	var walked []string
	for e, err := range client.Webhooks.All(ctx, send0.ListParams{Limit: 7}) {
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		walked = append(walked, e.ID)
	}
	if len(walked) != count {
		t.Fatalf("All walked %d endpoints, want %d", len(walked), count)
	}
	seen := map[string]bool{}
	for i, id := range walked {
		if seen[id] {
			t.Fatalf("%s twice", id)
		}
		seen[id] = true
		if want := ids[count-1-i]; id != want { // newest first
			t.Fatalf("position %d: %s, want %s", i, id, want)
		}
	}

	// The same walk page by page: 7 + 7 + 7 + 4.
	var sizes []int
	params := send0.ListParams{Limit: 7}
	for {
		page, err := client.Webhooks.List(ctx, params)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		sizes = append(sizes, len(page.Data))
		if !page.HasMore {
			break
		}
		params.Cursor = *page.Cursor
	}
	if fmt.Sprint(sizes) != "[7 7 7 4]" {
		t.Fatalf("pages %v", sizes)
	}

	// Breaking out of the loop stops the walk.
	n := 0
	for _, err := range client.Webhooks.All(ctx, send0.ListParams{Limit: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 8 {
			break
		}
	}
	if n != 8 {
		t.Fatalf("walked %d", n)
	}

	// An error ends the walk with one (zero, err) pair: refused by the server (a bad cursor) or
	// before sending (a limit out of range).
	for params, kind := range map[send0.ListParams]error{
		{Cursor: "not-a-cursor"}: send0.ErrInvalidRequest,
		{Limit: 1000}:            send0.ErrInvalidArgument,
	} {
		var errs []error
		for e, err := range client.Webhooks.All(ctx, params) {
			if e.ID != "" {
				t.Fatalf("an endpoint beside an error: %+v", e)
			}
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], kind) {
			t.Fatalf("All(%+v) yielded %v", params, errs)
		}
	}
}

func TestClientErrorPermission(t *testing.T) {
	ctx := testContext(t)
	reader := newClient(t, readerKey)
	if _, err := reader.Webhooks.List(ctx, send0.ListParams{}); err != nil {
		t.Fatalf("a read-only key may list: %v", err)
	}
	_, err := reader.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: placeholderURL})
	if !errors.Is(err, send0.ErrPermission) {
		t.Fatalf("Create with a read-only key: %v", err)
	}
	var apiErr *send0.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || apiErr.Code != "forbidden" ||
		apiErr.RequiredScope != "platform:webhooks:manage" || apiErr.RequestID == "" {
		t.Fatalf("permission details: %#v", apiErr)
	}
	assertNoSecret(t, err.Error(), readerKey)
}

func TestClientErrorNotFound(t *testing.T) {
	ctx := testContext(t)
	client := newClient(t, defaultKey)
	_, err := client.Webhooks.Get(ctx, "wh_doesnotexist")
	var apiErr *send0.APIError
	if !errors.Is(err, send0.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Fatalf("Get of an unknown id: %v", err)
	}
	// Another workspace's endpoint is a 404 too, never a 403.
	other := newClient(t, pagesKey)
	e, err := other.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: placeholderURL, Active: send0.Ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Webhooks.Get(ctx, e.ID); !errors.Is(err, send0.ErrNotFound) {
		t.Fatalf("another workspace's endpoint: %v", err)
	}
	if _, err := other.Webhooks.Delete(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
}

func TestClientErrorInvalidRequest(t *testing.T) {
	ctx := testContext(t)
	client := newClient(t, defaultKey)
	for _, tc := range []struct {
		params  send0.WebhookCreateParams
		param   string
		mention string
	}{
		{send0.WebhookCreateParams{URL: placeholderURL, Events: []string{"email.bouncd"}}, "events", "email.bounced"},
		{send0.WebhookCreateParams{URL: "ftp://example.com/hook"}, "url", "HTTPS"},
		{send0.WebhookCreateParams{URL: ""}, "url", "url"},
	} {
		_, err := client.Webhooks.Create(ctx, tc.params)
		var apiErr *send0.APIError
		if !errors.Is(err, send0.ErrInvalidRequest) || !errors.As(err, &apiErr) {
			t.Fatalf("Create(%+v): %v", tc.params, err)
		}
		if apiErr.Status != 400 || apiErr.Code != "invalid_request" || apiErr.Param != tc.param || !strings.Contains(apiErr.Message, tc.mention) {
			t.Fatalf("Create(%+v): %#v", tc.params, apiErr)
		}
	}
	if _, err := client.Webhooks.List(ctx, send0.ListParams{Cursor: "not-a-cursor"}); !errors.Is(err, send0.ErrInvalidRequest) {
		t.Fatalf("a bad cursor: %v", err)
	}
}

func TestClientErrorConflictAndIdempotentReplay(t *testing.T) {
	ctx := testContext(t)
	client := newClient(t, defaultKey, send0.WithMaxRetries(0)) // 409 is retried by default
	key := fmt.Sprintf("go-test-%d", time.Now().UnixNano())
	first, err := client.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: placeholderURL, Active: send0.Ptr(false), IdempotencyKey: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Webhooks.Delete(context.Background(), first.ID) })
	// The same key and body replays the first response: the same endpoint, the same secret.
	again, err := client.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: placeholderURL, Active: send0.Ptr(false), IdempotencyKey: key})
	if err != nil || again.ID != first.ID || again.Secret != first.Secret {
		t.Fatalf("replay: %s vs %s, same secret %t, %v", again.ID, first.ID, again.Secret == first.Secret, err)
	}
	// The same key with another body is a conflict.
	_, err = client.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: placeholderURL + "/other", Active: send0.Ptr(false), IdempotencyKey: key})
	var apiErr *send0.APIError
	if !errors.Is(err, send0.ErrConflict) || !errors.As(err, &apiErr) || apiErr.Status != 409 || apiErr.Code != "idempotency_conflict" {
		t.Fatalf("reused key with another body: %v", err)
	}
}

func TestClientErrorAuthentication(t *testing.T) {
	ctx := testContext(t)
	const wrongKey = "sk_test_not_a_key_of_this_server"
	client := newClient(t, wrongKey)
	_, err := client.Webhooks.List(ctx, send0.ListParams{})
	var apiErr *send0.APIError
	if !errors.Is(err, send0.ErrAuthentication) || !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Code != "unauthorized" {
		t.Fatalf("a wrong key: %v", err)
	}
	assertNoSecret(t, err.Error(), wrongKey)
	assertNoSecret(t, fmt.Sprintf("%+v", apiErr), wrongKey)
}

func TestClientErrorConnection(t *testing.T) {
	ctx := testContext(t)
	client, err := send0.NewClient(defaultKey, send0.WithBaseURL(closedPortURL(t)), send0.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_, err = client.Webhooks.Get(ctx, "wh_any")
	var e *send0.Error
	if !errors.Is(err, send0.ErrConnection) || !errors.As(err, &e) || e.Kind != "connection" {
		t.Fatalf("a refused port: %v", err)
	}
	assertNoSecret(t, err.Error(), defaultKey)
}

func TestClientErrorInvalidArgument(t *testing.T) {
	t.Setenv("SEND0_API_KEY", "")
	_, err := send0.NewClient("", send0.WithBaseURL(baseURL))
	var e *send0.Error
	if !errors.Is(err, send0.ErrInvalidArgument) || !errors.As(err, &e) || !strings.Contains(err.Error(), "SEND0_API_KEY") {
		t.Fatalf("no key anywhere: %v", err)
	}
	// The key comes from the environment when none is given.
	t.Setenv("SEND0_API_KEY", defaultKey)
	client, err := send0.NewClient("", send0.WithBaseURL(baseURL))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.Webhooks.List(testContext(t), send0.ListParams{Limit: 1}); err != nil {
		t.Fatalf("with SEND0_API_KEY: %v", err)
	}
	for _, opt := range []send0.Option{send0.WithTimeout(0), send0.WithMaxRetries(-1), send0.WithBaseURL("not a url")} {
		if _, err := send0.NewClient(defaultKey, opt); !errors.Is(err, send0.ErrInvalidArgument) {
			t.Fatalf("a bad option: %v", err)
		}
	}
}

func TestClientErrorRateLimitedByTheServer(t *testing.T) {
	ctx := testContext(t)
	client := newClient(t, limitedKey, send0.WithMaxRetries(0)) // one request per second
	var err error
	for i := 0; i < 5 && err == nil; i++ {
		_, err = client.Webhooks.List(ctx, send0.ListParams{Limit: 1})
	}
	var apiErr *send0.APIError
	if !errors.Is(err, send0.ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.Status != 429 || apiErr.RetryAfter <= 0 {
		t.Fatalf("over the key's rate limit: %v", err)
	}
}

func TestClientClosed(t *testing.T) {
	client, err := send0.NewClient(defaultKey, send0.WithBaseURL(baseURL))
	if err != nil {
		t.Fatal(err)
	}
	client.Close()
	client.Close() // twice is harmless
	if _, err := client.Webhooks.Get(testContext(t), "wh_any"); !errors.Is(err, send0.ErrInvalidArgument) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestClientSharedByManyGoroutines(t *testing.T) {
	ctx := testContext(t)
	client := newClient(t, defaultKey)
	created, err := client.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: placeholderURL, Active: send0.Ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Webhooks.Delete(context.Background(), created.ID) })

	const goroutines = 100
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := 0; i < goroutines; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			switch i % 4 {
			case 0, 1:
				e, err := client.Webhooks.Get(ctx, created.ID)
				if err == nil && e.ID != created.ID {
					err = fmt.Errorf("got %s", e.ID)
				}
				errs <- err
			case 2:
				_, err := client.Webhooks.List(ctx, send0.ListParams{Limit: 3})
				errs <- err
			case 3:
				_, err := client.Webhooks.Get(ctx, fmt.Sprintf("wh_missing%03d", i))
				if errors.Is(err, send0.ErrNotFound) {
					err = nil
				}
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

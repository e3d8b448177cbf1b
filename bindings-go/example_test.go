package send0_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// A delivery as send0 posts it: the event envelope, signed with the endpoint's secret.
const (
	exampleSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	exampleMsgID     = "msg_2mBn8sZQ4kR7"
	exampleTimestamp = 1700000000
	exampleBody      = `{"eventId":"evt_0b2c9a4e-5f1d-4c3b-9a8e-7d6f5e4c3b2a","type":"email.bounced","service":"email",` +
		`"data":{"email_id":"em_7Hk2","from":"news@example.com","to":["ana@example.org"],"subject":"Hello",` +
		`"bounce_type":"hard","bounce_message":"mailbox does not exist"},"livemode":false,"createdAt":1700000000000}`
)

// exampleDelivery returns the headers send0 sends with exampleBody. SignWebhook computes the
// webhook-signature value, as send0 does.
func exampleDelivery() http.Header {
	signature, err := send0.SignWebhook(exampleSecret, exampleMsgID, exampleTimestamp, []byte(exampleBody))
	if err != nil {
		log.Fatal(err)
	}
	headers := http.Header{}
	headers.Set("webhook-id", exampleMsgID)
	headers.Set("webhook-timestamp", fmt.Sprint(exampleTimestamp))
	headers.Set("webhook-signature", signature)
	return headers
}

// Verify the raw body of a delivery and decode the event's data. WithNow fixes the clock at the
// delivery's timestamp so that the example always runs the same way; leave it out in a receiver.
func ExampleVerifyWebhook() {
	body, headers := []byte(exampleBody), exampleDelivery()

	event, err := send0.VerifyWebhook(body, headers, exampleSecret, send0.WithNow(time.Unix(exampleTimestamp, 0)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(event.Type, event.ID)
	fmt.Println(event.CreatedAt.Format(time.RFC3339))

	var bounce struct {
		To         []string `json:"to"`
		BounceType string   `json:"bounce_type"`
	}
	if err := event.DataAs(&bounce); err != nil {
		log.Fatal(err)
	}
	fmt.Println(bounce.BounceType, bounce.To)
	// Output:
	// email.bounced evt_0b2c9a4e-5f1d-4c3b-9a8e-7d6f5e4c3b2a
	// 2023-11-14T22:13:20Z
	// hard [ana@example.org]
}

// A delivery that does not hold is a *WebhookVerificationError, matched with errors.Is or
// errors.As. Here the body was changed after it was signed.
func ExampleVerifyWebhook_errors() {
	forged := []byte(strings.Replace(exampleBody, `"hard"`, `"soft"`, 1))

	_, err := send0.VerifyWebhook(forged, exampleDelivery(), exampleSecret, send0.WithNow(time.Unix(exampleTimestamp, 0)))
	fmt.Println(errors.Is(err, send0.ErrInvalidSignature))
	var verr *send0.WebhookVerificationError
	if errors.As(err, &verr) {
		fmt.Println(verr.Kind)
	}

	// Without WithNow, the clock is now: a delivery signed long ago is refused as a replay.
	_, err = send0.VerifyWebhook([]byte(exampleBody), exampleDelivery(), exampleSecret)
	fmt.Println(errors.Is(err, send0.ErrTimestampTooOld))
	// Output:
	// true
	// invalid_signature
	// true
}

// When a delivery does not verify, ExplainWebhook says why: here a framework added a newline to the
// body, which the report proves (the body without it matches) and names the fix for. A failed
// verify carries the same finding, in one line, as the error's Hint: log it, never send it back.
func ExampleExplainWebhook() {
	altered := []byte(exampleBody + "\n")
	now := send0.WithNow(time.Unix(exampleTimestamp, 0))

	report, err := send0.ExplainWebhook(altered, exampleDelivery(), []string{exampleSecret}, now)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(report.Verified, report.Diagnoses[0].Code, *report.Body.Altered)
	fmt.Println(strings.Contains(*report.Diagnoses[0].Fix, "io.ReadAll(r.Body)"))

	_, err = send0.VerifyWebhook(altered, exampleDelivery(), exampleSecret, now)
	var verr *send0.WebhookVerificationError
	if errors.As(err, &verr) {
		fmt.Println(verr.Kind, verr.Hint == report.Summary)
	}
	// Output:
	// false body_newline_added newline_added
	// true
	// invalid_signature true
}

// The webhook-signature value of a message: the known test vector of the Standard Webhooks
// specification's reference libraries.
func ExampleSignWebhook() {
	signature, err := send0.SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		1614265330, []byte(`{"test": 2432232314}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(signature)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

// WebhookHandler is a net/http handler: it reads and verifies the raw body, answers 400 when the
// delivery does not hold, and calls your function with verified events only. Register it with
// http.Handle("POST /webhooks/send0", handler) in a real receiver; here httptest plays send0.
func ExampleWebhookHandler() {
	handler := send0.WebhookHandler(exampleSecret, func(w http.ResponseWriter, r *http.Request, event *send0.Event) {
		fmt.Println("received", event.Type, event.ID)
		w.WriteHeader(http.StatusOK) // any 2xx: send0 will not retry this event
	}, send0.WithNow(time.Unix(exampleTimestamp, 0)))

	request := httptest.NewRequest(http.MethodPost, "/webhooks/send0", strings.NewReader(exampleBody))
	request.Header = exampleDelivery()
	response := httptest.NewRecorder()
	handler.ServeHTTP(response, request)
	fmt.Println(response.Code)

	request = httptest.NewRequest(http.MethodPost, "/webhooks/send0", strings.NewReader(exampleBody))
	response = httptest.NewRecorder()
	handler.ServeHTTP(response, request) // no webhook headers
	fmt.Println(response.Code, strings.TrimSpace(response.Body.String()))
	// Output:
	// received email.bounced evt_0b2c9a4e-5f1d-4c3b-9a8e-7d6f5e4c3b2a
	// 200
	// 400 missing_header: the webhook-id header is missing
}

// A client for the send0 API. The key "" reads SEND0_API_KEY; SEND0_BASE_URL (or WithBaseURL)
// points it at another server, such as a local send0-server.
func ExampleNewClient() {
	client, err := send0.NewClient("", send0.WithTimeout(30*time.Second), send0.WithMaxRetries(3))
	if err != nil {
		log.Fatal(err) // errors.Is(err, send0.ErrInvalidArgument) when there is no key at all
	}
	defer client.Close() // one client for the program: it is safe for concurrent use

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	page, err := client.Webhooks.List(ctx, send0.ListParams{Limit: 10})
	if err != nil {
		log.Fatal(err)
	}
	for _, endpoint := range page.Data {
		fmt.Println(endpoint.ID, endpoint.Status, endpoint.URL)
	}
}

// Develop against send0-server, the local implementation of the API: it accepts the key
// sk_test_send0_local and delivers to http URLs on loopback.
func Example_localServer() {
	client, err := send0.NewClient("sk_test_send0_local", send0.WithBaseURL("http://127.0.0.1:8765"))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	endpoint, err := client.Webhooks.Create(context.Background(), send0.WebhookCreateParams{
		URL:    "http://localhost:3000/webhooks/send0",
		Events: []string{"email.*"},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Give endpoint.Secret to your receiver (it verifies with it); then POST /v1/events on the
	// server makes send0-server deliver a signed event to it.
	fmt.Println(endpoint.ID, endpoint.URL)
}

// Create an endpoint. Its signing secret is in this response only: store it.
func ExampleWebhooksService_Create() {
	client, err := send0.NewClient("")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	endpoint, err := client.Webhooks.Create(context.Background(), send0.WebhookCreateParams{
		URL:            "https://yourapp.com/webhooks/send0",
		Events:         []string{"email.*", "domain.health.degraded"},
		Description:    send0.Ptr("production receiver"),
		IdempotencyKey: "create-production-receiver", // optional: one is generated per call otherwise
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(endpoint.ID, endpoint.Status)
	storeSecret(endpoint.Secret) // fmt's %v of endpoint never prints it
}

func storeSecret(string) {}

// Change only the fields that are set; ClearDescription removes the description and Paused false
// resumes an endpoint that send0 paused after repeated failures.
func ExampleWebhooksService_Update() {
	client, err := send0.NewClient("")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	endpoint, err := client.Webhooks.Update(context.Background(), "wh_3mKpLvRw9nQx", send0.WebhookUpdateParams{
		Events:           []string{"email.bounced", "email.complained"},
		ClearDescription: true,
		Paused:           send0.Ptr(false),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(endpoint.Status, endpoint.Events)
}

// Walk every endpoint: the next page is fetched only when the loop asks for it, and break stops.
func ExampleWebhooksService_All() {
	client, err := send0.NewClient("")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	for endpoint, err := range client.Webhooks.All(context.Background(), send0.ListParams{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(endpoint.ID, endpoint.Status, endpoint.URL)
	}
}

// Send a platform.test event now, then read the endpoint's delivery log, newest first.
func ExampleWebhooksService_Test() {
	client, err := send0.NewClient("")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	result, err := client.Webhooks.Test(ctx, "wh_3mKpLvRw9nQx")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(result.Success, result.ResponseTimeMS)

	for attempt, err := range client.Webhooks.AllDeliveries(ctx, "wh_3mKpLvRw9nQx", send0.ListParams{Limit: 50}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(attempt.EventType, attempt.Attempt, attempt.AttemptedAt)
	}
}

// Rotate the signing secret; the previous one keeps signing for an hour, so receivers can switch
// (VerifyWebhook accepts both meanwhile: WithSecrets).
func ExampleWebhooksService_RotateSecret() {
	client, err := send0.NewClient("")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	rotated, err := client.Webhooks.RotateSecret(context.Background(), "wh_3mKpLvRw9nQx",
		send0.RotateSecretParams{ExpirePreviousIn: send0.Ptr(time.Hour)})
	if err != nil {
		log.Fatal(err)
	}
	storeSecret(rotated.Secret)
	fmt.Println("the previous secret expires at", rotated.PreviousSecretExpiresAt)
}

// Every error matches the sentinel of its kind with errors.Is; errors.As gets the details.
func ExampleAPIError() {
	client, err := send0.NewClient("")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	_, err = client.Webhooks.Get(context.Background(), "wh_doesnotexist")
	var apiErr *send0.APIError
	switch {
	case errors.Is(err, send0.ErrNotFound):
		fmt.Println("no such endpoint")
	case errors.As(err, &apiErr):
		fmt.Println(apiErr.Status, apiErr.Code, apiErr.Message, apiErr.RequestID)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, send0.ErrTimeout):
		fmt.Println("too slow")
	case err != nil:
		log.Fatal(err)
	}
}

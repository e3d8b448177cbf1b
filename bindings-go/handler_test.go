package send0_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// WebhookHandler receiving real, signed deliveries from the local server.
func TestWebhookHandlerReceivesRealDeliveries(t *testing.T) {
	// The API is called with net/http, not the SDK's client: this tests the handler, which a build
	// without cgo has too. handlerKey is a workspace of its own: only this endpoint receives.
	status, created := rawAPI(t, handlerKey, "POST", "/v1/webhooks", map[string]any{"url": placeholderURL, "description": "go: handler"})
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/webhooks: %d %v", status, created)
	}
	endpoint, secret := created["id"].(string), created["secret"].(string)
	t.Cleanup(func() { rawAPI(t, handlerKey, "DELETE", "/v1/webhooks/"+endpoint, nil) })

	var mu sync.Mutex
	got := map[string]*send0.Event{}
	arrived := make(chan struct{}, 64)
	handler := send0.WebhookHandler(secret, func(w http.ResponseWriter, r *http.Request, event *send0.Event) {
		mu.Lock()
		got[event.Type] = event
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"received":true}`)
		arrived <- struct{}{}
	})
	receiver := httptest.NewServer(handler)
	defer receiver.Close()
	if status, answer := rawAPI(t, handlerKey, "PATCH", "/v1/webhooks/"+endpoint, map[string]any{"url": receiver.URL + "/webhooks/send0"}); status != http.StatusOK {
		t.Fatalf("PATCH: %d %v", status, answer)
	}

	// The test operation goes through the handler too.
	if status, result := rawAPI(t, handlerKey, "POST", "/v1/webhooks/"+endpoint+"/test", nil); status != http.StatusOK ||
		result["success"] != true || result["status_code"] != float64(200) {
		t.Fatalf("test: %d %v", status, result)
	}
	<-arrived

	types := []string{"email.queued", "email.delivered", "email.opened", "email.clicked", "email.bounced",
		"email.complained", "email.failed", "domain.health.degraded", "platform.test"}
	eventIDs := map[string]string{}
	for _, typ := range types {
		status, answer := rawAPI(t, handlerKey, "POST", "/v1/events", map[string]any{"type": typ})
		if status != http.StatusAccepted || answer["endpoints"] != float64(1) {
			t.Fatalf("POST /v1/events %s: %d %v", typ, status, answer)
		}
		eventIDs[typ] = answer["event_id"].(string)
	}
	timeout := time.After(20 * time.Second)
	for range types {
		select {
		case <-arrived:
		case <-timeout:
			t.Fatalf("only %d of %d deliveries arrived", len(got), len(types))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, typ := range types {
		event := got[typ]
		if event == nil {
			t.Fatalf("no %s delivery", typ)
		}
		if event.ID != eventIDs[typ] || event.WebhookID != event.ID || event.Service != strings.Split(typ, ".")[0] ||
			event.Livemode || time.Since(event.CreatedAt) > time.Minute || event.Timestamp == 0 || len(event.Raw) == 0 {
			t.Fatalf("%s: %+v", typ, event)
		}
		var data map[string]any
		if err := event.DataAs(&data); err != nil || len(data) == 0 {
			t.Fatalf("%s data: %s (%v)", typ, event.Data, err)
		}
	}
	var bounced struct {
		EmailID    string   `json:"email_id"`
		To         []string `json:"to"`
		BounceType string   `json:"bounce_type"`
	}
	if err := got["email.bounced"].DataAs(&bounced); err != nil || !strings.HasPrefix(bounced.EmailID, "em_") ||
		len(bounced.To) == 0 || (bounced.BounceType != "hard" && bounced.BounceType != "soft") {
		t.Fatalf("email.bounced data: %+v (%v)", bounced, err)
	}

	// The delivery log has every one, answered 200.
	var ok int
	for deadline := time.Now().Add(5 * time.Second); ok < len(types) && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ok = 0
		status, page := rawAPI(t, handlerKey, "GET", "/v1/webhooks/"+endpoint+"/deliveries?limit=100", nil)
		if status != http.StatusOK || page["has_more"] != false {
			t.Fatalf("deliveries: %d %v", status, page)
		}
		for _, d := range page["data"].([]any) {
			if d.(map[string]any)["status_code"] == float64(200) {
				ok++
			}
		}
	}
	if ok != len(types) {
		t.Fatalf("%d successful attempts logged, want %d", ok, len(types))
	}

	// A forged delivery is refused with 400 and the reason.
	body := `{"eventId":"evt_forged","type":"email.delivered","service":"email","data":{},"livemode":false,"createdAt":0}`
	forged, err := send0.SignWebhook("whsec_Zm9yZ2VkIGtleSBmb3JnZWQga2V5IGZvcmdlZCBrZXkh", "evt_forged", time.Now().Unix(), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	status, text := post(t, receiver.URL, body, map[string]string{
		"webhook-id": "evt_forged", "webhook-timestamp": strconv.FormatInt(time.Now().Unix(), 10), "webhook-signature": forged,
	})
	if status != http.StatusBadRequest || !strings.Contains(text, "invalid_signature") {
		t.Fatalf("a forged delivery: %d %q", status, text)
	}
	assertNoSecret(t, text, secret)
	// So is one without headers, naming the first one missing.
	status, text = post(t, receiver.URL, body, nil)
	if status != http.StatusBadRequest || !strings.Contains(text, "missing_header") || !strings.Contains(text, "webhook-id") {
		t.Fatalf("no headers: %d %q", status, text)
	}
	if got["email.delivered"].ID == "evt_forged" {
		t.Fatal("the forged event reached the callback")
	}
}

func post(t *testing.T, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(text)
}

func TestWebhookHandlerRefusals(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	called := false
	h := send0.WebhookHandler(secret, func(w http.ResponseWriter, r *http.Request, e *send0.Event) { called = true })

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Fatalf("GET: %d %v", rec.Code, rec.Header())
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", send0.MaxWebhookBody+1))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over the limit: %d", rec.Code)
	}

	// An authentic delivery older than the tolerance is refused, and accepted with a wider one.
	ts := time.Now().Add(-10 * time.Minute).Unix()
	body := `{"type":"email.opened","data":{"email_id":"em_1"}}`
	signature, _ := send0.SignWebhook(secret, "msg_old", ts, []byte(body))
	request := func() *http.Request {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Webhook-Id", "msg_old")
		r.Header.Set("Webhook-Timestamp", strconv.FormatInt(ts, 10))
		r.Header.Set("Webhook-Signature", signature)
		return r
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, request())
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "timestamp_too_old") || called {
		t.Fatalf("an old delivery: %d %q", rec.Code, rec.Body)
	}
	var event *send0.Event
	wide := send0.WebhookHandler("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", func(w http.ResponseWriter, r *http.Request, e *send0.Event) {
		event = e
		json.NewEncoder(w).Encode(map[string]string{"type": e.Type})
	}, send0.WithTolerance(time.Hour), send0.WithSecrets(secret))
	rec = httptest.NewRecorder()
	wide.ServeHTTP(rec, request())
	if rec.Code != http.StatusOK || event == nil || event.Type != "email.opened" || event.ID != "msg_old" || event.Service != "email" {
		t.Fatalf("with a wider tolerance and a second secret: %d %q %+v", rec.Code, rec.Body, event)
	}
}

func TestVerifyOptions(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"type":"email.queued"}`)
	signature, err := send0.SignWebhook(secret, "msg_1", 1700000000, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", "1700000000")
	// A proxy that split the signature header on a comma-free boundary: values are joined.
	h.Add("webhook-signature", "v1,bm90IHRoZSBzaWduYXR1cmUgbm90IHRoZSBzaWduYXR1cmU=")
	h.Add("webhook-signature", signature)
	event, err := send0.VerifyWebhook(body, h, secret, send0.WithNow(time.Unix(1700000100, 0)))
	if err != nil || event.Type != "email.queued" || event.Service != "email" || string(event.Data) != "null" ||
		event.CreatedAt.Unix() != 1700000000 || event.ID != "msg_1" {
		t.Fatalf("%+v, %v", event, err)
	}
	var data any = "untouched"
	if err := event.DataAs(&data); err != nil || data != nil {
		t.Fatalf("DataAs of absent data: %v %v", data, err)
	}
	_, err = send0.VerifyWebhook(body, h, secret, send0.WithNow(time.Unix(1700000100, 0)), send0.WithTolerance(99*time.Second))
	if !errors.Is(err, send0.ErrTimestampTooOld) {
		t.Fatalf("tolerance 99 s, 100 s late: %v", err)
	}
	_, err = send0.VerifyWebhook(body, h, secret, send0.WithTolerance(-time.Second))
	if !errors.Is(err, send0.ErrInvalidArgument) {
		t.Fatalf("a negative tolerance: %v", err)
	}
	// The system clock by default: 1700000000 is long past.
	if err := send0.VerifyWebhookRaw(body, h, secret); !errors.Is(err, send0.ErrTimestampTooOld) {
		t.Fatalf("against the system clock: %v", err)
	}
	if _, err := send0.SignWebhook("whsec_not base64!", "msg_1", 1, body); !errors.Is(err, send0.ErrInvalidSecret) {
		t.Fatalf("signing with a bad secret: %v", err)
	}
}

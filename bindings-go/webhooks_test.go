package send0_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// signed is a delivery of body signed with testSecret as msg_1, at 1700000000, and the option that
// puts the clock there.
func signed(t *testing.T, body []byte) (id, ts, signature string, now send0.VerifyOption) {
	t.Helper()
	signature, err := send0.SignWebhook(testSecret, "msg_1", 1700000000, body)
	if err != nil {
		t.Fatal(err)
	}
	return "msg_1", "1700000000", signature, send0.WithNow(time.Unix(1700000000, 0))
}

// wantVerifyError fails unless err is a *WebhookVerificationError of kind, matching its sentinel.
func wantVerifyError(t *testing.T, err error, kind string, mentions string) {
	t.Helper()
	var verr *send0.WebhookVerificationError
	if !errors.As(err, &verr) || verr.Kind != kind || !errors.Is(err, sentinels[kind]) {
		t.Fatalf("got %v, want a %s verification error", err, kind)
	}
	if !strings.Contains(verr.Message, mentions) {
		t.Fatalf("the message %q does not mention %q", verr.Message, mentions)
	}
}

// Hand-built maps and serverless adapters key headers in lowercase: VerifyWebhook, VerifyWebhookRaw
// and WebhookHandler find them anyway, and join one header's values across keys of any case.
func TestVerifyHeaderKeysOfAnyCase(t *testing.T) {
	body := []byte(`{"type":"email.opened","data":{"email_id":"em_1"}}`)
	id, ts, signature, now := signed(t, body)
	lower := http.Header{"webhook-id": {id}, "webhook-timestamp": {ts}, "webhook-signature": {signature}}
	if event, err := send0.VerifyWebhook(body, lower, testSecret, now); err != nil || event.WebhookID != id {
		t.Fatalf("VerifyWebhook with lowercase keys: %+v, %v", event, err)
	}
	if err := send0.VerifyWebhookRaw(body, lower, testSecret, now); err != nil {
		t.Fatalf("VerifyWebhookRaw with lowercase keys: %v", err)
	}

	// A signature split over three keys of different case: all its entries are seen.
	split := http.Header{
		"WEBHOOK-ID": {id}, "Webhook-Timestamp": {ts},
		"Webhook-Signature": {"v1,bm90IHRoZSBzaWduYXR1cmU="}, "webhook-signature": {"v1a,bm90"}, "wEbHoOk-SiGnAtUrE": {signature},
	}
	if err := send0.VerifyWebhookRaw(body, split, testSecret, now); err != nil {
		t.Fatalf("a signature split over keys of different case: %v", err)
	}
	// Nothing is found under a name that only looks alike.
	kelvin := http.Header{"webhoo\u212a-id": {id}, "webhook-timestamp": {ts}, "webhook-signature": {signature}}
	wantVerifyError(t, send0.VerifyWebhookRaw(body, kelvin, testSecret, now), "missing_header", "webhook-id")

	var got *send0.Event
	handler := send0.WebhookHandler(testSecret, func(w http.ResponseWriter, r *http.Request, e *send0.Event) { got = e }, now)
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Header = lower // as an adapter builds it, never canonicalized
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK || got == nil || got.Type != "email.opened" {
		t.Fatalf("WebhookHandler with lowercase keys: %d %q", rec.Code, rec.Body)
	}
}

// The core receives the headers NUL-separated: a NUL inside a value would re-pair names and values,
// so that "msg_1\x00x\x00" verified as msg_1. Every such value is refused, whatever its header.
func TestVerifyRefusesNULInHeaderValues(t *testing.T) {
	body := []byte(`{"type":"email.opened"}`)
	id, ts, signature, now := signed(t, body)
	for _, tc := range []struct{ name, id, ts, signature string }{
		{"webhook-id", id + "\x00x\x00", ts, signature}, // re-paired, this one verified as msg_1
		{"webhook-id", id + "\x00x", ts, signature},
		{"webhook-timestamp", id, ts + "\x00", signature},
		{"webhook-signature", id, ts, signature + "\x00webhook-id\x00msg_2"},
		{"webhook-signature", id, ts, "\x00"},
	} {
		h := http.Header{"Webhook-Id": {tc.id}, "Webhook-Timestamp": {tc.ts}, "webhook-signature": {tc.signature}}
		_, err := send0.VerifyWebhook(body, h, testSecret, now)
		wantVerifyError(t, err, "missing_header", tc.name+" header has a NUL")
		wantVerifyError(t, send0.VerifyWebhookRaw(body, h, testSecret, now), "missing_header", "NUL")
	}
}

// Every secret given is checked: an empty one, even last in the list, is invalid_secret and never
// dropped (spec rule 5), as is one with a NUL (it would split in two).
func TestVerifyRefusesEmptySecrets(t *testing.T) {
	body := []byte(`{"type":"email.opened"}`)
	id, ts, signature, now := signed(t, body)
	h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {signature}}
	if err := send0.VerifyWebhookRaw(body, h, testSecret, now); err != nil {
		t.Fatal(err)
	}
	for name, secrets := range map[string][]string{
		"trailing empty": {testSecret, ""},
		"leading empty":  {"", testSecret},
		"middle empty":   {testSecret, "", testSecret},
		"NUL inside":     {testSecret, testSecret + "\x00x"},
		"NUL at the end": {testSecret + "\x00"},
	} {
		_, err := send0.VerifyWebhook(body, h, secrets[0], now, send0.WithSecrets(secrets[1:]...))
		if !errors.Is(err, send0.ErrInvalidSecret) {
			t.Fatalf("%s secret: %v", name, err)
		}
		if err := send0.VerifyWebhookRaw(body, h, secrets[0], now, send0.WithSecrets(secrets[1:]...)); !errors.Is(err, send0.ErrInvalidSecret) {
			t.Fatalf("%s secret, raw: %v", name, err)
		}
		assertNoSecret(t, err.Error(), testSecret)
	}
}

// The event holds what was verified: the caller may reuse its body buffer afterwards.
func TestEventOutlivesTheBodyBuffer(t *testing.T) {
	const text = `{"id":"evt_1","type":"email.bounced","data":{"email_id":"em_1","bounce_type":"hard"}}`
	body := []byte(text)
	id, ts, signature, now := signed(t, body)
	h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {signature}}
	event, err := send0.VerifyWebhook(body, h, testSecret, now)
	if err != nil {
		t.Fatal(err)
	}
	const data = `{"email_id":"em_1","bounce_type":"hard"}`
	copy(body, strings.Repeat("x", len(body))) // a pooled buffer, reused for the next request
	if string(event.Data) != data || string(event.Raw) != text {
		t.Fatalf("after the body buffer was overwritten: data %s, raw %s", event.Data, event.Raw)
	}
	var decoded struct {
		BounceType string `json:"bounce_type"`
	}
	if err := event.DataAs(&decoded); err != nil || decoded.BounceType != "hard" {
		t.Fatalf("DataAs: %+v, %v", decoded, err)
	}
	// Data is capped at its end: appending to it never writes into Raw.
	_ = append(event.Data, "!!"...)
	if string(event.Raw) != text {
		t.Fatalf("an append to Data changed Raw: %s", event.Raw)
	}
}

// A panic in the core (a trap in the WebAssembly build) is the api error doc.go describes, and the
// library still works.
func TestPanicInTheCoreIsAnError(t *testing.T) {
	err := send0.ProvokeNativePanic()
	if err == nil {
		t.Fatal("no error")
	}
	var e *send0.Error
	if !errors.As(err, &e) || !errors.Is(err, send0.ErrAPI) || e.Kind != "api" ||
		!strings.HasPrefix(e.Message, "internal error in the send0 core: ") || !strings.Contains(e.Message, "panic") {
		t.Fatalf("a panic in the core: %T %v", err, err)
	}
	// And the library still works afterwards.
	if _, err := send0.SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1, nil); err != nil {
		t.Fatal(err)
	}
}

// The event record from the core is decoded with every length checked: a truncated or lying
// record is a decode error, never a panic or a slice past the body.
func TestEventRecordDecodingIsBounded(t *testing.T) {
	body := []byte(`{"type":"email.sent","data":{"a":1}}`)
	record := func(dataOffset, dataLen uint64, texts ...string) []byte {
		r := binary.LittleEndian.AppendUint64(nil, 1_700_000_000_000)
		r = binary.LittleEndian.AppendUint64(r, 1_700_000_000)
		r = binary.LittleEndian.AppendUint64(r, dataOffset)
		r = binary.LittleEndian.AppendUint64(r, dataLen)
		r = append(r, 1)
		for _, text := range texts {
			r = binary.LittleEndian.AppendUint32(r, uint32(len(text)))
			r = append(r, text...)
		}
		return r
	}
	good := record(28, 7, "evt_1", "email.sent", "email", "msg_1")
	event, err := send0.EventFromRecord(good, body)
	if err != nil || event.ID != "evt_1" || event.Type != "email.sent" || event.Service != "email" ||
		event.WebhookID != "msg_1" || !event.Livemode || string(event.Data) != `{"a":1}` || event.Timestamp != 1_700_000_000 {
		t.Fatalf("a good record: %+v, %v", event, err)
	}
	hostile := map[string][]byte{
		"empty":                 {},
		"cut in the fixed part": good[:20],
		"cut in a text":         good[:len(good)-3],
		"a text length past the end": append(record(28, 7, "evt_1", "email.sent", "email")[:],
			0xff, 0xff, 0xff, 0xff),
		"data past the body":      record(30, 7, "a", "b", "c", "d"),
		"data offset overflowing": record(math.MaxUint64, 2, "a", "b", "c", "d"),
		"data length overflowing": record(2, math.MaxUint64, "a", "b", "c", "d"),
	}
	for name, r := range hostile {
		if _, err := send0.EventFromRecord(r, body); !errors.Is(err, send0.ErrDecode) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

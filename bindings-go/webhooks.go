package send0

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Event is a verified send0 event.
type Event struct {
	ID        string          // the event id (evt_…)
	Type      string          // e.g. email.bounced
	Service   string          // e.g. email
	Data      json.RawMessage // the event's data; decode it with DataAs
	Livemode  bool
	CreatedAt time.Time // when the event happened
	WebhookID string    // the webhook-id header, stable across retries
	Timestamp int64     // the webhook-timestamp header, Unix seconds of this attempt
	Raw       []byte    // the body, exactly as verified
}

// DataAs decodes the event's data into v.
func (e *Event) DataAs(v any) error { return json.Unmarshal(e.Data, v) }

type verifyConfig struct {
	tolerance time.Duration
	now       *time.Time
	secrets   []string
}

// VerifyOption adjusts a verification.
type VerifyOption func(*verifyConfig)

// WithTolerance sets how far webhook-timestamp may be from now, either side (default 5 minutes).
func WithTolerance(d time.Duration) VerifyOption { return func(c *verifyConfig) { c.tolerance = d } }

// WithNow fixes the clock (for tests and replays).
func WithNow(t time.Time) VerifyOption { return func(c *verifyConfig) { c.now = &t } }

// WithSecrets adds secrets that are also accepted (a rotation on the receiver's side).
func WithSecrets(more ...string) VerifyOption {
	return func(c *verifyConfig) { c.secrets = append(c.secrets, more...) }
}

// The headers verify reads, with their keys in an http.Header (what headers.Values(name) looks up,
// without canonicalizing the name again on every call).
var webhookHeaders = [...]struct{ name, key string }{
	{"webhook-id", "Webhook-Id"}, {"webhook-timestamp", "Webhook-Timestamp"}, {"webhook-signature", "Webhook-Signature"},
}

// verifyInputs packs the headers and secrets for the core: NUL-separated, repeated values in order.
func verifyInputs(headers http.Header, secret string, opts []VerifyOption) (h, s []byte, cfg verifyConfig) {
	cfg = verifyConfig{tolerance: 5 * time.Minute, secrets: []string{secret}}
	for _, opt := range opts {
		opt(&cfg)
	}
	size := 0
	for _, hdr := range webhookHeaders {
		for _, v := range headers[hdr.key] {
			size += len(hdr.name) + len(v) + 2
		}
	}
	h = make([]byte, 0, size)
	for _, hdr := range webhookHeaders {
		for _, v := range headers[hdr.key] {
			h = append(append(append(append(h, hdr.name...), 0), v...), 0)
		}
	}
	size = 0
	for _, secret := range cfg.secrets {
		size += len(secret) + 1
	}
	s = make([]byte, 0, size)
	for _, secret := range cfg.secrets {
		s = append(append(s, secret...), 0)
	}
	return h, s, cfg
}

func verify(body []byte, headers http.Header, secret string, opts []VerifyOption, parse bool) ([]byte, error) {
	h, s, cfg := verifyInputs(headers, secret, opts)
	var now *int64
	if cfg.now != nil {
		unix := cfg.now.Unix()
		now = &unix
	}
	if cfg.tolerance < 0 {
		return nil, &Error{Kind: "invalid_argument", Message: "the tolerance must not be negative"}
	}
	// Secrets cross the boundary NUL-separated: a NUL inside one would split it in two.
	for _, secret := range cfg.secrets {
		if strings.IndexByte(secret, 0) >= 0 {
			return nil, &WebhookVerificationError{Kind: "invalid_secret", Message: "the webhook secret has a NUL character"}
		}
	}
	return nativeVerify(body, h, s, uint64(cfg.tolerance/time.Second), now, parse)
}

// VerifyWebhook verifies a delivery (the raw body, exactly as received) and returns its event.
// Errors are *WebhookVerificationError; errors.Is matches ErrInvalidSignature, ErrTimestampTooOld, ...
func VerifyWebhook(body []byte, headers http.Header, secret string, opts ...VerifyOption) (*Event, error) {
	out, err := verify(body, headers, secret, opts, true)
	if err != nil {
		return nil, err
	}
	var fields struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Service    string `json:"service"`
		Livemode   bool   `json:"livemode"`
		CreatedAt  int64  `json:"created_at"`
		WebhookID  string `json:"webhook_id"`
		Timestamp  int64  `json:"timestamp"`
		DataOffset int    `json:"data_offset"`
		DataLen    int    `json:"data_len"`
	}
	if err := json.Unmarshal(out, &fields); err != nil {
		return nil, &Error{Kind: "decode", Message: "unreadable event from the send0 core: " + err.Error()}
	}
	data := json.RawMessage("null")
	if fields.DataLen > 0 {
		// The core gives the span of `data` inside the body: no copy and no second parse.
		data = json.RawMessage(body[fields.DataOffset : fields.DataOffset+fields.DataLen])
	}
	return &Event{
		ID: fields.ID, Type: fields.Type, Service: fields.Service, Data: data, Livemode: fields.Livemode,
		CreatedAt: time.UnixMilli(fields.CreatedAt).UTC(), WebhookID: fields.WebhookID, Timestamp: fields.Timestamp,
		Raw: body,
	}, nil
}

// VerifyWebhookRaw checks the signature only, for bodies that are not send0 events.
func VerifyWebhookRaw(body []byte, headers http.Header, secret string, opts ...VerifyOption) error {
	_, err := verify(body, headers, secret, opts, false)
	return err
}

// SignWebhook returns the webhook-signature value (v1,<base64>) for a message: for tests, and for
// sending Standard Webhooks yourself.
func SignWebhook(secret, msgID string, timestamp int64, body []byte) (string, error) {
	return nativeSign(secret, msgID, timestamp, body)
}

// MaxWebhookBody is the largest body WebhookHandler reads (send0 deliveries are far smaller).
const MaxWebhookBody = 1 << 20

// WebhookHandler is a net/http handler for receivers: it reads the raw body, verifies it, answers
// 400 with the reason when verification fails, and calls fn with the event when it holds.
func WebhookHandler(secret string, fn func(http.ResponseWriter, *http.Request, *Event), opts ...VerifyOption) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "send0 webhooks are delivered with POST", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "could not read the body: "+err.Error(), http.StatusBadRequest)
			return
		}
		event, err := VerifyWebhook(body, r.Header, secret, opts...)
		if err != nil {
			http.Error(w, strings.TrimPrefix(err.Error(), "send0: "), http.StatusBadRequest)
			return
		}
		fn(w, r, event)
	})
}

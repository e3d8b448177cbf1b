package send0

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
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

// The headers verify reads, with their canonical keys in an http.Header.
var webhookHeaders = [...]struct{ name, key string }{
	{"webhook-id", "Webhook-Id"}, {"webhook-timestamp", "Webhook-Timestamp"}, {"webhook-signature", "Webhook-Signature"},
}

// webhookHeaderIndex is the position in webhookHeaders of the header that key names, whatever its
// case, or -1. Equal lengths keep EqualFold to ASCII case, as the core matches (no Kelvin sign for
// k).
func webhookHeaderIndex(key string) int {
	for i, hdr := range webhookHeaders {
		if len(key) == len(hdr.name) && strings.EqualFold(key, hdr.name) {
			return i
		}
	}
	return -1
}

// packHeaders gathers the webhook headers for the core as name\0value\0…, whatever the case of
// their keys: net/http canonicalizes them, but hand-built maps and serverless adapters often use
// lowercase (rule 2 of docs/verify.md).
func packHeaders(headers http.Header) ([]byte, error) {
	items, err := webhookHeaderPairs(headers)
	if err != nil {
		return nil, err
	}
	return joinNUL(items), nil
}

// webhookHeaderPairs lists the webhook headers as name, value, … under their lowercase names. Of the
// keys of one header, the canonical key's values come first, then the other keys' in sorted order,
// so that the values the core joins keep a stable order.
func webhookHeaderPairs(headers http.Header) ([]string, error) {
	var others [len(webhookHeaders)][]string
	for key := range headers {
		if i := webhookHeaderIndex(key); i >= 0 && key != webhookHeaders[i].key {
			others[i] = append(others[i], key)
		}
	}
	items := make([]string, 0, 2*len(webhookHeaders))
	var err error
	for i, hdr := range webhookHeaders {
		if items, err = appendPairs(items, hdr.name, headers[hdr.key]); err != nil {
			return nil, err
		}
		sort.Strings(others[i])
		for _, key := range others[i] {
			if items, err = appendPairs(items, hdr.name, headers[key]); err != nil {
				return nil, err
			}
		}
	}
	return items, nil
}

// appendPairs appends name, value for every value, refusing a value with a NUL: the core splits at
// NUL, so one inside a value would re-pair the names and values that follow it.
func appendPairs(items []string, name string, values []string) ([]string, error) {
	for _, v := range values {
		if strings.IndexByte(v, 0) >= 0 {
			return nil, &WebhookVerificationError{Kind: "missing_header", Message: "the " + name + " header has a NUL character"}
		}
		items = append(items, name, v)
	}
	return items, nil
}

// packSecrets refuses what the core could not tell apart once packed: a NUL inside a secret would
// split it in two. Every other secret, an empty one included, reaches the core, which judges it.
func packSecrets(secrets []string) ([]byte, error) {
	for _, secret := range secrets {
		if strings.IndexByte(secret, 0) >= 0 {
			return nil, &WebhookVerificationError{Kind: "invalid_secret", Message: "the webhook secret has a NUL character"}
		}
	}
	return joinNUL(secrets), nil
}

// joinNUL packs items as a\0b\0c: a NUL between items and none after the last one, the form
// send0-bridge's split_nul reads (every NUL separates two items).
func joinNUL(items []string) []byte {
	size := 0
	for _, item := range items {
		size += len(item) + 1
	}
	packed := make([]byte, 0, size)
	for i, item := range items {
		if i > 0 {
			packed = append(packed, 0)
		}
		packed = append(packed, item...)
	}
	return packed
}

// coreInput is what send0_verify and send0_explain read (their Send0VerifyOptions): the body, the
// packed headers and secrets, the tolerance in seconds, and the clock when it is fixed.
type coreInput struct {
	body, headers, secrets []byte
	toleranceSecs          uint64
	now                    *int64
}

// newCoreInput applies opts to the defaults and packs the secrets; the caller packs the headers.
// secrets must not share its backing array with the caller's (WithSecrets appends to it).
func newCoreInput(body []byte, secrets []string, opts []VerifyOption) (coreInput, error) {
	cfg := verifyConfig{tolerance: 5 * time.Minute, secrets: secrets}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.tolerance < 0 {
		return coreInput{}, &Error{Kind: "invalid_argument", Message: "the tolerance must not be negative"}
	}
	s, err := packSecrets(cfg.secrets)
	if err != nil {
		return coreInput{}, err
	}
	in := coreInput{body: body, secrets: s, toleranceSecs: uint64(cfg.tolerance / time.Second)}
	if cfg.now != nil {
		unix := cfg.now.Unix()
		in.now = &unix
	}
	return in, nil
}

func verify(body []byte, headers http.Header, secret string, opts []VerifyOption, parse bool) ([]byte, error) {
	in, err := newCoreInput(body, []string{secret}, opts)
	if err != nil {
		return nil, err
	}
	if in.headers, err = packHeaders(headers); err != nil {
		return nil, err
	}
	return coreVerify(in, parse)
}

// VerifyWebhook verifies a delivery (the raw body, exactly as received) and returns its event,
// which holds its own copy of the body. Header keys may have any case. Errors are
// *WebhookVerificationError; errors.Is matches ErrInvalidSignature, ErrTimestampTooOld, ...
func VerifyWebhook(body []byte, headers http.Header, secret string, opts ...VerifyOption) (*Event, error) {
	out, err := verify(body, headers, secret, opts, true)
	if err != nil {
		return nil, err
	}
	return eventFromRecord(out, body)
}

// eventFromRecord builds the event from the record the core hands back (event_record in
// bridge/src/webhooks.rs: little-endian created_at i64, timestamp i64, data_offset u64, data_len
// u64, livemode u8, then id, type, service and webhook_id, each a u32 length and its text). The
// event owns a copy of the body: the caller's buffer may be reused after verify returns, and what
// the event holds must stay what was verified.
func eventFromRecord(record, body []byte) (*Event, error) {
	const fixed = 33
	unreadable := &Error{Kind: "decode", Message: "unreadable event from the send0 core"}
	if len(record) < fixed {
		return nil, unreadable
	}
	le := binary.LittleEndian
	createdAt, timestamp := int64(le.Uint64(record)), int64(le.Uint64(record[8:]))
	dataOffset, dataLen := le.Uint64(record[16:]), le.Uint64(record[24:])
	livemode := record[32] != 0
	var texts [4]string
	rest := record[fixed:]
	for i := range texts {
		if len(rest) < 4 || uint64(len(rest)-4) < uint64(le.Uint32(rest)) {
			return nil, unreadable
		}
		n := le.Uint32(rest)
		texts[i], rest = string(rest[4:4+n]), rest[4+n:]
	}
	raw := bytes.Clone(body)
	data := json.RawMessage("null")
	if dataLen > 0 {
		// The core gives the span of `data` inside the body: no second parse.
		if dataOffset > uint64(len(raw)) || dataLen > uint64(len(raw))-dataOffset {
			return nil, &Error{Kind: "decode", Message: "the send0 core gave a data span outside the body"}
		}
		end := dataOffset + dataLen
		data = json.RawMessage(raw[dataOffset:end:end]) // capped: an append to Data never writes into Raw
	}
	return &Event{
		ID: texts[0], Type: texts[1], Service: texts[2], Data: data, Livemode: livemode,
		CreatedAt: time.UnixMilli(createdAt).UTC(), WebhookID: texts[3], Timestamp: timestamp, Raw: raw,
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
	return coreSign(secret, msgID, timestamp, body)
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

package send0_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// The shared vectors every SDK loads (tests/fixtures/webhooks/README.md describes the schema).
const fixturesDir = "../tests/fixtures/webhooks"

type fixtureCase struct {
	Name          string      `json:"name"`
	Description   string      `json:"description"`
	Op            string      `json:"op"`
	Secrets       []string    `json:"secrets"`
	Headers       [][2]string `json:"headers"`
	Body          *string     `json:"body"`
	BodyBase64    *string     `json:"body_base64"`
	Now           int64       `json:"now"`
	Tolerance     *int64      `json:"tolerance"`
	Error         *string     `json:"error"`
	ErrorMentions string      `json:"error_mentions"`
	Event         *struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		Service   string          `json:"service"`
		Data      json.RawMessage `json:"data"`
		Livemode  bool            `json:"livemode"`
		CreatedAt int64           `json:"created_at"`
		WebhookID string          `json:"webhook_id"`
		Timestamp int64           `json:"timestamp"`
	} `json:"event"`
	// sign
	Secret    string `json:"secret"`
	MsgID     string `json:"msg_id"`
	Timestamp int64  `json:"timestamp"`
	Expected  string `json:"expected"`
}

func (c *fixtureCase) body(t *testing.T) []byte {
	t.Helper()
	switch {
	case c.Body != nil && c.BodyBase64 == nil:
		return []byte(*c.Body)
	case c.BodyBase64 != nil && c.Body == nil:
		b, err := base64.StdEncoding.DecodeString(*c.BodyBase64)
		if err != nil {
			t.Fatalf("body_base64: %v", err)
		}
		return b
	}
	t.Fatalf("case %s: exactly one of body and body_base64 must be present", c.Name)
	return nil
}

// sentinels maps every webhook error kind to its errors.Is target.
var sentinels = map[string]error{
	"missing_header":    send0.ErrMissingHeader,
	"invalid_timestamp": send0.ErrInvalidTimestamp,
	"timestamp_too_old": send0.ErrTimestampTooOld,
	"timestamp_too_new": send0.ErrTimestampTooNew,
	"invalid_signature": send0.ErrInvalidSignature,
	"invalid_secret":    send0.ErrInvalidSecret,
	"invalid_payload":   send0.ErrInvalidPayload,
}

func loadFixtures(t *testing.T) map[string][]fixtureCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixturesDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s (%v)", fixturesDir, err)
	}
	sort.Strings(files)
	out := map[string][]fixtureCase{}
	seen := map[string]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Cases []fixtureCase `json:"cases"`
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range doc.Cases {
			if seen[c.Name] {
				t.Fatalf("%s: case name %s is not unique", file, c.Name)
			}
			seen[c.Name] = true
		}
		out[filepath.Base(file)] = doc.Cases
	}
	return out
}

func TestFixtures(t *testing.T) {
	counts := map[string]int{}
	for file, cases := range loadFixtures(t) {
		t.Run(strings.TrimSuffix(file, ".json"), func(t *testing.T) {
			for _, c := range cases {
				counts[c.Op]++
				t.Run(c.Name, func(t *testing.T) {
					switch c.Op {
					case "verify", "verify_raw":
						for _, style := range headerStyles {
							t.Run(style.name, func(t *testing.T) { runVerifyCase(t, c, style.build(c.Headers)) })
						}
					case "sign":
						runSignCase(t, c)
					default:
						t.Fatalf("unknown op %q", c.Op)
					}
				})
			}
		})
	}
	// Every op of the schema is exercised (151 cases when this was written).
	if counts["verify"] == 0 || counts["verify_raw"] == 0 || counts["sign"] == 0 {
		t.Fatalf("some op has no case: %v", counts)
	}
	t.Logf("fixture cases run: %v", counts)
}

// headerStyles are the shapes an http.Header takes in the wild: canonical keys (net/http), keys
// exactly as sent (a hand-built map), and keys lowercased or mixed-cased by an adapter. Verify must
// find the headers under any of them (rule 2 of docs/verify.md).
var headerStyles = []struct {
	name  string
	build func(pairs [][2]string) http.Header
}{
	{"canonical", headersKeyedBy(http.CanonicalHeaderKey)},
	{"as_sent", headersKeyedBy(func(name string) string { return name })},
	{"lowercase", headersKeyedBy(strings.ToLower)},
	{"mixed_case", headersKeyedBy(mixedCase)},
}

// headersKeyedBy builds a header map whose keys are key(name), values in order.
func headersKeyedBy(key func(string) string) func([][2]string) http.Header {
	return func(pairs [][2]string) http.Header {
		h := http.Header{}
		for _, p := range pairs {
			h[key(p[0])] = append(h[key(p[0])], p[1])
		}
		return h
	}
}

// mixedCase alternates lower and upper case: webhook-id becomes wEbHoOk-iD, never canonical.
func mixedCase(name string) string {
	b := []byte(strings.ToLower(name))
	for i := 1; i < len(b); i += 2 {
		if 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

func runVerifyCase(t *testing.T, c fixtureCase, headers http.Header) {
	body := c.body(t)
	if len(c.Secrets) == 0 {
		t.Fatal("a verify case needs secrets")
	}
	opts := []send0.VerifyOption{send0.WithNow(time.Unix(c.Now, 0))}
	if len(c.Secrets) > 1 {
		opts = append(opts, send0.WithSecrets(c.Secrets[1:]...))
	}
	if c.Tolerance != nil {
		opts = append(opts, send0.WithTolerance(time.Duration(*c.Tolerance)*time.Second))
	}

	var event *send0.Event
	var err error
	if c.Op == "verify" {
		event, err = send0.VerifyWebhook(body, headers, c.Secrets[0], opts...)
	} else {
		err = send0.VerifyWebhookRaw(body, headers, c.Secrets[0], opts...)
	}

	if c.Error == nil {
		if err != nil {
			t.Fatalf("%s\nexpected success, got %v", c.Description, err)
		}
		if c.Op == "verify" {
			checkEvent(t, c, body, event)
		}
		return
	}

	kind := *c.Error
	if err == nil {
		t.Fatalf("%s\nexpected %s, got success", c.Description, kind)
	}
	var verr *send0.WebhookVerificationError
	if !errors.As(err, &verr) {
		t.Fatalf("errors.As(*WebhookVerificationError) failed for %T: %v", err, err)
	}
	if verr.Kind != kind {
		t.Fatalf("%s\nkind %s, want %s (%v)", c.Description, verr.Kind, kind, err)
	}
	sentinel, ok := sentinels[kind]
	if !ok {
		t.Fatalf("no sentinel for kind %s", kind)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("errors.Is(err, %v) is false for %v", sentinel, err)
	}
	for other, s := range sentinels {
		if other != kind && errors.Is(err, s) {
			t.Fatalf("errors.Is(err, %v) is true for a %s error", s, kind)
		}
	}
	if errors.Is(err, send0.ErrNotFound) || errors.Is(err, send0.ErrAPI) {
		t.Fatalf("a verification error matches an API sentinel: %v", err)
	}
	if verr.Message == "" {
		t.Fatal("empty message")
	}
	if c.ErrorMentions != "" && !strings.Contains(err.Error(), c.ErrorMentions) {
		t.Fatalf("the message %q does not mention %q", err.Error(), c.ErrorMentions)
	}
	assertNoSecret(t, err.Error(), c.Secrets...)
}

// assertNoSecret fails when text contains any secret (with or without its prefix).
func assertNoSecret(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		bare := strings.TrimPrefix(strings.TrimPrefix(s, "whsec_"), "whpk_")
		if strings.Contains(text, s) && len(s) > len("whsec_") || len(bare) >= 8 && strings.Contains(text, bare) {
			t.Fatalf("the message %q contains the secret", text)
		}
	}
}

func checkEvent(t *testing.T, c fixtureCase, body []byte, event *send0.Event) {
	t.Helper()
	want := c.Event
	if want == nil {
		t.Fatal("a successful verify case needs an event")
	}
	if event.ID != want.ID || event.Type != want.Type || event.Service != want.Service ||
		event.Livemode != want.Livemode || event.WebhookID != want.WebhookID || event.Timestamp != want.Timestamp {
		t.Fatalf("event %+v\nwant %+v", event, want)
	}
	if event.CreatedAt.UnixMilli() != want.CreatedAt || event.CreatedAt.Location() != time.UTC {
		t.Fatalf("created at %v (%d ms), want %d ms in UTC", event.CreatedAt, event.CreatedAt.UnixMilli(), want.CreatedAt)
	}
	if !bytes.Equal(event.Raw, body) {
		t.Fatal("Raw is not the verified body")
	}
	var got, expected any
	if err := event.DataAs(&got); err != nil {
		t.Fatalf("DataAs: %v (data %s)", err, event.Data)
	}
	if err := json.Unmarshal(want.Data, &expected); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, expected) {
		t.Fatalf("data %#v\nwant %#v", got, expected)
	}
	// Typed decoding, as a receiver does it.
	if m, ok := expected.(map[string]any); ok && m["email_id"] != nil {
		var email struct {
			EmailID string   `json:"email_id"`
			To      []string `json:"to"`
		}
		to, _ := m["to"].([]any)
		if err := event.DataAs(&email); err != nil || email.EmailID != m["email_id"] || len(email.To) != len(to) {
			t.Fatalf("typed DataAs: %+v, %v", email, err)
		}
	}
}

func runSignCase(t *testing.T, c fixtureCase) {
	got, err := send0.SignWebhook(c.Secret, c.MsgID, c.Timestamp, c.body(t))
	if err != nil {
		t.Fatalf("SignWebhook: %v", err)
	}
	if got != c.Expected {
		t.Fatalf("%s\nsigned %q, want %q", c.Description, got, c.Expected)
	}
	// What was signed verifies.
	headers := http.Header{}
	headers.Set("webhook-id", c.MsgID)
	headers.Set("webhook-timestamp", strconv.FormatInt(c.Timestamp, 10))
	headers.Set("webhook-signature", got)
	if err := send0.VerifyWebhookRaw(c.body(t), headers, c.Secret, send0.WithNow(time.Unix(c.Timestamp, 0))); err != nil {
		t.Fatalf("the signature does not verify: %v", err)
	}
}

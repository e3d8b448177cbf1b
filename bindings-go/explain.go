package send0

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// WebhookExplanation is ExplainWebhook's report: why a delivery verifies or not. It is the core's
// report (send0::webhooks::explain), field for field; encoded with encoding/json it gives the same
// JSON as the other SDKs. It never holds a secret or its key bytes.
type WebhookExplanation struct {
	// Verified is exactly what VerifyWebhookRaw answers for the same inputs.
	Verified bool `json:"verified"`
	// Summary is the first diagnosis with its fix: one line for a log.
	Summary string `json:"summary"`
	// Diagnoses are every finding, the cause of a failure first.
	Diagnoses []Diagnosis `json:"diagnoses"`
	// Headers are the signature headers found, and under which names.
	Headers HeadersReport `json:"headers"`
	// Timestamp is the timestamp against the clock; nil when there was none.
	Timestamp *TimestampReport `json:"timestamp"`
	// Secrets describe each secret given, in order, without its value.
	Secrets []SecretReport `json:"secrets"`
	// Entries are each entry of webhook-signature looked at, in order.
	Entries []EntryReport `json:"entries"`
	// Body is the body's size and, when an altered body matched, how it had been altered.
	Body BodyReport `json:"body"`
}

// Diagnosis is one finding of ExplainWebhook.
type Diagnosis struct {
	// Code is stable across releases and languages: verified, missing_header, svix_headers,
	// underscored_headers, timestamp_not_digits, timestamp_in_milliseconds, timestamp_too_old,
	// timestamp_too_new, no_secret, secret_invalid, secret_whitespace, secret_doubled_prefix,
	// secret_is_api_key, secret_too_short, public_key_for_v1, hmac_secret_for_v1a,
	// no_signature_entries, body_newline_added, body_newline_removed, body_line_endings_changed,
	// body_reserialized, body_object_object, body_empty or no_match.
	Code string `json:"code"`
	// Message says what was found, naming a secret or an entry by its position.
	Message string `json:"message"`
	// Fix says what to change; nil when nothing should.
	Fix *string `json:"fix"`
}

// HeadersReport tells under which names the signature headers came, and their values (none of
// them is secret).
type HeadersReport struct {
	// Source is webhook, svix (svix-*), underscored (HTTP_WEBHOOK_* or webhook_*) or none.
	Source string `json:"source"`
	// Names are the names of the signature headers seen.
	Names     []string `json:"names"`
	ID        *string  `json:"id"`
	Timestamp *string  `json:"timestamp"` // as sent
	Signature *string  `json:"signature"`
}

// TimestampReport is webhook-timestamp against the clock.
type TimestampReport struct {
	UnixSeconds *int64 `json:"unix_seconds"` // nil unless it is digits that fit
	Now         int64  `json:"now"`          // the clock the report used
	// SkewSeconds is now minus the timestamp: positive when the timestamp is in the past.
	SkewSeconds           *int64 `json:"skew_seconds"`
	ToleranceSeconds      uint64 `json:"tolerance_seconds"`
	WithinTolerance       bool   `json:"within_tolerance"`
	LooksLikeMilliseconds bool   `json:"looks_like_milliseconds"` // Unix milliseconds close to now
}

// SecretReport describes one secret without its value or key bytes.
type SecretReport struct {
	Kind   string `json:"kind"`   // whsec, whpk, base64 (a bare HMAC key), api_key or invalid
	Usable bool   `json:"usable"` // whether verify can use it exactly as given
	// KeyLength is the decoded key's length in bytes, when it decodes (after the repair Repaired
	// names).
	KeyLength *int `json:"key_length"`
	// Repaired is the mistake undone to read it (whitespace, doubled_prefix), when one was.
	Repaired *string `json:"repaired"`
}

// EntryReport is one entry of webhook-signature.
type EntryReport struct {
	Version       string  `json:"version"`        // before the comma (v1, v1a, ...); empty without one
	WellFormed    bool    `json:"well_formed"`    // a version verify checks, with a value of the right size
	Problem       *string `json:"problem"`        // why it is not well formed
	MatchedSecret *int    `json:"matched_secret"` // the position of the secret it matches, when one does
}

// BodyReport is the body, and how it had been altered when only an altered form matched.
type BodyReport struct {
	Length int  `json:"length"` // bytes received
	JSON   bool `json:"json"`   // whether it parses as JSON
	// Altered is newline_added, newline_removed, line_endings_changed or reserialized: what a
	// framework did to the body, proven by the altered form's match; nil otherwise.
	Altered *string `json:"altered"`
}

// ExplainWebhook explains why a delivery verifies or not, for a person to act on: it looks at the
// headers (also under svix-* and HTTP_WEBHOOK_* names), the timestamp against the clock, each
// secret's kind and common mistakes, and, when nothing matches, tries the body as a framework may
// have altered it (a trailing newline, line endings, JSON serialized again), naming the fix.
//
// Pass the raw body and every header of the request, as VerifyWebhook takes them, and the secrets
// you verify with; the options are VerifyWebhook's (WithTolerance, WithNow, WithSecrets). The
// report never holds a secret. It is meant for a failed delivery, in a log or a debugging session:
// it does more work than verify, and is never needed to accept one.
//
// It fails only where verify fails before it looks: a negative tolerance, a NUL in a secret or in
// webhook-id, webhook-timestamp or webhook-signature, or text in them that is not UTF-8. The other
// headers are only looked at: one with a NUL is left out, and invalid UTF-8 in one is replaced.
func ExplainWebhook(payload []byte, header http.Header, secrets []string, opts ...VerifyOption) (*WebhookExplanation, error) {
	out, err := explainJSON(payload, header, secrets, opts)
	if err != nil {
		return nil, err
	}
	var report WebhookExplanation
	if err := json.Unmarshal(out, &report); err != nil {
		return nil, &Error{Kind: "decode", Message: "unreadable explain report from the send0 core: " + err.Error()}
	}
	return &report, nil
}

// explainJSON is the core's report as JSON.
func explainJSON(payload []byte, header http.Header, secrets []string, opts []VerifyOption) ([]byte, error) {
	in, err := newCoreInput(payload, slices.Clip(secrets), opts)
	if err != nil {
		return nil, err
	}
	if in.headers, err = packAllHeaders(header); err != nil {
		return nil, err
	}
	return coreExplain(in)
}

// packAllHeaders packs every header for explain as name\0value\0…: first the webhook headers
// exactly as verify gets them (packHeaders), so that the report's verdict is verify's, then every
// other key in sorted order under its own name, where explain looks for the same headers under
// other names.
func packAllHeaders(headers http.Header) ([]byte, error) {
	items, err := webhookHeaderPairs(headers)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(headers))
	for key := range headers {
		if webhookHeaderIndex(key) < 0 && strings.IndexByte(key, 0) < 0 {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		name := strings.ToValidUTF8(key, "\uFFFD")
		for _, value := range headers[key] {
			if strings.IndexByte(value, 0) < 0 {
				items = append(items, name, strings.ToValidUTF8(value, "\uFFFD"))
			}
		}
	}
	return joinNUL(items), nil
}

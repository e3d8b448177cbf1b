package send0_test

// ExplainWebhook on every case of tests/fixtures/explain/explain.json (the README there gives the
// schema), as core/tests/explain.rs plays them in Rust; the hint of a failed verify; the hint kept
// out of WebhookHandler's responses. No build constraint: these run with cgo and without.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

const explainFixtures = "../tests/fixtures/explain/explain.json"

type explainCase struct {
	Name    string                     `json:"name"`
	Secrets []string                   `json:"secrets"`
	Headers [][2]string                `json:"headers"`
	Body    string                     `json:"body"`
	Now     int64                      `json:"now"`
	Expect  map[string]json.RawMessage `json:"expect"`
}

func loadExplainCases(t *testing.T) []explainCase {
	t.Helper()
	data, err := os.ReadFile(explainFixtures)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []explainCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", explainFixtures, err)
	}
	if len(doc.Cases) == 0 {
		t.Fatalf("%s has no case", explainFixtures)
	}
	return doc.Cases
}

func explainCaseNamed(t *testing.T, name string) explainCase {
	t.Helper()
	for _, c := range loadExplainCases(t) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s has no case named %s", explainFixtures, name)
	return explainCase{}
}

// explain runs a case through ExplainWebhook with its secrets and clock.
func (c *explainCase) explain(t *testing.T, headers http.Header) *send0.WebhookExplanation {
	t.Helper()
	report, err := send0.ExplainWebhook([]byte(c.Body), headers, c.Secrets, send0.WithNow(time.Unix(c.Now, 0)))
	if err != nil {
		t.Fatalf("ExplainWebhook: %v", err)
	}
	return report
}

// verifyRaw is VerifyWebhookRaw with the case's secrets and clock.
func (c *explainCase) verifyRaw(t *testing.T, headers http.Header) error {
	t.Helper()
	if len(c.Secrets) == 0 {
		t.Fatal("an explain case without secrets")
	}
	return send0.VerifyWebhookRaw([]byte(c.Body), headers, c.Secrets[0],
		send0.WithNow(time.Unix(c.Now, 0)), send0.WithSecrets(c.Secrets[1:]...))
}

// observed is the report in the form of a case's expect, as JSON.
func observed(t *testing.T, report *send0.WebhookExplanation, expect map[string]json.RawMessage) json.RawMessage {
	t.Helper()
	codes := []string{}
	for _, d := range report.Diagnoses {
		codes = append(codes, d.Code)
	}
	matched := []*int{}
	for _, e := range report.Entries {
		matched = append(matched, e.MatchedSecret)
	}
	got := map[string]any{"verified": report.Verified, "diagnoses": codes, "matched_secrets": matched,
		"altered": report.Body.Altered}
	if raw, ok := expect["fix_mentions"]; ok {
		var wanted string
		if err := json.Unmarshal(raw, &wanted); err != nil {
			t.Fatal(err)
		}
		fix := ""
		if len(report.Diagnoses) > 0 && report.Diagnoses[0].Fix != nil {
			fix = *report.Diagnoses[0].Fix
		}
		got["fix_mentions"] = fix
		if strings.Contains(fix, wanted) {
			got["fix_mentions"] = wanted
		}
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameJSON reports whether a and b are the same JSON value (key order and spacing aside).
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// forEachCase runs check on every case with the headers in every shape an http.Header takes
// (headerStyles: canonical keys, as sent, lowercase, mixed case).
func forEachCase(t *testing.T, check func(t *testing.T, c explainCase, headers http.Header)) {
	for _, c := range loadExplainCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			for _, style := range headerStyles {
				t.Run(style.name, func(t *testing.T) { check(t, c, style.build(c.Headers)) })
			}
		})
	}
}

func TestExplainFixtures(t *testing.T) {
	forEachCase(t, func(t *testing.T, c explainCase, headers http.Header) {
		report := c.explain(t, headers)
		expect, err := json.Marshal(c.Expect)
		if err != nil {
			t.Fatal(err)
		}
		if got := observed(t, report, c.Expect); !sameJSON(t, got, expect) {
			t.Fatalf("expected %s\ngot      %s\nsummary  %s", expect, got, report.Summary)
		}
		if report.Summary == "" {
			t.Fatal("an empty summary")
		}
	})
}

func TestExplainVerifiedIsWhatVerifyAnswers(t *testing.T) {
	forEachCase(t, func(t *testing.T, c explainCase, headers http.Header) {
		err := c.verifyRaw(t, headers)
		if report := c.explain(t, headers); report.Verified != (err == nil) {
			t.Fatalf("explain says verified=%t, VerifyWebhookRaw %v", report.Verified, err)
		}
	})
}

// The typed report encodes to exactly the core's JSON: a field the structs forget, or name wrongly,
// fails here.
func TestExplainReportRoundTripsTheCoresJSON(t *testing.T) {
	forEachCase(t, func(t *testing.T, c explainCase, headers http.Header) {
		now := send0.WithNow(time.Unix(c.Now, 0))
		raw, err := send0.ExplainWebhookJSON([]byte(c.Body), headers, c.Secrets, now)
		if err != nil {
			t.Fatal(err)
		}
		report := c.explain(t, headers)
		encoded, err := json.Marshal(report)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, encoded, raw) {
			t.Fatalf("the typed report encodes to\n%s\nthe core's JSON is\n%s", encoded, raw)
		}
		strict := json.NewDecoder(bytes.NewReader(raw))
		strict.DisallowUnknownFields()
		if err := strict.Decode(new(send0.WebhookExplanation)); err != nil {
			t.Fatalf("a field of the core's report has no place in WebhookExplanation: %v", err)
		}
	})
}

// secretWindows are the 12-byte windows of each secret's material (its prefix and surrounding
// whitespace taken off), none of which a report or an error may hold.
func secretWindows(secrets []string) []string {
	var windows []string
	for _, secret := range secrets {
		material := strings.TrimSpace(secret)
		for _, prefix := range []string{"whsec_", "whsec_", "whpk_", "sk_test_"} {
			material = strings.TrimPrefix(material, prefix)
		}
		for i := 0; i+12 <= len(material); i++ {
			windows = append(windows, material[i:i+12])
		}
	}
	return windows
}

func TestExplainNeverHoldsASecret(t *testing.T) {
	forEachCase(t, func(t *testing.T, c explainCase, headers http.Header) {
		raw, err := send0.ExplainWebhookJSON([]byte(c.Body), headers, c.Secrets, send0.WithNow(time.Unix(c.Now, 0)))
		if err != nil {
			t.Fatal(err)
		}
		failure := ""
		var verr *send0.WebhookVerificationError
		if err := c.verifyRaw(t, headers); errors.As(err, &verr) {
			failure = err.Error() + " " + verr.Hint
		}
		for _, window := range secretWindows(c.Secrets) {
			if bytes.Contains(raw, []byte(window)) {
				t.Fatalf("the report holds part of a secret (%q): %s", window, raw)
			}
			if strings.Contains(failure, window) {
				t.Fatalf("the error holds part of a secret (%q): %s", window, failure)
			}
		}
	})
}

// hintComparable: the cases whose first diagnosis verify can find itself (the headers under their
// own names, secrets that parse), where its hint is explain's summary.
func hintComparable(code string) bool {
	switch code {
	case "no_match", "public_key_for_v1", "hmac_secret_for_v1a":
		return true
	}
	return strings.HasPrefix(code, "body_") || strings.HasPrefix(code, "timestamp_")
}

func TestFailedVerifyHintsAtTheCauseExplainFinds(t *testing.T) {
	hinted := 0
	for _, c := range loadExplainCases(t) {
		headers := headersKeyedBy(http.CanonicalHeaderKey)(c.Headers)
		report := c.explain(t, headers)
		if report.Verified || !hintComparable(report.Diagnoses[0].Code) {
			continue
		}
		hinted++
		err := c.verifyRaw(t, headers)
		var verr *send0.WebhookVerificationError
		if !errors.As(err, &verr) {
			t.Fatalf("%s: verify: %v", c.Name, err)
		}
		if verr.Hint != report.Summary {
			t.Fatalf("%s: the hint is %q, explain's summary %q", c.Name, verr.Hint, report.Summary)
		}
		if strings.Contains(err.Error(), verr.Hint) {
			t.Fatalf("%s: Error() holds the hint: %v", c.Name, err)
		}
		// VerifyWebhook carries the same hint as VerifyWebhookRaw.
		_, err = send0.VerifyWebhook([]byte(c.Body), headers, c.Secrets[0], send0.WithNow(time.Unix(c.Now, 0)),
			send0.WithSecrets(c.Secrets[1:]...))
		if !errors.As(err, &verr) || verr.Hint != report.Summary {
			t.Fatalf("%s: VerifyWebhook: %v (hint %q)", c.Name, err, verr.Hint)
		}
	}
	if hinted < 10 {
		t.Fatalf("only %d cases compared", hinted)
	}
	t.Logf("%d failed verifies hint at explain's summary", hinted)
}

func TestErrorFromNativeKeepsTheHint(t *testing.T) {
	err := send0.ErrorFromNative(`{"kind":"invalid_signature","message":"no match","hint":"the body had a newline added"}`)
	var verr *send0.WebhookVerificationError
	if !errors.As(err, &verr) || verr.Hint != "the body had a newline added" || strings.Contains(err.Error(), "newline") {
		t.Fatalf("%#v", err)
	}
	err = send0.ErrorFromNative(`{"kind":"invalid_signature","message":"no match"}`)
	if !errors.As(err, &verr) || verr.Hint != "" {
		t.Fatalf("%#v", err)
	}
}

// WebhookHandler answers a failed delivery with the reason, never with the hint: the hint tells
// whoever sends a forged delivery what to change, so it belongs in the receiver's logs only.
func TestWebhookHandlerNeverSendsTheHint(t *testing.T) {
	answered := 0
	for _, c := range loadExplainCases(t) {
		if len(c.Secrets) != 1 || c.Expect["verified"] == nil || string(c.Expect["verified"]) == "true" {
			continue
		}
		headers := headersKeyedBy(http.CanonicalHeaderKey)(c.Headers)
		var verr *send0.WebhookVerificationError
		if err := c.verifyRaw(t, headers); !errors.As(err, &verr) || verr.Hint == "" {
			continue
		}
		called := false
		handler := send0.WebhookHandler(c.Secrets[0], func(http.ResponseWriter, *http.Request, *send0.Event) { called = true },
			send0.WithNow(time.Unix(c.Now, 0)))
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.Body))
		r.Header = headers
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, r)
		response := rec.Body.String()
		if called || rec.Code != http.StatusBadRequest || !strings.Contains(response, verr.Kind) {
			t.Fatalf("%s: %d %q", c.Name, rec.Code, response)
		}
		if strings.Contains(response, verr.Hint) || strings.Contains(response, "hint") {
			t.Fatalf("%s: the response holds the hint %q: %q", c.Name, verr.Hint, response)
		}
		for key, values := range rec.Header() {
			if strings.Contains(strings.Join(values, " "), verr.Hint) {
				t.Fatalf("%s: the response header %s holds the hint", c.Name, key)
			}
		}
		answered++
	}
	if answered < 10 {
		t.Fatalf("only %d failed deliveries with a hint", answered)
	}
	t.Logf("%d refused deliveries, no hint in any response", answered)
}

// explain gets every header of the request; the webhook ones reach it exactly as verify gets them.
func TestExplainHeaders(t *testing.T) {
	verified := explainCaseNamed(t, "verified")
	now := send0.WithNow(time.Unix(verified.Now, 0))
	headers := headersKeyedBy(http.CanonicalHeaderKey)(verified.Headers)

	// Headers explain only looks at never stop it: one with a NUL is left out, invalid UTF-8 is
	// replaced.
	headers["X-Proxy-Note"] = []string{"caf\xe9", "a\x00b"}
	headers["X-\x00"] = []string{"v"}
	headers["Svix-Id"] = []string{"msg_other"}
	report, err := send0.ExplainWebhook([]byte(verified.Body), headers, verified.Secrets, now)
	if err != nil || !report.Verified || report.Headers.Source != "webhook" || report.Diagnoses[0].Code != "verified" {
		t.Fatalf("%+v, %v", report, err)
	}

	// A webhook header with a NUL is refused as verify refuses it.
	headers.Set("Webhook-Id", "msg\x00")
	verifyErr := verified.verifyRaw(t, headers)
	_, err = send0.ExplainWebhook([]byte(verified.Body), headers, verified.Secrets, now)
	if !errors.Is(err, send0.ErrMissingHeader) || verifyErr == nil || err.Error() != verifyErr.Error() {
		t.Fatalf("ExplainWebhook: %v; verify: %v", err, verifyErr)
	}

	// The values of one header under keys of several cases are joined in verify's order.
	headers = headersKeyedBy(http.CanonicalHeaderKey)(verified.Headers)
	signature := headers.Get("Webhook-Signature")
	headers["Webhook-Signature"] = []string{"v1,AAAA"}
	headers["webhook-signature"] = []string{signature}
	headers["WEBHOOK-SIGNATURE"] = []string{"v1a,AAAA"}
	report, err = send0.ExplainWebhook([]byte(verified.Body), headers, verified.Secrets, now)
	if err != nil || !report.Verified || report.Headers.Signature == nil ||
		*report.Headers.Signature != "v1,AAAA v1a,AAAA "+signature {
		t.Fatalf("%+v, %v", report.Headers, err)
	}
	if e := verified.verifyRaw(t, headers); e != nil {
		t.Fatalf("verify: %v", e)
	}
}

func TestExplainOptions(t *testing.T) {
	c := explainCaseNamed(t, "verified_by_the_second_secret")
	headers := headersKeyedBy(http.CanonicalHeaderKey)(c.Headers)
	now := send0.WithNow(time.Unix(c.Now, 0))

	// WithSecrets adds to the secrets given, and never writes into the caller's slice.
	secrets := make([]string, 1, 4)
	secrets[0] = c.Secrets[0]
	report, err := send0.ExplainWebhook([]byte(c.Body), headers, secrets, now, send0.WithSecrets(c.Secrets[1]))
	if err != nil || !report.Verified || len(report.Secrets) != 2 || secrets[:2][1] != "" {
		t.Fatalf("%+v, %v, %q", report, err, secrets[:2])
	}

	// The clock and the tolerance are verify's.
	later := send0.WithNow(time.Unix(c.Now+3600, 0))
	report, err = send0.ExplainWebhook([]byte(c.Body), headers, c.Secrets, later)
	if err != nil || report.Verified || report.Diagnoses[0].Code != "timestamp_too_old" {
		t.Fatalf("%+v, %v", report, err)
	}
	report, err = send0.ExplainWebhook([]byte(c.Body), headers, c.Secrets, later, send0.WithTolerance(2*time.Hour))
	if err != nil || !report.Verified || report.Timestamp == nil || report.Timestamp.ToleranceSeconds != 7200 ||
		report.Timestamp.SkewSeconds == nil || *report.Timestamp.SkewSeconds != 3600 {
		t.Fatalf("%+v, %v", report.Timestamp, err)
	}
	if _, err := send0.ExplainWebhook(nil, headers, c.Secrets, send0.WithTolerance(-time.Second)); !errors.Is(err, send0.ErrInvalidArgument) {
		t.Fatalf("a negative tolerance: %v", err)
	}
	if _, err := send0.ExplainWebhook(nil, headers, []string{"whsec_\x00"}); !errors.Is(err, send0.ErrInvalidSecret) {
		t.Fatalf("a secret with a NUL: %v", err)
	}

	// No secret, no header, no body: a report, not an error.
	report, err = send0.ExplainWebhook(nil, nil, nil)
	if err != nil || report.Verified || report.Diagnoses[0].Code != "missing_header" || report.Summary == "" {
		t.Fatalf("%+v, %v", report, err)
	}
}

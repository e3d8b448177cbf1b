//go:build cgo && linux && (amd64 || arm64)

// The API behaviour vectors of tests/fixtures/http (its README gives the schema), played to the
// client through a scripted server: the same cases every SDK's suite plays to its own.

package send0_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

type vectorCase struct {
	Name    string          `json:"name"`
	Call    string          `json:"call"`
	Options vectorOptions   `json:"options"`
	Replies []vectorReply   `json:"replies"`
	Expect  json.RawMessage `json:"expect"`
}

type vectorOptions struct {
	MaxRetries *int   `json:"max_retries"`
	TimeoutMS  *int64 `json:"timeout_ms"`
}

// vectorReply is one scripted answer: status (200 when absent), headers, and body (sent as JSON)
// or text (sent as it is); or, first, a wait of delay_ms; or drop, a connection closed unanswered.
type vectorReply struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
	Text    *string           `json:"text"`
	DelayMS int               `json:"delay_ms"`
	Drop    bool              `json:"drop"`
}

func vectorCases(t *testing.T, file string) []vectorCase {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "tests", "fixtures", "http", file))
	if err != nil {
		t.Fatal(err)
	}
	var document struct {
		Cases []vectorCase `json:"cases"`
	}
	if err := json.Unmarshal(text, &document); err != nil || len(document.Cases) == 0 {
		t.Fatalf("%s: %v (%d cases)", file, err, len(document.Cases))
	}
	return document.Cases
}

// play answers request n with the case's reply n, and a request past the last one with a 500 that
// says so (and x-should-retry: false, so that no retry hides it).
func play(t *testing.T, c vectorCase) *scripted {
	return newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n >= len(c.Replies) {
			reply(w, 500, `{"error":"unscripted","message":"no reply scripted"}`, "X-Should-Retry", "false")
			return
		}
		c.Replies[n].write(t, w, r)
	})
}

func (v vectorReply) write(t *testing.T, w http.ResponseWriter, r *http.Request) {
	if v.DelayMS > 0 {
		timer := time.NewTimer(time.Duration(v.DelayMS) * time.Millisecond)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done(): // the client gave up: no one to answer
			return
		}
	}
	if v.Drop {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("drop: %v", err)
			return
		}
		conn.Close()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req_vector")
	for name, value := range v.Headers {
		w.Header().Set(name, value)
	}
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	switch {
	case v.Text != nil:
		io.WriteString(w, *v.Text)
	case len(v.Body) > 0:
		w.Write(v.Body)
	}
}

func TestPaginationVectorsEndEachWalkWithTheExpectedError(t *testing.T) {
	for _, c := range vectorCases(t, "pagination.json") {
		t.Run(c.Name, func(t *testing.T) {
			var expect struct {
				Items    []string `json:"items"`
				Error    string   `json:"error"`
				Requests int      `json:"requests"`
			}
			if err := json.Unmarshal(c.Expect, &expect); err != nil {
				t.Fatal(err)
			}
			s := play(t, c)
			items := []string{}
			var walkErr error
			for endpoint, err := range s.client(t).Webhooks.All(testContext(t), send0.ListParams{}) {
				if err != nil {
					walkErr = err
					break
				}
				items = append(items, endpoint.ID)
			}
			var sdkErr *send0.Error
			if !errors.As(walkErr, &sdkErr) || sdkErr.Kind != expect.Error || !errors.Is(walkErr, send0.ErrDecode) {
				t.Fatalf("the walk ended with %v, want a %s error", walkErr, expect.Error)
			}
			if !reflect.DeepEqual(items, expect.Items) || len(s.requests()) != expect.Requests {
				t.Fatalf("yielded %v in %d requests, want %v in %d", items, len(s.requests()), expect.Items, expect.Requests)
			}
		})
	}
}

func TestForwardCompatVectorsReachTheUser(t *testing.T) {
	for _, c := range vectorCases(t, "forward_compat.json") {
		t.Run(c.Name, func(t *testing.T) {
			var expect struct {
				ID      string                     `json:"id"`
				Status  string                     `json:"status"`
				Unknown map[string]json.RawMessage `json:"unknown"`
			}
			if err := json.Unmarshal(c.Expect, &expect); err != nil {
				t.Fatal(err)
			}
			client := play(t, c).client(t)
			got, err := client.Webhooks.Get(testContext(t), expect.ID)
			if err != nil {
				t.Fatal(err)
			}
			page, err := client.Webhooks.List(testContext(t), send0.ListParams{})
			if err != nil || len(page.Data) != 1 || page.HasNextPage() {
				t.Fatalf("List: %v, %d items", err, len(page.Data))
			}
			for _, endpoint := range []send0.WebhookEndpoint{*got, page.Data[0]} {
				if endpoint.Status != expect.Status {
					t.Fatalf("status %q, want %q", endpoint.Status, expect.Status)
				}
				var asSent map[string]any
				if err := json.Unmarshal(endpoint.RawJSON(), &asSent); err != nil {
					t.Fatalf("RawJSON: %v", err)
				}
				for name, value := range expect.Unknown {
					var want any
					json.Unmarshal(value, &want)
					if !reflect.DeepEqual(asSent[name], want) {
						t.Fatalf("RawJSON()[%q] = %v, want %v", name, asSent[name], want)
					}
				}
			}
		})
	}
}

// callSentinels maps every error kind a call can end with to its errors.Is target.
var callSentinels = map[string]error{
	"authentication":  send0.ErrAuthentication,
	"permission":      send0.ErrPermission,
	"not_found":       send0.ErrNotFound,
	"invalid_request": send0.ErrInvalidRequest,
	"conflict":        send0.ErrConflict,
	"rate_limited":    send0.ErrRateLimited,
	"api":             send0.ErrAPI,
	"connection":      send0.ErrConnection,
	"timeout":         send0.ErrTimeout,
	"decode":          send0.ErrDecode,
}

// callExpect is the expect of retries.json and answers.json; the pointers are nil when absent.
type callExpect struct {
	Outcome           string          `json:"outcome"`
	Status            *int            `json:"status"`
	MessageContains   *string         `json:"message_contains"`
	Param             *string         `json:"param"`
	RetryAfter        json.RawMessage `json:"retry_after"` // seconds, or null for none
	Requests          *int            `json:"requests"`
	RetryCounts       []string        `json:"retry_counts"`
	OneIdempotencyKey bool            `json:"one_idempotency_key"`
	MinWaitMS         *int            `json:"min_wait_ms"`
	MaxElapsedMS      *int            `json:"max_elapsed_ms"`
}

// makeCall runs the case's call (list: the first page; get: wh_1; create: https://example.com/hook).
func makeCall(t *testing.T, client *send0.Client, call string) error {
	ctx := testContext(t)
	var err error
	switch call {
	case "list":
		_, err = client.Webhooks.List(ctx, send0.ListParams{})
	case "get":
		_, err = client.Webhooks.Get(ctx, "wh_1")
	case "create":
		_, err = client.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: "https://example.com/hook"})
	default:
		t.Fatalf("unknown call %q", call)
	}
	return err
}

// playCall plays one case of retries.json or answers.json and checks every key of its expect.
func playCall(t *testing.T, c vectorCase) {
	var expect callExpect
	decoder := json.NewDecoder(strings.NewReader(string(c.Expect)))
	decoder.DisallowUnknownFields() // a key this player does not check fails instead of passing
	if err := decoder.Decode(&expect); err != nil {
		t.Fatal(err)
	}
	var opts []send0.Option
	if c.Options.MaxRetries != nil {
		opts = append(opts, send0.WithMaxRetries(*c.Options.MaxRetries))
	}
	if c.Options.TimeoutMS != nil {
		opts = append(opts, send0.WithTimeout(time.Duration(*c.Options.TimeoutMS)*time.Millisecond))
	}
	s := play(t, c)
	client := s.client(t, opts...)
	start := time.Now()
	err := makeCall(t, client, c.Call)
	elapsed := time.Since(start)
	seen := s.requests()

	if expect.Outcome == "ok" {
		if err != nil {
			t.Fatalf("the call failed: %v", err)
		}
	} else {
		checkCallError(t, err, expect)
	}
	if expect.Requests != nil && len(seen) != *expect.Requests {
		t.Fatalf("%d requests reached the server, want %d", len(seen), *expect.Requests)
	}
	if expect.RetryCounts != nil {
		counts := []string{}
		for _, r := range seen {
			counts = append(counts, r.header.Get("X-Send0-Retry-Count"))
		}
		if !reflect.DeepEqual(counts, expect.RetryCounts) {
			t.Fatalf("x-send0-retry-count %q, want %q", counts, expect.RetryCounts)
		}
	}
	if expect.OneIdempotencyKey {
		if len(seen) == 0 {
			t.Fatal("no request reached the server")
		}
		key := seen[0].header.Get("Idempotency-Key")
		for i, r := range seen {
			if key == "" || r.header.Get("Idempotency-Key") != key || r.body != seen[0].body {
				t.Fatalf("request %d: Idempotency-Key %q and body %s, first %q and %s", i, r.header.Get("Idempotency-Key"), r.body, key, seen[0].body)
			}
		}
	}
	if expect.MinWaitMS != nil {
		if len(seen) < 2 {
			t.Fatalf("%d requests, no wait to measure", len(seen))
		}
		if waited := seen[1].at.Sub(seen[0].at); waited < time.Duration(*expect.MinWaitMS)*time.Millisecond {
			t.Fatalf("the retry came %v after the first attempt, want at least %d ms", waited, *expect.MinWaitMS)
		}
	}
	if expect.MaxElapsedMS != nil && elapsed >= time.Duration(*expect.MaxElapsedMS)*time.Millisecond {
		t.Fatalf("the call took %v, want less than %d ms", elapsed, *expect.MaxElapsedMS)
	}
}

// checkCallError checks that err is of the expected kind, and its status, message, param and
// RetryAfter where expect gives them.
func checkCallError(t *testing.T, err error, expect callExpect) {
	t.Helper()
	sentinel, ok := callSentinels[expect.Outcome]
	if !ok {
		t.Fatalf("no sentinel for the outcome %q", expect.Outcome)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("got %v (%T), want a %s error", err, err, expect.Outcome)
	}
	var apiErr *send0.APIError
	var sdkErr *send0.Error
	var kind, message string
	switch {
	case errors.As(err, &apiErr):
		kind, message = apiErr.Kind, apiErr.Message
	case errors.As(err, &sdkErr):
		kind, message = sdkErr.Kind, sdkErr.Message
	default:
		t.Fatalf("%v is a %T, not a send0 error", err, err)
	}
	if kind != expect.Outcome {
		t.Fatalf("%v has the kind %q, want %q", err, kind, expect.Outcome)
	}
	if expect.MessageContains != nil && !strings.Contains(message, *expect.MessageContains) {
		t.Fatalf("the message %q does not contain %q", message, *expect.MessageContains)
	}
	if expect.Status == nil && expect.Param == nil && expect.RetryAfter == nil {
		return
	}
	if apiErr == nil {
		t.Fatalf("%v (%T) is not an *APIError", err, err)
	}
	if expect.Status != nil && apiErr.Status != *expect.Status {
		t.Fatalf("status %d, want %d", apiErr.Status, *expect.Status)
	}
	if expect.Param != nil && apiErr.Param != *expect.Param {
		t.Fatalf("param %q, want %q", apiErr.Param, *expect.Param)
	}
	if expect.RetryAfter != nil {
		var secs *float64 // null: no wait, a RetryAfter of 0
		if err := json.Unmarshal(expect.RetryAfter, &secs); err != nil {
			t.Fatal(err)
		}
		want := time.Duration(0)
		if secs != nil {
			want = time.Duration(*secs * float64(time.Second))
		}
		if apiErr.RetryAfter != want {
			t.Fatalf("RetryAfter %v, want %v", apiErr.RetryAfter, want)
		}
	}
}

func TestRetryVectors(t *testing.T) {
	for _, c := range vectorCases(t, "retries.json") {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel() // each case has its own server and client, and mostly waits
			playCall(t, c)
		})
	}
}

func TestAnswerVectors(t *testing.T) {
	for _, c := range vectorCases(t, "answers.json") {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			playCall(t, c)
		})
	}
}

//go:build cgo && linux && (amd64 || arm64)

// The API client's tests: the client needs the native core (cgo); wasm_test.go has what a build
// without it does instead.

package send0_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// Faults the real server does not make on demand, injected by a tiny scripted server.

const endpointJSON = `{"id":"wh_scripted0001","object":"webhook_endpoint","url":"https://example.com/hook","description":null,` +
	`"events":["*"],"active":true,"status":"active","consecutive_failures":0,"last_delivery_at":null,` +
	`"last_delivery_status":null,"created_at":"2026-04-12T10:30:00Z","updated_at":"2026-04-12T10:30:00Z"}`

const createdJSON = `{"id":"wh_scripted0001","object":"webhook_endpoint","url":"https://example.com/hook","description":null,` +
	`"events":["*"],"active":true,"status":"active","consecutive_failures":0,"last_delivery_at":null,` +
	`"last_delivery_status":null,"created_at":"2026-04-12T10:30:00Z","updated_at":"2026-04-12T10:30:00Z",` +
	`"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`

type seenRequest struct {
	method, path string
	header       http.Header
	body         string
	at           time.Time
}

// scripted answers request n (from 0) with reply(n, w, r), and records every request.
type scripted struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newScripted(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request)) *scripted {
	t.Helper()
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.seen)
		s.seen = append(s.seen, seenRequest{r.Method, r.URL.Path, r.Header.Clone(), string(body), time.Now()})
		s.mu.Unlock()
		reply(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest(nil), s.seen...)
}

func (s *scripted) client(t *testing.T, opts ...send0.Option) *send0.Client {
	return clientAt(t, s.URL, opts...)
}

// clientAt is a client of the server at url, closed when the test ends.
func clientAt(t *testing.T, url string, opts ...send0.Option) *send0.Client {
	t.Helper()
	client, err := send0.NewClient(defaultKey, append([]send0.Option{send0.WithBaseURL(url)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func reply(w http.ResponseWriter, status int, body string, headers ...string) {
	for i := 0; i+1 < len(headers); i += 2 {
		w.Header().Set(headers[i], headers[i+1])
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req_scripted"+strconv.Itoa(status))
	w.WriteHeader(status)
	io.WriteString(w, body)
}

const internalError = `{"error":"internal_error","message":"Something went wrong"}`

func TestRetriesOn500WithOneIdempotencyKey(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 2 {
			reply(w, 500, internalError, "Retry-After-Ms", "20") // a short wait keeps the test quick
			return
		}
		reply(w, 201, createdJSON)
	})
	created, err := s.client(t).Webhooks.Create(testContext(t), send0.WebhookCreateParams{URL: "https://example.com/hook"})
	if err != nil || created.ID != "wh_scripted0001" {
		t.Fatalf("Create after two 500s: %v", err)
	}
	seen := s.requests()
	if len(seen) != 3 {
		t.Fatalf("%d requests, want 3", len(seen))
	}
	key := seen[0].header.Get("Idempotency-Key")
	for i, r := range seen {
		if r.method != "POST" || r.path != "/v1/webhooks" || r.body != seen[0].body {
			t.Fatalf("request %d: %s %s %s", i, r.method, r.path, r.body)
		}
		if got := r.header.Get("Idempotency-Key"); key == "" || got != key {
			t.Fatalf("request %d: Idempotency-Key %q, first %q", i, got, key)
		}
		if got := r.header.Get("X-Send0-Retry-Count"); got != strconv.Itoa(i) {
			t.Fatalf("request %d: retry count %q", i, got)
		}
		if r.header.Get("Authorization") != "Bearer "+defaultKey || r.header.Get("User-Agent") != "send0-go/"+send0.Version {
			t.Fatalf("request %d: headers %v", i, r.header)
		}
	}
	// A key of the caller's choosing is the one sent.
	s2 := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			reply(w, 503, internalError)
			return
		}
		reply(w, 201, createdJSON)
	})
	_, err = s2.client(t).Webhooks.Create(testContext(t), send0.WebhookCreateParams{URL: "https://example.com/hook", IdempotencyKey: "my-key-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s2.requests() {
		if r.header.Get("Idempotency-Key") != "my-key-1" {
			t.Fatalf("Idempotency-Key %q", r.header.Get("Idempotency-Key"))
		}
	}
}

func TestRetryAfterIsObeyed(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			reply(w, 500, internalError, "Retry-After", "1")
			return
		}
		reply(w, 200, endpointJSON)
	})
	if _, err := s.client(t).Webhooks.Get(testContext(t), "wh_scripted0001"); err != nil {
		t.Fatal(err)
	}
	seen := s.requests()
	if len(seen) != 2 {
		t.Fatalf("%d requests", len(seen))
	}
	// Without Retry-After the first backoff is at most 0.5 s.
	if gap := seen[1].at.Sub(seen[0].at); gap < 950*time.Millisecond || gap > 3*time.Second {
		t.Fatalf("the retry came %v after the first attempt, Retry-After said 1 s", gap)
	}
}

func TestNoRetryOn400(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		reply(w, 400, `{"error":"invalid_request","message":"url is required","param":"url"}`)
	})
	_, err := s.client(t).Webhooks.Create(testContext(t), send0.WebhookCreateParams{})
	var apiErr *send0.APIError
	if !errors.Is(err, send0.ErrInvalidRequest) || !errors.As(err, &apiErr) || apiErr.Param != "url" || apiErr.RequestID != "req_scripted400" {
		t.Fatalf("400: %v", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests for a 400, want 1", n)
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		reply(w, 502, internalError, "Retry-After-Ms", "10")
	})
	_, err := s.client(t, send0.WithMaxRetries(3)).Webhooks.Get(testContext(t), "wh_1")
	var apiErr *send0.APIError
	if !errors.Is(err, send0.ErrAPI) || !errors.As(err, &apiErr) || apiErr.Status != 502 {
		t.Fatalf("502s: %v", err)
	}
	if n := len(s.requests()); n != 4 {
		t.Fatalf("%d requests, want 1 + 3 retries", n)
	}
}

func TestErrorRateLimitedWithRetryAfter(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		reply(w, 429, `{"error":"rate_limited","message":"Too many requests"}`, "Retry-After", "7")
	})
	_, err := s.client(t, send0.WithMaxRetries(0)).Webhooks.List(testContext(t), send0.ListParams{})
	var apiErr *send0.APIError
	if !errors.Is(err, send0.ErrRateLimited) || !errors.As(err, &apiErr) {
		t.Fatalf("429: %v", err)
	}
	if apiErr.Status != 429 || apiErr.RetryAfter != 7*time.Second || apiErr.Code != "rate_limited" || apiErr.Headers.Get("Retry-After") != "7" {
		t.Fatalf("429 details: %#v", apiErr)
	}
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests with WithMaxRetries(0)", n)
	}
}

func TestErrorTimeout(t *testing.T) {
	release := make(chan struct{})
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select { // slower than the client's timeout
		case <-r.Context().Done():
		case <-release:
		case <-time.After(5 * time.Second):
		}
		reply(w, 200, endpointJSON)
	})
	defer close(release)
	start := time.Now()
	_, err := s.client(t, send0.WithTimeout(200*time.Millisecond), send0.WithMaxRetries(0)).Webhooks.Get(testContext(t), "wh_1")
	var e *send0.Error
	if !errors.Is(err, send0.ErrTimeout) || !errors.As(err, &e) || e.Kind != "timeout" {
		t.Fatalf("a slow server: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Fatalf("the timeout took %v", elapsed)
	}
}

func TestErrorDecode(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `<html>not the API</html>`)
	})
	_, err := s.client(t).Webhooks.Get(testContext(t), "wh_1")
	if !errors.Is(err, send0.ErrDecode) {
		t.Fatalf("an unreadable 200: %v", err)
	}
}

func TestCancelInFlight(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select { // blocks until the client goes away
		case <-r.Context().Done():
		case <-release:
		}
	})
	client := s.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := client.Webhooks.Get(ctx, "wh_1")
	elapsed := time.Since(start)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, send0.ErrCancelled) {
		t.Fatalf("cancelled in flight: %v", err)
	}
	if elapsed < 90*time.Millisecond || elapsed > time.Second {
		t.Fatalf("returned after %v, the context was cancelled after 100 ms", elapsed)
	}
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests", n)
	}
	// The client is still usable afterwards.
	ok := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) { reply(w, 200, endpointJSON) })
	if _, err := ok.client(t).Webhooks.Get(testContext(t), "wh_1"); err != nil {
		t.Fatal(err)
	}
}

func TestDeadlineInFlight(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.client(t).Webhooks.Get(ctx, "wh_1")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, send0.ErrCancelled) || time.Since(start) > time.Second {
		t.Fatalf("deadline in flight: %v after %v", err, time.Since(start))
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		reply(w, 500, internalError, "Retry-After", "5")
	})
	client := s.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := client.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: "https://example.com/hook"})
	elapsed := time.Since(start)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, send0.ErrCancelled) {
		t.Fatalf("cancelled during the backoff: %v", err)
	}
	if elapsed > 2*time.Second {
		t.Fatalf("returned after %v: the 5 s backoff was not interrupted", elapsed)
	}
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests, want 1 (the retry never started)", n)
	}
}

func TestAlreadyCancelledContextMakesNoRequest(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) { reply(w, 200, endpointJSON) })
	client := s.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"Create": func() error {
			_, err := client.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: "https://example.com/hook"})
			return err
		},
		"Get":  func() error { _, err := client.Webhooks.Get(ctx, "wh_1"); return err },
		"List": func() error { _, err := client.Webhooks.List(ctx, send0.ListParams{}); return err },
		"All": func() error {
			for _, err := range client.Webhooks.All(ctx, send0.ListParams{}) {
				return err
			}
			return nil
		},
		"Delete": func() error { _, err := client.Webhooks.Delete(ctx, "wh_1"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) || !errors.Is(err, send0.ErrCancelled) {
			t.Fatalf("%s with a cancelled context: %v", name, err)
		}
	}
	if n := len(s.requests()); n != 0 {
		t.Fatalf("%d requests were made", n)
	}
}

func TestCloseWhileCallsAreInFlight(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		reply(w, 200, endpointJSON)
	})
	client, err := send0.NewClient(defaultKey, send0.WithBaseURL(s.URL))
	if err != nil {
		t.Fatal(err)
	}
	const calls = 10
	errs := make(chan error, calls)
	for i := 0; i < calls; i++ {
		go func() {
			_, err := client.Webhooks.Get(context.Background(), "wh_scripted0001")
			errs <- err
		}()
	}
	time.Sleep(30 * time.Millisecond)
	client.Close() // waits for the calls in flight; never frees the client under one
	for i := 0; i < calls; i++ {
		if err := <-errs; err != nil && !errors.Is(err, send0.ErrInvalidArgument) {
			t.Fatalf("a call beside Close: %v", err)
		}
	}
	if _, err := client.Webhooks.Get(context.Background(), "wh_1"); !errors.Is(err, send0.ErrInvalidArgument) {
		t.Fatalf("after Close: %v", err)
	}
}

// Cancellations that land at every moment of a call (before, during, after the request) never
// crash, leak a goroutine's wait or lose the answer of a call that completed.
func TestCancellationAtRandomMoments(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(n%5) * 200 * time.Microsecond)
		reply(w, 200, endpointJSON)
	})
	client := s.client(t)
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(time.Duration(i%7)*150*time.Microsecond, cancel)
			e, err := client.Webhooks.Get(ctx, "wh_scripted0001")
			switch {
			case err == nil && e.ID != "wh_scripted0001":
				t.Errorf("answer %+v", e)
			case err != nil && !(errors.Is(err, send0.ErrCancelled) && errors.Is(err, context.Canceled)):
				t.Errorf("call %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
}

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

// Every attempt of a POST is the same request (method, path, credentials, User-Agent, body), with
// the caller's Idempotency-Key when it gives one. A generated key's reuse, the retry count and the
// retry policy are vectors (tests/fixtures/http/retries.json, wire_contract_test.go).
func TestRetriesResendTheRequestWithTheCallersKey(t *testing.T) {
	s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			reply(w, 503, internalError, "Retry-After-Ms", "20") // a short wait keeps the test quick
			return
		}
		reply(w, 201, createdJSON)
	})
	params := send0.WebhookCreateParams{URL: "https://example.com/hook", IdempotencyKey: "my-key-1"}
	if _, err := s.client(t).Webhooks.Create(testContext(t), params); err != nil {
		t.Fatal(err)
	}
	seen := s.requests()
	if len(seen) != 2 {
		t.Fatalf("%d requests, want 2", len(seen))
	}
	for i, r := range seen {
		if r.method != "POST" || r.path != "/v1/webhooks" || r.body != seen[0].body {
			t.Fatalf("request %d: %s %s %s", i, r.method, r.path, r.body)
		}
		if got := r.header.Get("Idempotency-Key"); got != "my-key-1" {
			t.Fatalf("request %d: Idempotency-Key %q", i, got)
		}
		if r.header.Get("Authorization") != "Bearer "+defaultKey || r.header.Get("User-Agent") != "send0-go/"+send0.Version {
			t.Fatalf("request %d: headers %v", i, r.header)
		}
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

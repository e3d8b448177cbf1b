//go:build cgo && linux && (amd64 || arm64)

// The API client's tests: the client needs the native core (cgo); wasm_test.go has what a build
// without it does instead.

package send0_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// Hostile answers from the API's side (a broken server, a proxy, an attacker on the path): every
// call still ends within bounded time with a typed send0 error, never a panic, an overflow or a hang.

// wantKind fails unless err matches sentinel and its concrete type carries kind.
func wantKind(t *testing.T, err error, sentinel error, kind string) {
	t.Helper()
	var apiErr *send0.APIError
	var sdkErr *send0.Error
	switch {
	case !errors.Is(err, sentinel):
		t.Fatalf("got %v (%T), want %s", err, err, kind)
	case errors.As(err, &apiErr) && apiErr.Kind == kind, errors.As(err, &sdkErr) && sdkErr.Kind == kind:
	default:
		t.Fatalf("%v (%T) matches %v but does not carry the kind %s", err, err, sentinel, kind)
	}
	if strings.Contains(err.Error(), "internal error in the send0 core") {
		t.Fatalf("the core panicked: %v", err)
	}
}

// concurrently runs one subtest per case at the same time (not gated by -parallel: they mostly
// sleep through backoffs), and returns when all are done.
func concurrently[C any](t *testing.T, cases []C, name func(C) string, run func(*testing.T, C)) {
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(name(c), func(t *testing.T) { run(t, c) })
		}()
	}
	wg.Wait()
}

type retryAfterForm struct {
	name, header, value string
}

// Retry-After-Ms values that are no number to the core: the retry comes after the backoff, and the
// final 429 reports no wait. Exponents, 20 and 400 digits, negatives, NaN, inf, a far-future date,
// garbage and an empty value are vectors (tests/fixtures/http/answers.json, wire_contract_test.go);
// these are the forms they leave out.
func TestHostileRetryAfter(t *testing.T) {
	forms := []retryAfterForm{
		{"ms NaN", "Retry-After-Ms", "NaN"},
		{"ms infinity", "Retry-After-Ms", "infinity"},
		{"ms garbage", "Retry-After-Ms", "0x10"},
	}
	concurrently(t, forms, func(f retryAfterForm) string { return f.name }, func(t *testing.T, f retryAfterForm) {
		s := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 0 {
				reply(w, 503, internalError, f.header, f.value)
				return
			}
			reply(w, 429, `{"error":"rate_limited","message":"Too many requests"}`, f.header, f.value)
		})
		start := time.Now()
		_, err := s.client(t, send0.WithMaxRetries(1)).Webhooks.Get(testContext(t), "wh_1")
		elapsed := time.Since(start)
		wantKind(t, err, send0.ErrRateLimited, "rate_limited")
		var apiErr *send0.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("%T is not an *APIError", err)
		}
		seen := s.requests()
		if len(seen) != 2 || apiErr.Status != 429 || apiErr.Headers.Get(f.header) != f.value {
			t.Fatalf("%d requests, then %#v", len(seen), apiErr)
		}
		// The first backoff is at most 0.5 s; the rest is two local round trips.
		if gap := seen[1].at.Sub(seen[0].at); gap > 2*time.Second || elapsed > 4*time.Second {
			t.Fatalf("the retry came after %v, the call took %v", gap, elapsed)
		}
		if apiErr.RetryAfter != 0 {
			t.Fatalf("RetryAfter %v for %s: %s, want none", apiErr.RetryAfter, f.header, f.value)
		}
	})
}

type hostileCase struct {
	name     string
	answer   string // raw bytes written back on the connection, which then closes
	sentinel error
	kind     string
	status   int // for API errors
}

// Statuses no API sends, and bodies that are not what it promises, written as raw bytes. No
// retries, so that each case is one exchange: the kind is what the first answer produced. (Status
// 999, a body that is not JSON, an empty 200, a 204 and an error page are vectors: answers.json.)
func TestHostileAnswers(t *testing.T) {
	response := func(status, body string) string {
		return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body
	}
	cases := []hostileCase{
		{"status 600", response("600 Beyond", internalError), send0.ErrAPI, "api", 600},
		{"status 100 and nothing after", "HTTP/1.1 100 Continue\r\n\r\n", send0.ErrConnection, "connection", 0},
		{"status 1000", response("1000 Too Many Digits", internalError), send0.ErrConnection, "connection", 0},
		{"status 0", response("000 Zero", internalError), send0.ErrConnection, "connection", 0},
		{"not HTTP at all", "SSH-2.0-OpenSSH_9.6\r\n", send0.ErrConnection, "connection", 0},
		{"200 with truncated JSON", response("200 OK", endpointJSON[:len(endpointJSON)/2]), send0.ErrDecode, "decode", 0},
		{"200 with JSON of another shape", response("200 OK", `{"id":5,"created_at":[]}`), send0.ErrDecode, "decode", 0},
		{"200 with bytes that are not UTF-8", response("200 OK", "\xff\xfe\x00{"), send0.ErrDecode, "decode", 0},
		{"200 cut short", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + endpointJSON[:20], send0.ErrConnection, "connection", 0},
		{"404 with fields of the wrong types", response("404 Not Found", `{"error":5,"message":[],"param":{}}`), send0.ErrNotFound, "not_found", 404},
	}
	concurrently(t, cases, func(c hostileCase) string { return c.name }, func(t *testing.T, c hostileCase) {
		url := rawServer(t, func(conn net.Conn, _ <-chan struct{}) { io.WriteString(conn, c.answer) })
		client := clientAt(t, url, send0.WithMaxRetries(0), send0.WithTimeout(2*time.Second))
		start := time.Now()
		_, err := client.Webhooks.Get(testContext(t), "wh_1")
		wantKind(t, err, c.sentinel, c.kind)
		var apiErr *send0.APIError
		if c.status != 0 && (!errors.As(err, &apiErr) || apiErr.Status != c.status) {
			t.Fatalf("want HTTP %d in %#v", c.status, err)
		}
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Fatalf("the call took %v", elapsed)
		}
	})
}

// A server that accepts the connection and never answers (or stops after the headers): the
// client's timeout, or the caller's deadline, ends the call.
func TestHostileSilence(t *testing.T) {
	silent := func(conn net.Conn, closed <-chan struct{}) { <-closed }
	headersOnly := func(conn net.Conn, closed <-chan struct{}) {
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
		<-closed
	}
	for _, tc := range []struct {
		name   string
		handle func(net.Conn, <-chan struct{})
	}{{"never answers", silent}, {"headers then silence", headersOnly}} {
		t.Run(tc.name+"/client timeout", func(t *testing.T) {
			client := clientAt(t, rawServer(t, tc.handle), send0.WithTimeout(150*time.Millisecond), send0.WithMaxRetries(1))
			start := time.Now()
			_, err := client.Webhooks.Get(testContext(t), "wh_1")
			wantKind(t, err, send0.ErrTimeout, "timeout")
			// Two attempts of 150 ms and a backoff of at most 0.5 s.
			if elapsed := time.Since(start); elapsed < 300*time.Millisecond || elapsed > 2*time.Second {
				t.Fatalf("the call took %v", elapsed)
			}
		})
		t.Run(tc.name+"/context deadline", func(t *testing.T) {
			client := clientAt(t, rawServer(t, tc.handle)) // the default 60 s timeout
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := client.Webhooks.Get(ctx, "wh_1")
			wantKind(t, err, send0.ErrCancelled, "cancelled")
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%v does not wrap the deadline", err)
			}
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Fatalf("the call took %v", elapsed)
			}
		})
	}
}

// rawServer listens on 127.0.0.1 and, for each connection, reads the request's head and runs
// handle, then closes the connection. closed is closed when the test ends; it returns the URL.
func rawServer(t *testing.T, handle func(conn net.Conn, closed <-chan struct{})) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(closed)
		l.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
					handle(conn, closed)
				}
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// Whatever wait the core reports (it caps what it parses, but the Go side does not rely on that),
// RetryAfter saturates instead of wrapping: a float beyond int64 once became a negative Duration.
func TestHostileRetryAfterSaturates(t *testing.T) {
	for secs, want := range map[string]time.Duration{
		"1e300": math.MaxInt64, "1.8446744073709552e19": math.MaxInt64, "9223372037": math.MaxInt64,
		"86400": 24 * time.Hour, "0.25": 250 * time.Millisecond, "-1": 0, "0": 0,
	} {
		err := send0.ErrorFromNative(`{"kind":"rate_limited","message":"Too many requests (HTTP 429)",` +
			`"api":{"status":429,"message":"Too many requests","retry_after":` + secs + `,"body":"","headers":[]}}`)
		var apiErr *send0.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, send0.ErrRateLimited) || apiErr.RetryAfter != want {
			t.Fatalf("retry_after %s: %#v, want RetryAfter %v", secs, err, want)
		}
	}
}

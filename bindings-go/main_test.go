package send0_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// The local send0 API, started once for the whole package by TestMain.
var baseURL string

// The keys the server is started with (--api-key and --keys): one workspace per concern, so that
// tests that count endpoints or deliveries see only their own.
const (
	defaultKey = "sk_test_send0_local" // ws_local, manage
	readerKey  = "sk_test_go_reader"   // ws_local, read only
	pagesKey   = "sk_test_go_pages"    // ws_go_pages, manage
	handlerKey = "sk_test_go_handler"  // ws_go_handler, manage
	limitedKey = "sk_test_go_limited"  // ws_go_limited, manage, 1 request per second
	// Nothing listens on the discard port: a placeholder URL for endpoints that must not deliver.
	placeholderURL = "http://127.0.0.1:9/not-yet"
)

const serverBinary = "../target/debug/send0-server"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	binary := serverBinary
	if override := os.Getenv("SEND0_SERVER_BIN"); override != "" {
		binary = override
	}
	if _, err := os.Stat(binary); err != nil {
		fmt.Fprintf(os.Stderr, "send0 tests: the local server %s is missing (%v): build it first with "+
			"`cargo build -p send0-server` (or `make build-rust`) from the repository root\n", binary, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "send0-go-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "send0 tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	keys := []map[string]any{
		{"key": readerKey, "workspace": "ws_local", "scopes": []string{"platform:webhooks:read"}},
		{"key": pagesKey, "workspace": "ws_go_pages", "scopes": []string{"platform:webhooks:manage"}},
		{"key": handlerKey, "workspace": "ws_go_handler", "scopes": []string{"platform:webhooks:manage"}},
		{"key": limitedKey, "workspace": "ws_go_limited", "scopes": []string{"platform:webhooks:manage"}, "rate_limit": 1},
	}
	keysFile, readyFile, logFile := filepath.Join(dir, "keys.json"), filepath.Join(dir, "ready"), filepath.Join(dir, "server.log")
	keysJSON, _ := json.Marshal(keys)
	if err := os.WriteFile(keysFile, keysJSON, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "send0 tests:", err)
		return 1
	}
	logOut, err := os.Create(logFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "send0 tests:", err)
		return 1
	}
	defer logOut.Close()

	cmd := exec.Command(binary, "--port", "0", "--ready-file", readyFile, "--retry-schedule", "200ms,200ms",
		"--api-key", defaultKey, "--keys", keysFile)
	cmd.Stdout, cmd.Stderr = logOut, logOut
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "send0 tests: cannot start %s: %v\n", binary, err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	deadline := time.Now().Add(15 * time.Second)
	for baseURL == "" {
		if data, err := os.ReadFile(readyFile); err == nil && len(bytes.TrimSpace(data)) > 0 {
			baseURL = strings.TrimSpace(string(data))
			break
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logFile)
			fmt.Fprintf(os.Stderr, "send0 tests: %s exited before it was ready (%v):\n%s", binary, err, log)
			return 1
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile)
			fmt.Fprintf(os.Stderr, "send0 tests: %s wrote no ready file within 15 s:\n%s", binary, log)
			return 1
		}
	}
	code := m.Run()
	if code != 0 {
		if log, err := os.ReadFile(logFile); err == nil {
			fmt.Fprintf(os.Stderr, "--- send0-server log ---\n%s", log)
		}
	}
	return code
}

// newClient is a client of the local server with key (and any more options).
func newClient(t testing.TB, key string, opts ...send0.Option) *send0.Client {
	t.Helper()
	client, err := send0.NewClient(key, append([]send0.Option{send0.WithBaseURL(baseURL)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// testContext is a context that ends with the test, or after 30 s at the latest.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rawAPI calls the local server directly (for what the SDK does not do, such as POST /v1/events).
func rawAPI(t testing.TB, key, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, baseURL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: unreadable answer %q", method, path, data)
		}
	}
	return resp.StatusCode, out
}

// closedPortURL is the address of a port that was free a moment ago and where nothing listens.
func closedPortURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

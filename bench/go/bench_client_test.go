//go:build cgo && linux && (amd64 || arm64)

// The client benchmark needs the native core (cgo); a CGO_ENABLED=0 build of the benchmarks has
// the verification ones only (bench/go/run.sh runs them as "the WebAssembly core").

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// The local server for the client benchmark: started by the first BenchmarkGet, stopped by TestMain.
var (
	serverOnce sync.Once
	baseURL    string
	serverErr  error
	serverCmd  *exec.Cmd
	serverDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if serverCmd != nil {
		_ = serverCmd.Process.Signal(syscall.SIGTERM)
		_ = serverCmd.Wait()
	}
	if serverDir != "" {
		os.RemoveAll(serverDir)
	}
	os.Exit(code)
}

// startServer runs send0-server on a free port: the release build when there is one.
func startServer() (string, error) {
	serverOnce.Do(func() {
		binary := "../../target/release/send0-server"
		if _, err := os.Stat(binary); err != nil {
			binary = "../../target/debug/send0-server"
		}
		if b := os.Getenv("SEND0_SERVER_BIN"); b != "" {
			binary = b
		}
		if _, serverErr = os.Stat(binary); serverErr != nil {
			serverErr = fmt.Errorf("no send0-server (%v): run `cargo build --release -p send0-server`", serverErr)
			return
		}
		if serverDir, serverErr = os.MkdirTemp("", "send0-go-bench-"); serverErr != nil {
			return
		}
		ready := filepath.Join(serverDir, "ready")
		serverCmd = exec.Command(binary, "--port", "0", "--ready-file", ready, "--api-key", apiKey)
		if serverErr = serverCmd.Start(); serverErr != nil {
			serverCmd = nil
			return
		}
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if data, err := os.ReadFile(ready); err == nil && len(bytes.TrimSpace(data)) > 0 {
				baseURL = strings.TrimSpace(string(data))
				fmt.Fprintf(os.Stderr, "bench: %s at %s\n", binary, baseURL)
				return
			}
			if time.Now().After(deadline) {
				serverErr = fmt.Errorf("%s wrote no ready file in 15 s", binary)
				return
			}
		}
	})
	return baseURL, serverErr
}

func BenchmarkGet(b *testing.B) {
	baseURL, err := startServer()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	client, err := send0.NewClient(apiKey, send0.WithBaseURL(baseURL))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	created, err := client.Webhooks.Create(ctx, send0.WebhookCreateParams{
		URL: "https://example.com/webhooks/send0", Events: []string{"email.*"}, Description: send0.Ptr("bench"),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer client.Webhooks.Delete(ctx, created.ID)
	url := baseURL + "/v1/webhooks/" + created.ID
	httpClient := &http.Client{} // the default transport: keep-alive, as the SDK's
	netGet := func() (*send0.WebhookEndpoint, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := httpClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET: %s", resp.Status)
		}
		var out send0.WebhookEndpoint // the same decoding as the SDK's answer
		return &out, json.Unmarshal(data, &out)
	}
	for _, get := range []func() (*send0.WebhookEndpoint, error){netGet, func() (*send0.WebhookEndpoint, error) {
		return client.Webhooks.Get(ctx, created.ID)
	}} {
		if e, err := get(); err != nil || e.ID != created.ID {
			b.Fatalf("warm-up: %v", err)
		}
	}

	b.Run("sequential/send0", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := client.Webhooks.Get(ctx, created.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sequential/nethttp", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := netGet(); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Not a goal, for the analysis: GOMAXPROCS goroutines sharing one client.
	b.Run("parallel/send0", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := client.Webhooks.Get(ctx, created.ID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("parallel/nethttp", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := netGet(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

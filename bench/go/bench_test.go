// Package bench compares the send0 Go SDK with its peers (`go test -bench`; bench/go/run.sh runs
// the rounds and prints the table in bench/README.md):
//
//  1. verification: send0.VerifyWebhookRaw beside the Standard Webhooks Go library's Verify, on
//     the same send0 envelope (1 KiB, 64 KiB, 1 MiB), same headers, same secret, a fresh timestamp,
//     both checking the signature only and both succeeding;
//  2. the API client: Client.Webhooks.Get against a local send0-server beside net/http sending the
//     same GET (same URL, same Authorization header) and decoding the same JSON.
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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

const (
	secret = "whsec_W+sNYeHoMSGuB18VRlnNyn8KA2ujQHnHqpnFgd/ENC0=" // 32 bytes, as send0 issues them
	msgID  = "evt_a1b2c3d4-e5f6-7890-abcd-ef1234567890"
	apiKey = "sk_test_send0_local"
)

// envelope is a send0 email.delivered envelope whose data is padded to make the body exactly size
// bytes (the same body as the Rust core's criterion bench).
func envelope(size int) []byte {
	head := `{"eventId":"` + msgID + `","type":"email.delivered","service":"email","data":{"email_id":"em_3mKpLvRw9nQx",` +
		`"from":"billing@acme.test","to":["ada@example.test"],"subject":"Invoice","html":"`
	tail := `"},"livemode":false,"createdAt":1775989798500}`
	filler := size - len(head) - len(tail)
	text := strings.Repeat("Hello Ada, your invoice is attached. ", filler/37+1)
	body := head + text[:filler] + tail
	if len(body) != size {
		panic("envelope size")
	}
	return []byte(body)
}

var sizes = []struct {
	name string
	size int
}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}}

func BenchmarkVerify(b *testing.B) {
	for _, s := range sizes {
		body := envelope(s.size)
		ts := time.Now() // both sides check against the system clock: sign now
		signature, err := send0.SignWebhook(secret, msgID, ts.Unix(), body)
		if err != nil {
			b.Fatal(err)
		}
		headers := http.Header{}
		headers.Set("webhook-id", msgID)
		headers.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
		headers.Set("webhook-signature", signature)
		headers.Set("content-type", "application/json")
		headers.Set("user-agent", "send0-webhooks/0.1.0")

		// The reference library decodes its key once, in NewWebhook, as its users do.
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			b.Fatal(err)
		}
		if err := wh.Verify(body, headers); err != nil {
			b.Fatalf("standardwebhooks refuses the benchmark body: %v", err)
		}
		if err := send0.VerifyWebhookRaw(body, headers, secret); err != nil {
			b.Fatalf("send0 refuses the benchmark body: %v", err)
		}

		b.Run(s.name+"/send0", func(b *testing.B) {
			b.SetBytes(int64(s.size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := send0.VerifyWebhookRaw(body, headers, secret); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.name+"/standardwebhooks", func(b *testing.B) {
			b.SetBytes(int64(s.size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := wh.Verify(body, headers); err != nil {
					b.Fatal(err)
				}
			}
		})
		// Not a goal, for the analysis: the parsing verify (signature, then the envelope).
		b.Run(s.name+"/send0_parse", func(b *testing.B) {
			b.SetBytes(int64(s.size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := send0.VerifyWebhook(body, headers, secret); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

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

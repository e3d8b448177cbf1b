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
	"net/http"
	"strconv"
	"strings"
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

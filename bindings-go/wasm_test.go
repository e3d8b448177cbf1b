//go:build !(cgo && linux && (amd64 || arm64))

// What a build without the native core (CGO_ENABLED=0, or a platform with no prebuilt library)
// does: the webhook functions run the core compiled to WebAssembly (the other test files), and
// the API client says it needs cgo.

package send0_test

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

func TestNewClientSaysItNeedsCgo(t *testing.T) {
	client, err := send0.NewClient("sk_test_send0_local")
	if client != nil || err == nil {
		t.Fatalf("NewClient without the native core: %v, %v", client, err)
	}
	if !errors.Is(err, send0.ErrInvalidArgument) || !errors.Is(err, errors.ErrUnsupported) ||
		!strings.Contains(err.Error(), "CGO_ENABLED=1") || !strings.Contains(err.Error(), "VerifyWebhook") {
		t.Fatalf("the error does not say what to do: %v", err)
	}
}

// Instances are pooled, one call each at a time: concurrent verifies of different bodies each get
// their own answer, and an instance dropped after a trap is replaced.
func TestConcurrentVerifiesOnTheWebAssemblyCore(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	now := time.Now().Unix()
	var wg sync.WaitGroup
	failures := make(chan string, 64)
	for worker := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if worker == 0 && i == 25 {
					if err := send0.ProvokeNativePanic(); !errors.Is(err, send0.ErrAPI) {
						failures <- "the trap: " + err.Error()
					}
				}
				body := []byte(`{"type":"email.sent","eventId":"evt_` + strings.Repeat("x", worker*100+i) + `","data":{}}`)
				id := "msg_" + strings.Repeat("y", worker+1)
				signature, err := send0.SignWebhook(secret, id, now, body)
				if err != nil {
					failures <- err.Error()
					return
				}
				headers := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(now, 10)},
					"Webhook-Signature": {signature}}
				event, err := send0.VerifyWebhook(body, headers, secret)
				if err != nil || event.ID != "evt_"+strings.Repeat("x", worker*100+i) {
					failures <- fmt.Sprintf("verify: %+v, %v", event, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for failure := range failures {
		t.Error(failure)
	}
}

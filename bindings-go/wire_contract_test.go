//go:build cgo && linux && (amd64 || arm64)

// The API behaviour vectors of tests/fixtures/http (its README gives the schema), played to the
// client through a scripted server: the same cases every SDK's suite plays to its own.

package send0_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

type vectorCase struct {
	Name    string `json:"name"`
	Replies []struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"replies"`
	Expect json.RawMessage `json:"expect"`
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

// play answers request n with the case's reply n.
func play(t *testing.T, c vectorCase) *scripted {
	return newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n >= len(c.Replies) {
			reply(w, 599, `{"error":"unscripted","message":"no reply scripted"}`)
			return
		}
		reply(w, c.Replies[n].Status, string(c.Replies[n].Body))
	})
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

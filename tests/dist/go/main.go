// Command smoke is the released Go module as a new user has it (fetched with `go get` from the
// module proxy, linked with its prebuilt library): every shared webhook vector through
// VerifyWebhook / VerifyWebhookRaw / SignWebhook, a client call against a running send0-server,
// and the version.
//
// Usage: smoke FIXTURES_DIR BASE_URL EXPECTED_VERSION (BASE_URL "-" skips the client call, for a
// run under emulation without a server; "no-client" checks that NewClient says it needs cgo, for a
// build with CGO_ENABLED=0).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	send0 "github.com/send0/send0-go"
)

type fixtureCase struct {
	Name       string      `json:"name"`
	Op         string      `json:"op"`
	Secrets    []string    `json:"secrets"`
	Headers    [][2]string `json:"headers"`
	Body       *string     `json:"body"`
	BodyBase64 *string     `json:"body_base64"`
	Now        int64       `json:"now"`
	Tolerance  *int64      `json:"tolerance"`
	Error      *string     `json:"error"`
	Event      *struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"event"`
	Secret    string `json:"secret"`
	MsgID     string `json:"msg_id"`
	Timestamp int64  `json:"timestamp"`
	Expected  string `json:"expected"`
}

// check returns "" when the case holds, else what went wrong.
func check(c fixtureCase) string {
	body := []byte{}
	if c.Body != nil {
		body = []byte(*c.Body)
	} else if c.BodyBase64 != nil {
		decoded, err := base64.StdEncoding.DecodeString(*c.BodyBase64)
		if err != nil {
			return err.Error()
		}
		body = decoded
	}
	if c.Op == "sign" {
		got, err := send0.SignWebhook(c.Secret, c.MsgID, c.Timestamp, body)
		if err != nil || got != c.Expected {
			return fmt.Sprintf("signed %q, %v", got, err)
		}
		return ""
	}
	headers := http.Header{}
	for _, pair := range c.Headers {
		headers.Add(pair[0], pair[1])
	}
	opts := []send0.VerifyOption{send0.WithNow(time.Unix(c.Now, 0))}
	if c.Tolerance != nil {
		opts = append(opts, send0.WithTolerance(time.Duration(*c.Tolerance)*time.Second))
	}
	if len(c.Secrets) > 1 {
		opts = append(opts, send0.WithSecrets(c.Secrets[1:]...))
	}
	secret := ""
	if len(c.Secrets) > 0 {
		secret = c.Secrets[0]
	}
	var err error
	var event *send0.Event
	if c.Op == "verify" {
		event, err = send0.VerifyWebhook(body, headers, secret, opts...)
	} else {
		err = send0.VerifyWebhookRaw(body, headers, secret, opts...)
	}
	var failed *send0.WebhookVerificationError
	switch {
	case err == nil && c.Error != nil:
		return "verified, but expected " + *c.Error
	case err != nil && (c.Error == nil || !errors.As(err, &failed) || failed.Kind != *c.Error):
		return err.Error()
	case event != nil && c.Event != nil && (event.ID != c.Event.ID || event.Type != c.Event.Type):
		return fmt.Sprintf("event %s %s", event.ID, event.Type)
	}
	return ""
}

func clientCall(baseURL string) error {
	client, err := send0.NewClient("sk_test_send0_local", send0.WithBaseURL(baseURL), send0.WithMaxRetries(0))
	if err != nil {
		return err
	}
	defer client.Close()
	ctx := context.Background()
	created, err := client.Webhooks.Create(ctx, send0.WebhookCreateParams{URL: "https://example.com/smoke"})
	if err != nil {
		return err
	}
	got, err := client.Webhooks.Get(ctx, created.ID)
	if err != nil || got.ID != created.ID {
		return fmt.Errorf("get %s: %v", created.ID, err)
	}
	if _, err := client.Webhooks.Delete(ctx, created.ID); err != nil {
		return err
	}
	if _, err := client.Webhooks.Get(ctx, created.ID); !errors.Is(err, send0.ErrNotFound) {
		return fmt.Errorf("a deleted endpoint: %v", err)
	}
	return nil
}

// noClient checks NewClient's error in a build without cgo.
func noClient() error {
	client, err := send0.NewClient("sk_test_send0_local")
	if client != nil || !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("NewClient without cgo: %v, %v", client, err)
	}
	return nil
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: smoke FIXTURES_DIR BASE_URL EXPECTED_VERSION")
		os.Exit(2)
	}
	dir, baseURL, version := os.Args[1], os.Args[2], os.Args[3]
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(files)
	var failures []string
	count, checks := 0, 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			failures = append(failures, err.Error())
			continue
		}
		var doc struct {
			Cases []fixtureCase `json:"cases"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			failures = append(failures, file+": "+err.Error())
			continue
		}
		for _, c := range doc.Cases {
			count++
			if problem := check(c); problem != "" {
				failures = append(failures, filepath.Base(file)+"::"+c.Name+": "+problem)
			}
		}
	}
	checks = count + 1
	switch baseURL {
	case "-":
	case "no-client":
		checks++
		if err := noClient(); err != nil {
			failures = append(failures, "client: "+err.Error())
		}
	default:
		checks++
		if err := clientCall(baseURL); err != nil {
			failures = append(failures, "client: "+err.Error())
		}
	}
	if send0.Version != version {
		failures = append(failures, "send0.Version is "+send0.Version+", expected "+version)
	}
	for _, f := range failures {
		fmt.Println(f)
	}
	fmt.Printf("go smoke: %d fixture cases, client %s, version %s\n", count, baseURL, send0.Version)
	fmt.Printf("%d passed, %d failed\n", checks-len(failures), len(failures))
	if len(failures) > 0 {
		os.Exit(1)
	}
}

// Command receiver is a send0 webhook receiver on net/http: send0.WebhookHandler reads the raw
// body, verifies it and answers 400 with the reason when it does not hold; the callback only ever
// sees verified events.
//
//	SEND0_WEBHOOK_SECRET=whsec_… go run ./receiver -port 3000
//
// Options: -port N (0 picks a free one), -ready-file PATH (receives the endpoint URL once
// listening), -expect N (exit after N distinct verified events, printing a summary; for scripts
// and the demo). SEND0_WEBHOOK_SECRET may hold several secrets separated by spaces (a rotation).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

const path = "/webhooks/send0"

func main() {
	port := flag.Int("port", 3000, "port to listen on (0 picks a free one)")
	readyFile := flag.String("ready-file", "", "write the endpoint URL here once listening")
	expect := flag.Int("expect", 0, "exit after this many distinct verified events (0: serve until stopped)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("receiver: ")

	secrets := strings.Fields(os.Getenv("SEND0_WEBHOOK_SECRET"))
	if len(secrets) == 0 {
		log.Fatal("set SEND0_WEBHOOK_SECRET to the endpoint's whsec_ secret")
	}

	var (
		mu       sync.Mutex
		seen     = map[string]bool{} // webhook-id is stable across retries: count each event once
		rejected int
		done     = make(chan struct{})
	)
	verified := func(w http.ResponseWriter, r *http.Request, event *send0.Event) {
		// Only verified events get here. Decode the data into what this event type carries.
		var data struct {
			EmailID    string   `json:"email_id"`
			To         []string `json:"to"`
			BounceType string   `json:"bounce_type"`
			Domain     string   `json:"domain"`
			Message    string   `json:"message"`
		}
		if err := event.DataAs(&data); err != nil {
			http.Error(w, "unexpected data: "+err.Error(), http.StatusUnprocessableEntity)
			return
		}
		detail := data.EmailID
		switch {
		case event.Type == "email.bounced":
			detail += " bounce_type=" + data.BounceType
		case data.Domain != "":
			detail = "domain=" + data.Domain
		case data.Message != "":
			detail = fmt.Sprintf("message=%q", data.Message)
		}
		fmt.Printf("receiver: verified %-24s id=%s service=%s livemode=%t created=%s %s\n", event.Type, event.ID,
			event.Service, event.Livemode, event.CreatedAt.Format(time.RFC3339), detail)
		mu.Lock()
		fresh := !seen[event.WebhookID]
		seen[event.WebhookID] = true
		count := len(seen)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"received":true}`)
		if fresh && *expect > 0 && count == *expect {
			close(done)
		}
	}
	handler := send0.WebhookHandler(secrets[0], verified, send0.WithSecrets(secrets[1:]...))

	mux := http.NewServeMux()
	mux.Handle("POST "+path, logRefusals(handler, func(status int, reason string) {
		mu.Lock()
		rejected++
		mu.Unlock()
		fmt.Printf("receiver: refused a delivery (%d): %s\n", status, reason)
	}))

	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	url := "http://" + listener.Addr().String() + path
	fmt.Println("receiver: listening on", url)
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := server.Serve(listener); err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	if *readyFile != "" {
		if err := writeAtomically(*readyFile, url); err != nil {
			log.Fatal(err)
		}
	}

	stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	select {
	case <-done:
	case <-stop.Done():
	}
	ctx, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	_ = server.Shutdown(ctx) // lets the last response go out
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("receiver: summary: verified %d distinct event(s), refused %d delivery(ies)\n", len(seen), rejected)
	if *expect > 0 && len(seen) < *expect {
		os.Exit(1)
	}
}

// logRefusals reports the deliveries that next refused (any status other than 2xx).
func logRefusals(next http.Handler, refused func(status int, reason string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status/100 != 2 {
			refused(rec.status, strings.TrimSpace(rec.body.String()))
		}
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	body   strings.Builder
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status/100 != 2 && r.body.Len() < 512 {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

// writeAtomically writes text to path so that a reader never sees half of it.
func writeAtomically(path, text string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

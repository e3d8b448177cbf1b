package send0_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// Interoperability with the Standard Webhooks reference library for Go, both ways, on random
// inputs from a fixed seed. The library checks timestamps against the system clock, so every
// message is signed near now.

const interopCases = 200

type interopInput struct {
	secret string
	msgID  string
	ts     int64
	body   []byte
	event  bool // body is a send0 envelope (else random bytes)
	typ    string
}

var eventTypes = []string{"email.queued", "email.delivered", "email.opened", "email.clicked", "email.bounced",
	"email.complained", "email.failed", "domain.health.degraded", "platform.test"}

func randomInput(r *rand.Rand, now int64) interopInput {
	key := make([]byte, 16+r.Intn(49)) // 16..64 bytes; send0 issues 32
	r.Read(key)
	const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
	id := make([]byte, 1+r.Intn(40))
	for i := range id {
		id[i] = idChars[r.Intn(len(idChars))]
	}
	in := interopInput{
		secret: "whsec_" + base64.StdEncoding.EncodeToString(key),
		msgID:  "msg_" + string(id),
		ts:     now - 120 + r.Int63n(240), // within two minutes of now, well inside both tolerances
	}
	if r.Intn(2) == 0 {
		in.event, in.typ = true, eventTypes[r.Intn(len(eventTypes))]
		filler := make([]byte, r.Intn(4096))
		r.Read(filler)
		in.body = fmt.Appendf(nil, `{"eventId":"evt_%d","type":%q,"service":"x","data":{"email_id":"em_%d","note":%q},"livemode":%t,"createdAt":%d}`,
			r.Int63(), in.typ, r.Int63(), base64.StdEncoding.EncodeToString(filler), r.Intn(2) == 0, in.ts*1000)
	} else {
		in.body = make([]byte, r.Intn(8192)) // any bytes, not necessarily UTF-8, possibly empty
		r.Read(in.body)
	}
	return in
}

func headersFor(id string, ts int64, signature string) http.Header {
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, signature)
	return h
}

func TestInteropSend0SignsReferenceVerifies(t *testing.T) {
	r := rand.New(rand.NewSource(20260412))
	now := time.Now().Unix()
	for i := 0; i < interopCases; i++ {
		in := randomInput(r, now)
		signature, err := send0.SignWebhook(in.secret, in.msgID, in.ts, in.body)
		if err != nil {
			t.Fatalf("case %d: SignWebhook: %v", i, err)
		}
		wh, err := standardwebhooks.NewWebhook(in.secret)
		if err != nil {
			t.Fatalf("case %d: NewWebhook: %v", i, err)
		}
		if err := wh.Verify(in.body, headersFor(in.msgID, in.ts, signature)); err != nil {
			t.Fatalf("case %d: the reference library refused what send0 signed: %v", i, err)
		}
		// Both produce the very same header value.
		theirs, err := wh.Sign(in.msgID, time.Unix(in.ts, 0), in.body)
		if err != nil || theirs != signature {
			t.Fatalf("case %d: reference %q (%v), send0 %q", i, theirs, err, signature)
		}
		// A tampered body is refused by both.
		if len(in.body) > 0 {
			tampered := append([]byte(nil), in.body...)
			tampered[r.Intn(len(tampered))] ^= 0x01
			if err := wh.Verify(tampered, headersFor(in.msgID, in.ts, signature)); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
				t.Fatalf("case %d: the reference library accepted a tampered body: %v", i, err)
			}
		}
	}
}

func TestInteropReferenceSignsSend0Verifies(t *testing.T) {
	r := rand.New(rand.NewSource(20260413))
	now := time.Now().Unix()
	for i := 0; i < interopCases; i++ {
		in := randomInput(r, now)
		wh, err := standardwebhooks.NewWebhook(in.secret)
		if err != nil {
			t.Fatalf("case %d: NewWebhook: %v", i, err)
		}
		signature, err := wh.Sign(in.msgID, time.Unix(in.ts, 0), in.body)
		if err != nil {
			t.Fatalf("case %d: Sign: %v", i, err)
		}
		headers := headersFor(in.msgID, in.ts, signature)
		if err := send0.VerifyWebhookRaw(in.body, headers, in.secret); err != nil {
			t.Fatalf("case %d: send0 refused what the reference library signed: %v", i, err)
		}
		if in.event {
			event, err := send0.VerifyWebhook(in.body, headers, in.secret)
			if err != nil {
				t.Fatalf("case %d: VerifyWebhook: %v", i, err)
			}
			if event.Type != in.typ || event.WebhookID != in.msgID || event.Timestamp != in.ts {
				t.Fatalf("case %d: event %+v", i, event)
			}
		}
		// The same key, bare (no whsec_ prefix), and in a rotation behind a wrong key.
		bare := in.secret[len("whsec_"):]
		if err := send0.VerifyWebhookRaw(in.body, headers, bare); err != nil {
			t.Fatalf("case %d: bare secret: %v", i, err)
		}
		other := randomInput(r, now).secret
		if err := send0.VerifyWebhookRaw(in.body, headers, other, send0.WithSecrets(in.secret)); err != nil {
			t.Fatalf("case %d: rotation: %v", i, err)
		}
		if err := send0.VerifyWebhookRaw(in.body, headers, other); !errors.Is(err, send0.ErrInvalidSignature) {
			t.Fatalf("case %d: a wrong secret gave %v", i, err)
		}
		assertNoSecret(t, fmt.Sprint(send0.VerifyWebhookRaw(in.body, headers, other)), other)
	}
}

// Package send0 is the send0 SDK for Go: verify the signed webhook deliveries send0 posts to your
// endpoints ([VerifyWebhook], [WebhookHandler]), and manage those endpoints through the Webhooks
// API ([NewClient], [Client].Webhooks).
//
// # Install
//
//	go get github.com/send0/send0-go@v0.1.0
//
// Go 1.23 or newer. The package runs on send0's Rust core, in one of two builds that the Go
// toolchain picks, with nothing to configure and no Rust toolchain needed:
//   - native: with cgo on (the default when a C compiler is on PATH) on linux/amd64 or
//     linux/arm64, the module links the core's prebuilt static library. Everything is available.
//   - WebAssembly: with CGO_ENABLED=0 (scratch or distroless images, cross-compiling) and on every
//     other platform, the same core compiled to WebAssembly and translated to pure Go runs inside
//     the module. [VerifyWebhook], [VerifyWebhookRaw], [ExplainWebhook], [SignWebhook] and
//     [WebhookHandler] work the same way; [NewClient] returns an error that says the client needs
//     cgo (it matches [errors.ErrUnsupported]).
//
// To build the library yourself, see CONTRIBUTING.md in the source repository,
// github.com/send0/send0-sdk.
//
// # Verify deliveries
//
// send0 signs every delivery per the Standard Webhooks specification (webhook-id,
// webhook-timestamp and webhook-signature headers). [WebhookHandler] is a net/http handler that
// reads the raw body, verifies it, answers 400 when it does not hold, and calls your function
// with verified events only:
//
//	http.Handle("POST /webhooks/send0", send0.WebhookHandler(os.Getenv("SEND0_WEBHOOK_SECRET"),
//		func(w http.ResponseWriter, r *http.Request, event *send0.Event) {
//			log.Println(event.Type, event.ID)
//			w.WriteHeader(http.StatusOK) // any 2xx: send0 will not retry this event
//		}))
//
// With any other router, pass [VerifyWebhook] the raw body, exactly as received (a body that was
// decoded and encoded again no longer matches its signature), and the request's headers.
// Options: [WithSecrets] accepts more secrets while you rotate, [WithTolerance] changes the
// 5-minute tolerance, [WithNow] fixes the clock. [SignWebhook] signs, for your tests.
//
// When a delivery does not verify, the error's Hint names the likely cause and its fix, for your
// logs; [ExplainWebhook] reports the whole analysis (headers under other names, clock skew, secret
// mistakes, a body a framework altered).
//
// # Manage endpoints
//
// [NewClient] reads the API key from SEND0_API_KEY when given ""; every call takes a
// [context.Context], and a cancelled context stops the request in flight or between retries.
// The client retries connection errors, timeouts, 408, 409, 429 and 5xx ([WithMaxRetries],
// default 2) with backoff, honouring Retry-After, and sends one Idempotency-Key per POST across
// its retries. [WebhooksService.All] and [WebhooksService.AllDeliveries] walk every page as a
// range-over-func iterator.
//
// # Errors
//
// Every error matches, with [errors.Is], the sentinel of its kind ([ErrNotFound],
// [ErrRateLimited], [ErrInvalidSignature], ...), the same kinds as in every send0 SDK; [errors.As]
// gets the details from an [*APIError], a [*WebhookVerificationError] or an [*Error]. A panic
// inside the core (a bug; in the WebAssembly build, a trap) is an [*Error] of kind api ([ErrAPI])
// whose message starts "internal error in the send0 core", never a crash.
//
// # The local server
//
// send0-server, built from the source repository, is a complete local implementation of the API
// with real signed, retried deliveries, also to http URLs on loopback. Point the client at it with
// [WithBaseURL] or SEND0_BASE_URL; it accepts the key sk_test_send0_local.
package send0

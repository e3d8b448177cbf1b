// Package send0 is the send0 SDK for Go: verify webhook deliveries (VerifyWebhook,
// WebhookHandler) and manage webhook endpoints (NewClient, Client.Webhooks).
//
// It runs on the send0 Rust core through a small C ABI (cgo); `make` builds the static library
// that this package links from ${SRCDIR}/../target/release.
package send0

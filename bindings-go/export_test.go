package send0

import "net/http"

// ProvokeNativePanic provokes a panic inside the Rust library; it exists only in test builds, to prove
// that a panic crosses the C boundary as an error and never as a crash.
func ProvokeNativePanic() error { return coreTestOnlyPanic() }

// ErrorFromNative rebuilds an error from the core's JSON description, as every failed call does.
func ErrorFromNative(description string) error { return fromNative([]byte(description)) }

// EventFromRecord decodes an event record as VerifyWebhook does with the one the core returns.
func EventFromRecord(record, body []byte) (*Event, error) { return eventFromRecord(record, body) }

// ExplainWebhookJSON is the core's report as JSON, which ExplainWebhook decodes.
func ExplainWebhookJSON(payload []byte, header http.Header, secrets []string, opts ...VerifyOption) ([]byte, error) {
	return explainJSON(payload, header, secrets, opts)
}

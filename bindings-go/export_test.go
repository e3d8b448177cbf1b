package send0

// ProvokeNativePanic provokes a panic inside the Rust library; it exists only in test builds, to prove
// that a panic crosses the C boundary as an error and never as a crash.
func ProvokeNativePanic() error { return coreTestOnlyPanic() }

// ErrorFromNative rebuilds an error from the core's JSON description, as every failed call does.
func ErrorFromNative(description string) error { return fromNative([]byte(description)) }

// EventFromRecord decodes an event record as VerifyWebhook does with the one the core returns.
func EventFromRecord(record, body []byte) (*Event, error) { return eventFromRecord(record, body) }

package send0

// ProvokeNativePanic provokes a panic inside the Rust library; it exists only in test builds, to prove
// that a panic crosses the C boundary as an error and never as a crash.
func ProvokeNativePanic() error { return nativeTestOnlyPanic() }

// ErrorFromNative rebuilds an error from the core's JSON description, as every failed call does.
func ErrorFromNative(description string) error { return fromNative([]byte(description)) }

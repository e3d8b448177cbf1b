package send0

// ProvokeNativePanic provokes a panic inside the Rust library; it exists only in test builds, to prove
// that a panic crosses the C boundary as an error and never as a crash.
func ProvokeNativePanic() error { return nativeTestOnlyPanic() }

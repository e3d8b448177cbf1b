//go:build cgo && linux && (amd64 || arm64)

package send0

// Where the static library of the Rust core comes from. In this repository it is the one `make`
// builds (cargo's release profile); the released module replaces this file with one that links the
// prebuilt library of each platform (scripts/dist-go.sh).

// #cgo LDFLAGS: ${SRCDIR}/../target/release/libsend0_ffi.a -lm -ldl -lpthread
import "C"

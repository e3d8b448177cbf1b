//go:build cgo && linux && (amd64 || arm64)

package send0

/*
#cgo CFLAGS: -I${SRCDIR}/include
#include <stdlib.h>
#include "send0.h"

// send0_verify (explain zero) or send0_explain (non-zero), with the three input pointers set in C:
// cgo may pass Go pointers to C as arguments, but not a Go value that holds them, so Go fills in
// the rest of the options.
static int32_t verify_or_explain(int explain, Send0VerifyOptions options, const uint8_t *body,
                                 const uint8_t *headers, const uint8_t *secrets, Send0Bytes *out,
                                 Send0Bytes *err_out) {
	options.body = body;
	options.headers = headers;
	options.secrets = secrets;
	return explain ? send0_explain(&options, out, err_out) : send0_verify(&options, out, err_out);
}

// For this package's tests only (export_test.go), so it is not in send0.h.
int32_t send0_test_only_panic(Send0Bytes *err_out);
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// The Rust library is linked statically: link.go says from where (cargo's release build in the
// source repository, the prebuilt library of each platform in the released module).
// Inputs cross as borrowed (pointer, length) pairs that Rust reads during the call only; every
// output is Rust-owned and released by send0_bytes_free, never by C.free.

// ptr is the address of b's first byte, or nil for an empty slice.
func ptr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// take copies Rust-owned bytes into Go memory and releases them.
func take(b C.Send0Bytes) []byte {
	if b.ptr == nil {
		return nil
	}
	out := C.GoBytes(unsafe.Pointer(b.ptr), C.int(b.len))
	C.send0_bytes_free(b)
	return out
}

// result turns a status and its outputs into (output, error).
func result(status C.int32_t, out, errOut C.Send0Bytes) ([]byte, error) {
	data, description := take(out), take(errOut)
	if status == C.SEND0_OK {
		return data, nil
	}
	return nil, fromNative(description)
}

func coreVersion() string {
	return C.GoString((*C.char)(unsafe.Pointer(C.send0_version())))
}

type nativeClient struct {
	mu     sync.RWMutex // calls hold it shared; free takes it alone, so never frees under a call
	handle *C.Send0Client
}

func newTransport(config []byte) (transport, error) {
	var handle *C.Send0Client
	var errOut C.Send0Bytes
	status := C.send0_client_new(ptr(config), C.size_t(len(config)), &handle, &errOut)
	runtime.KeepAlive(config)
	if _, err := result(status, C.Send0Bytes{}, errOut); err != nil {
		return nil, err
	}
	return &nativeClient{handle: handle}, nil
}

func (c *nativeClient) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handle != nil {
		C.send0_client_free(c.handle)
		c.handle = nil
	}
}

// cancelToken stops a blocking call from another goroutine.
type cancelToken struct {
	handle *C.Send0Cancel
}

func newCancelToken() *cancelToken { return &cancelToken{handle: C.send0_cancel_new()} }
func (t *cancelToken) cancel()     { C.send0_cancel_cancel(t.handle) }
func (t *cancelToken) free()       { C.send0_cancel_free(t.handle) }

// call runs one operation, blocking this goroutine's thread until Rust answers. A cancelled or
// expired ctx stops it in Rust, in flight or between retries, and the error wraps ctx.Err().
func (c *nativeClient) call(ctx context.Context, request []byte) ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, &Error{Kind: "invalid_argument", Message: "the client is closed"}
	}
	token := newCancelToken()
	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { token.cancel(); close(cancelled) })
	defer func() {
		if !stop() {
			<-cancelled // the cancel runs in its own goroutine: let it finish before the free
		}
		token.free()
	}()
	var out, errOut C.Send0Bytes
	status := C.send0_client_call(c.handle, ptr(request), C.size_t(len(request)), token.handle, &out, &errOut)
	runtime.KeepAlive(request)
	answer, err := result(status, out, errOut)
	if e, ok := err.(*Error); ok && e.Kind == "cancelled" && ctx.Err() != nil {
		e.cause = ctx.Err()
		e.Message = fmt.Sprintf("the request was stopped: %v", ctx.Err())
	}
	return answer, err
}

func coreVerify(in coreInput, parse bool) ([]byte, error) { return withOptions(in, parse, false) }

func coreExplain(in coreInput) ([]byte, error) { return withOptions(in, false, true) }

// withOptions calls send0_verify, or send0_explain when explain is set, with in as its options.
func withOptions(in coreInput, parse, explain bool) ([]byte, error) {
	options := C.Send0VerifyOptions{
		body_len:       C.size_t(len(in.body)),
		headers_len:    C.size_t(len(in.headers)),
		secrets_len:    C.size_t(len(in.secrets)),
		tolerance_secs: C.uint64_t(in.toleranceSecs),
	}
	if in.now != nil {
		options.has_now, options.now = 1, C.int64_t(*in.now)
	}
	if parse {
		options.parse = 1
	}
	which := C.int(0)
	if explain {
		which = 1
	}
	var out, errOut C.Send0Bytes
	status := C.verify_or_explain(which, options, ptr(in.body), ptr(in.headers), ptr(in.secrets), &out, &errOut)
	runtime.KeepAlive(in.body)
	runtime.KeepAlive(in.headers)
	runtime.KeepAlive(in.secrets)
	return result(status, out, errOut)
}

func coreSign(secret, msgID string, timestamp int64, body []byte) (string, error) {
	s, id := []byte(secret), []byte(msgID)
	var out, errOut C.Send0Bytes
	status := C.send0_sign(ptr(s), C.size_t(len(s)), ptr(id), C.size_t(len(id)), C.int64_t(timestamp),
		ptr(body), C.size_t(len(body)), &out, &errOut)
	runtime.KeepAlive(s)
	runtime.KeepAlive(id)
	runtime.KeepAlive(body)
	header, err := result(status, out, errOut)
	return string(header), err
}

// coreTestOnlyPanic provokes a panic inside the Rust library (tests only).
func coreTestOnlyPanic() error {
	var errOut C.Send0Bytes
	_, err := result(C.send0_test_only_panic(&errOut), C.Send0Bytes{}, errOut)
	return err
}

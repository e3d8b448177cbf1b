// Package engines measures the two ways to run the core's WebAssembly build from Go without cgo,
// on the same module (target/wasm/send0.wasm) through the same host code: wasm2go (translated to
// Go ahead of time; the package bindings-go ships) and wazero (compiled at run time). run.sh
// translates the module into ./wasm2go first; bench/README.md ("Go without cgo") has the figures.
//
//	cold start:  go test -run TestColdStart -v   (each engine's first verify in a fresh process)
//	per call:    go test -run '^$' -bench .      (verify with the envelope parsed: 1 KiB, 64 KiB, 1 MiB)
package engines

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/send0/send0-sdk/bench/go/engines/wasm2go"
)

const (
	wasmPath  = "../../../target/wasm/send0.wasm"
	secret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	timestamp = 1_700_000_000
)

// instance is one engine's instance of the module: its exports and its memory.
type instance interface {
	alloc(n int32) int32
	free(p, n int32)
	memory() []byte
	verify(args ...int64) int32
	sign(args ...int64) int32
}

type translated struct{ m *wasm2go.Module }

func (t translated) alloc(n int32) int32 { return t.m.Xsend0_alloc(n) }
func (t translated) free(p, n int32)     { t.m.Xsend0_free(p, n) }
func (t translated) memory() []byte      { return *t.m.Xmemory().Slice() }
func (t translated) verify(a ...int64) int32 {
	i := func(k int) int32 { return int32(a[k]) }
	return t.m.Xsend0_verify(i(0), i(1), i(2), i(3), i(4), i(5), a[6], i(7), a[8], i(9), i(10), i(11))
}
func (t translated) sign(a ...int64) int32 {
	i := func(k int) int32 { return int32(a[k]) }
	return t.m.Xsend0_sign(i(0), i(1), i(2), i(3), a[4], i(5), i(6), i(7), i(8))
}

type compiled struct {
	module                            api.Module
	allocFn, freeFn, verifyFn, signFn api.Function
}

func call(f api.Function, args ...int64) int32 {
	raw := make([]uint64, len(args))
	for k, a := range args {
		raw[k] = uint64(a)
	}
	out, err := f.Call(context.Background(), raw...)
	if err != nil {
		panic(err)
	}
	if len(out) == 0 {
		return 0
	}
	return int32(out[0])
}

func (c compiled) alloc(n int32) int32 { return call(c.allocFn, int64(n)) }
func (c compiled) free(p, n int32)     { call(c.freeFn, int64(p), int64(n)) }
func (c compiled) memory() []byte {
	mem, _ := c.module.Memory().Read(0, c.module.Memory().Size())
	return mem
}
func (c compiled) verify(a ...int64) int32 { return call(c.verifyFn, a...) }
func (c compiled) sign(a ...int64) int32   { return call(c.signFn, a...) }

func newCompiled(runtime wazero.Runtime, module wazero.CompiledModule) compiled {
	m, err := runtime.InstantiateModule(context.Background(), module, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		panic(err)
	}
	return compiled{m, m.ExportedFunction("send0_alloc"), m.ExportedFunction("send0_free"),
		m.ExportedFunction("send0_verify"), m.ExportedFunction("send0_sign")}
}

func compileWazero() (wazero.Runtime, wazero.CompiledModule) {
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		panic(err)
	}
	runtime := wazero.NewRuntime(context.Background())
	module, err := runtime.CompileModule(context.Background(), wasm)
	if err != nil {
		panic(err)
	}
	return runtime, module
}

func put(in instance, b []byte) (int64, int64) {
	if len(b) == 0 {
		return 0, 0
	}
	p := in.alloc(int32(len(b)))
	copy(in.memory()[p:], b)
	return int64(p), int64(len(b))
}

// take reads and frees the bytes a result slot ({u32 ptr, u32 len}) points at.
func take(in instance, slot int32) []byte {
	mem := in.memory()
	p, n := binary.LittleEndian.Uint32(mem[slot:]), binary.LittleEndian.Uint32(mem[slot+4:])
	out := append([]byte(nil), mem[p:p+n]...)
	if p != 0 {
		in.free(int32(p), int32(n))
	}
	return out
}

// run places the inputs, calls f with their (pointer, length) pairs and the result slots, frees
// the inputs and returns the output; an error result panics (the inputs are always valid here).
func run(in instance, inputs [][]byte, f func(args []int64, out, errOut int64) int32) []byte {
	var args []int64
	for _, b := range inputs {
		p, n := put(in, b)
		args = append(args, p, n)
	}
	slots := in.alloc(16)
	status := f(args, int64(slots), int64(slots+8))
	for k := 0; k < len(args); k += 2 {
		if args[k] != 0 {
			in.free(int32(args[k]), int32(args[k+1]))
		}
	}
	out, problem := take(in, slots), take(in, slots+8)
	in.free(slots, 16)
	if status != 0 {
		panic(string(problem))
	}
	return out
}

func envelope(size int) []byte {
	head := `{"type":"email.delivered","eventId":"evt_1","createdAt":1700000000000,"data":{"html":"`
	return []byte(head + strings.Repeat("a", size-len(head)-3) + `"}}`)
}

func headersFor(in instance, body []byte) []byte {
	signature := run(in, [][]byte{[]byte(secret), []byte("msg_1"), body}, func(a []int64, out, errOut int64) int32 {
		return in.sign(a[0], a[1], a[2], a[3], timestamp, a[4], a[5], out, errOut)
	})
	return []byte("webhook-id\x00msg_1\x00webhook-timestamp\x001700000000\x00webhook-signature\x00" + string(signature))
}

func verify(in instance, body, headers []byte) []byte {
	return run(in, [][]byte{body, headers, []byte(secret)}, func(a []int64, out, errOut int64) int32 {
		return in.verify(a[0], a[1], a[2], a[3], a[4], a[5], 300, 1, timestamp, 1, out, errOut)
	})
}

func TestColdStart(t *testing.T) {
	body := envelope(1024)
	start := time.Now()
	in := translated{wasm2go.New()}
	record := verify(in, body, headersFor(in, body))
	t.Logf("wasm2go: first instance, sign and verify in %v (event record of %d bytes)", time.Since(start), len(record))

	start = time.Now()
	runtime, module := compileWazero()
	compiledIn := time.Since(start)
	c := newCompiled(runtime, module)
	record = verify(c, body, headersFor(c, body))
	t.Logf("wazero: compile %v, then the first instance, sign and verify: %v in all (event record of %d bytes)",
		compiledIn, time.Since(start), len(record))

	start = time.Now()
	newCompiled(runtime, module)
	t.Logf("a further instance: wazero %v", time.Since(start))
	start = time.Now()
	wasm2go.New()
	t.Logf("a further instance: wasm2go %v", time.Since(start))
}

func BenchmarkVerify(b *testing.B) {
	runtime, module := compileWazero()
	engines := []struct {
		name string
		in   instance
	}{{"wasm2go", translated{wasm2go.New()}}, {"wazero", newCompiled(runtime, module)}}
	for _, size := range []int{1 << 10, 64 << 10, 1 << 20} {
		for _, engine := range engines {
			body := envelope(size)
			headers := headersFor(engine.in, body)
			b.Run(fmt.Sprintf("%dKiB/%s", size>>10, engine.name), func(b *testing.B) {
				b.SetBytes(int64(size))
				for range b.N {
					verify(engine.in, body, headers)
				}
			})
		}
	}
}

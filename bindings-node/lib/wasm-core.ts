/**
 * webhooks-core.ts's VerifyCore over the core's WebAssembly build (send0-ffi without its client,
 * made by scripts/build-wasm.sh; its ABI is described in bindings-go/ffi/src/lib.rs). Inputs are
 * copied into the module's memory (send0_alloc), results come back in two 8-byte
 * `{u32 ptr, u32 len}` slots, and a trap (a panic in the core: WebAssembly does not unwind) is the
 * `api` error a panic gives in the native build, after which the instance is replaced.
 */

import { Send0Error } from './errors.js';
import { fromDescription, type NativeDescription } from './native-errors.js';
import type { VerifyCore } from './webhooks-core.js';

interface CoreExports {
  memory: WebAssembly.Memory;
  send0_alloc(len: number): number;
  send0_free(ptr: number, len: number): void;
  send0_verify(options: number, out: number, errOut: number): number;
  send0_explain(options: number, out: number, errOut: number): number;
  send0_sign(
    secret: number, secretLen: number, msgId: number, msgIdLen: number, timestamp: bigint,
    body: number, bodyLen: number, out: number, errOut: number,
  ): number;
  send0_version(): number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
/**
 * The size of the Send0VerifyOptions of send0_verify and send0_explain in wasm32 (4-byte pointers
 * and size_t), whose layout send0-ffi checks when it builds (bindings-go/ffi/src/webhooks.rs).
 */
const VERIFY_OPTIONS_SIZE = 48;

/** One call: the inputs it placed in the instance's memory and its two result slots. */
class Call {
  readonly #core: CoreExports;
  readonly #inputs: Array<[number, number]> = [];
  readonly slots: number;

  constructor(core: CoreExports) {
    this.#core = core;
    this.slots = this.alloc(16);
  }

  /** `len` zeroed bytes in the instance, freed with the call's inputs. */
  alloc(len: number): number {
    const ptr = this.#core.send0_alloc(len);
    if (ptr === 0) throw new Send0Error(`the send0 WebAssembly core has no memory left for ${len} bytes`, 'api');
    this.#inputs.push([ptr, len]);
    return ptr;
  }

  /** Copies bytes (or a string's UTF-8) into the instance: [pointer, length], [0, 0] when empty. */
  put(input: Uint8Array | string): [number, number] {
    const bytes = typeof input === 'string' ? utf8.encode(input) : input;
    if (bytes.length === 0) return [0, 0];
    const ptr = this.alloc(bytes.length);
    new Uint8Array(this.#core.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  }

  /** The output (or the error it describes), copied out of the instance. */
  finish(status: number): Uint8Array {
    const output = this.#take(this.slots);
    const error = this.#take(this.slots + 8);
    if (status !== 0) {
      throw fromDescription(JSON.parse(utf8Decoder.decode(error)) as NativeDescription);
    }
    return output;
  }

  /** Frees what this call placed in the instance. */
  release(): void {
    for (const [ptr, len] of this.#inputs.splice(0)) this.#core.send0_free(ptr, len);
  }

  #take(slot: number): Uint8Array {
    const view = new DataView(this.#core.memory.buffer);
    const ptr = view.getUint32(slot, true);
    const len = view.getUint32(slot + 4, true);
    if (ptr === 0) return new Uint8Array(0);
    const bytes = new Uint8Array(this.#core.memory.buffer, ptr, len).slice();
    this.#core.send0_free(ptr, len);
    return bytes;
  }
}

/** The core over one compiled module: a single instance (JS calls never overlap), made on first use. */
export class WasmCore implements VerifyCore {
  readonly #module: WebAssembly.Module;
  #exports: CoreExports | undefined;

  /** `module` is a WebAssembly.Module of the core (typed `object` so that declarations need no WebAssembly types). */
  constructor(module: object) {
    this.#module = module as WebAssembly.Module;
  }

  #instance(): CoreExports {
    return (this.#exports ??= new WebAssembly.Instance(this.#module, {}).exports as unknown as CoreExports);
  }

  /** Runs one call; everything it placed in the instance is freed after, unless the instance trapped. */
  #run<T>(body: (core: CoreExports, call: Call) => T): T {
    const core = this.#instance();
    let call: Call | undefined;
    try {
      call = new Call(core);
      const result = body(core, call);
      call.release();
      return result;
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) {
        this.#exports = undefined; // its memory may be half-written: the next call gets a new one
        throw new Send0Error(`internal error in the send0 core: a panic in its WebAssembly build (${error.message})`, 'api');
      }
      call?.release(); // an error the core described, or no memory left
      throw error;
    }
  }

  /** send0_verify (`parse` false: the signature only), or send0_explain when `parse` is null. */
  #verify(body: Uint8Array, headers: string, secrets: string, tolerance: number, now: number | null, parse: boolean | null): Uint8Array {
    // The module has no clock: the time always comes from here.
    const unix = BigInt(now ?? Math.floor(Date.now() / 1000));
    return this.#run((core, call) => {
      const [b, bLen] = call.put(body);
      const [h, hLen] = call.put(headers);
      const [s, sLen] = call.put(secrets);
      const options = call.alloc(VERIFY_OPTIONS_SIZE);
      const view = new DataView(core.memory.buffer, options, VERIFY_OPTIONS_SIZE);
      [b, bLen, h, hLen, s, sLen].forEach((word, i) => view.setUint32(4 * i, word, true));
      view.setBigUint64(24, BigInt(tolerance), true);
      view.setBigInt64(32, unix, true);
      view.setInt32(40, 1, true); // has_now
      view.setInt32(44, parse ? 1 : 0, true);
      const run = parse === null ? core.send0_explain : core.send0_verify;
      return call.finish(run(options, call.slots, call.slots + 8));
    });
  }

  verify(body: Uint8Array, headers: string, secrets: string, tolerance: number, now: number | null): Uint8Array {
    return this.#verify(body, headers, secrets, tolerance, now, true);
  }

  verifyRaw(body: Uint8Array, headers: string, secrets: string, tolerance: number, now: number | null): void {
    this.#verify(body, headers, secrets, tolerance, now, false);
  }

  explain(body: Uint8Array, headers: string, secrets: string, tolerance: number, now: number | null): string {
    return utf8Decoder.decode(this.#verify(body, headers, secrets, tolerance, now, null));
  }

  sign(secret: string, msgId: string, timestamp: number, body: Uint8Array): string {
    return utf8Decoder.decode(
      this.#run((core, call) => {
        const [s, sLen] = call.put(secret);
        const [m, mLen] = call.put(msgId);
        const [b, bLen] = call.put(body);
        return call.finish(core.send0_sign(s, sLen, m, mLen, BigInt(timestamp), b, bLen, call.slots, call.slots + 8));
      }),
    );
  }

  /** The core's version (a static NUL-terminated string in the module). */
  version(): string {
    const core = this.#instance();
    const memory = new Uint8Array(core.memory.buffer);
    const start = core.send0_version();
    const end = memory.indexOf(0, start);
    return utf8Decoder.decode(memory.subarray(start, end < 0 ? start : end));
  }

  /** For the tests only: a panic inside the core, which traps. */
  testOnlyPanic(): void {
    this.#run((core, call) => {
      (core as unknown as { send0_test_only_panic(errOut: number): number }).send0_test_only_panic(call.slots + 8);
    });
  }
}

// The core's WebAssembly module on workerd (bundled by wrangler) and Vercel Edge (bundled by
// Next.js): both compile a `.wasm` import at build time and hand over a WebAssembly.Module, and
// both refuse to compile WebAssembly from bytes at run time. Both read the `?module` suffix.
import module from '../send0.wasm?module';

export default module;

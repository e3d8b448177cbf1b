/** send0-wasm's `#core` import: the core's compiled WebAssembly module (bindings-node/wasm/core/). */
declare module '#core' {
  const module: WebAssembly.Module;
  export default module;
}

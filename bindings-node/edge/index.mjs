// What `send0` resolves to under the workerd, edge-light, worker and browser conditions: the edge
// build, in the send0-wasm package (the WebAssembly core does not fit in this one).
export * from 'send0-wasm';

export * from 'send0-wasm';

// The core's WebAssembly module everywhere else (browsers, web workers, Deno, Node): compiled from
// its bytes, embedded as base64 so that there is no file to fetch and no permission to ask for.
// Synchronously, so that verify is a plain function: 197 KB is far below the 8 MB that Chrome
// compiles synchronously on a page's main thread.
import base64 from '../base64.mjs';

function decode(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export default new WebAssembly.Module(decode(base64));

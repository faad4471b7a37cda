// large-image-wasm: the codec module, pkg/codecs.wasm (ZSTD, WebP and LERC decoding: the Rust crate in
// codecs/), a second wasm module that the main one leaves out. initWasm (index.js) hands the main module
// a loader, which it calls the first time an opened image needs one of these codecs; tiles then decode
// synchronously through the function the loader gave, which copies a request into the codec module's
// memory, runs it, and hands back a view of the answer (read at once by the main module).

/**
 * Compiles and instantiates the codec module from a URL, a Request, a Response, its bytes or a
 * `WebAssembly.Module`.
 * @param {URL | string | Request | Response | BufferSource | WebAssembly.Module} input
 * @returns {Promise<(request: Uint8Array) => Uint8Array>}
 */
export async function loadCodecs(input) {
  const exports = (await instantiate(input)).exports;
  return (request) => {
    const at = exports.liwc_alloc(request.length);
    new Uint8Array(exports.memory.buffer, at, request.length).set(request);
    const n = exports.liwc_run(at, request.length);
    return new Uint8Array(exports.memory.buffer, exports.liwc_out(), n);
  };
}

async function instantiate(input) {
  if (input instanceof WebAssembly.Module) return WebAssembly.instantiate(input, {});
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    return (await WebAssembly.instantiate(input, {})).instance;
  }
  const r = input instanceof Response ? input : await fetch(input);
  if (!r.ok) throw new Error(`large-image-wasm: ${r.url || input}: HTTP ${r.status} (the codec module, pkg/codecs.wasm, is served next to the wasm)`);
  // Streaming compilation needs the application/wasm type; a server without it gets the bytes compiled.
  if (typeof WebAssembly.instantiateStreaming === 'function' && r.headers.get('content-type')?.startsWith('application/wasm')) {
    return (await WebAssembly.instantiateStreaming(r, {})).instance;
  }
  return (await WebAssembly.instantiate(await r.arrayBuffer(), {})).instance;
}

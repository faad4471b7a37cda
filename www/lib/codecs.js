// large-image-wasm: the codec module, pkg/codecs.wasm (ZSTD, WebP and LERC decoding: the Rust crate in
// codecs/), a second wasm module that the main one leaves out. initWasm (index.js) hands the main module
// a loader, which it calls the first time an opened image needs one of these codecs; tiles then decode
// synchronously through the function the loader gave, which copies a request into the codec module's
// memory, runs it, and hands back a view of the answer (read at once by the main module).

/**
 * Instantiates the compiled codec module (index.js compiles it once per realm, with the main module's
 * fetch and compile) and gives the function that runs a request in it.
 * @param {WebAssembly.Module} module
 * @returns {Promise<(request: Uint8Array) => Uint8Array>}
 */
export async function loadCodecs(module) {
  const { exports } = await WebAssembly.instantiate(module, {});
  return (request) => {
    const at = exports.liwc_alloc(request.length);
    new Uint8Array(exports.memory.buffer, at, request.length).set(request);
    const n = exports.liwc_run(at, request.length);
    return new Uint8Array(exports.memory.buffer, exports.liwc_out(), n);
  };
}

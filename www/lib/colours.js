// large-image-wasm: the colour module, pkg/colours.wasm (the CSS colour parser of styles: the Rust crate
// in colours/), a small wasm module that the main one leaves out. initWasm (index.js) hands the main
// module a loader, which it calls with the colormaps and palettes the first time a view is styled.

/**
 * Instantiates the compiled colour module and gives `parse(text)`: the CSS colour as
 * `r·2²⁴ + g·2¹⁶ + b·2⁸ + a`, or −1 when the text is not one.
 * @param {WebAssembly.Module} module
 * @returns {Promise<(text: string) => number>}
 */
export async function loadColours(module) {
  const { exports } = await WebAssembly.instantiate(module, {});
  const encoder = new TextEncoder();
  return (text) => {
    const b = encoder.encode(text);
    const at = exports.lic_alloc(b.length);
    new Uint8Array(exports.memory.buffer, at, b.length).set(b);
    return exports.lic_parse(at, b.length);
  };
}

// large-image-wasm: the projection module, pkg/large_image_proj_bg.wasm (proj4rs, for the CRSs other than
// geographic and web mercator: the Rust crate in proj/) and its wasm-bindgen glue, a second wasm module
// that the main one leaves out. initWasm (index.js) hands the main module a loader, which it calls the
// first time an image in such a CRS opens or a view's `units` name one; points then go through the
// functions given here, a tile's grid at once.

/**
 * Instantiates the compiled projection module (index.js compiles it once per realm) and gives what the
 * main module calls: `create(def)` (the id of a PROJ.4 definition's projection; throws the parser's
 * words), `latlong(id)`, and `transform(id, toLonlat, xy)`, which converts `xy` (x then y of each point)
 * in place.
 * @param {WebAssembly.Module} module
 */
export async function loadProj(module) {
  // The glue too is loaded only now: nothing of the projection module is on the start-up path.
  const { default: init, projCreate, projLatlong, projTransform } = await import('../pkg/large_image_proj.js');
  await init({ module_or_path: module });
  return { create: projCreate, latlong: projLatlong, transform: projTransform };
}

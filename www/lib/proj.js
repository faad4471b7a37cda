// large-image-wasm: the projection module, pkg/large_image_proj_bg.wasm (proj4rs, for the CRSs other than
// geographic and web mercator: the Rust crate in proj/) and its wasm-bindgen glue, a second wasm module
// that the main one leaves out. initWasm (index.js) hands the main module a loader, which it calls the
// first time an image in such a CRS opens or a view's `units` name one; points then go through the
// functions given here, a tile's grid at once.
//
// The glue (15 KB of JS) is imported when the module is first needed, which keeps it off a page's
// start-up (10–15 ms, benches/bench_startup.mjs). A service worker may not `import()`: router.js, the
// core of every service worker of this package, imports the glue statically and hands it over here.

let given = null;

/**
 * Hands over the projection module's glue (`pkg/large_image_proj.js`), imported statically by the
 * caller: what a service worker must do (router.js does it).
 * @param {object} glue the glue's module namespace
 */
export function useProjGlue(glue) {
  given ??= glue;
}

/**
 * Instantiates the compiled projection module (index.js compiles it once per realm) and gives what the
 * main module calls: `create(def)` (the id of a PROJ.4 definition's projection; throws the parser's
 * words), `latlong(id)`, and `transform(id, toLonlat, xy)`, which converts `xy` (x then y of each point)
 * in place.
 * @param {WebAssembly.Module} module
 */
export async function loadProj(module) {
  const inServiceWorker = typeof ServiceWorkerGlobalScope !== 'undefined' && globalThis instanceof ServiceWorkerGlobalScope;
  if (!given && inServiceWorker) {
    throw new Error('in a service worker the projection module\'s glue must be imported statically: build the worker on lib/router.js, or import pkg/large_image_proj.js and pass it to useProjGlue (lib/proj.js)');
  }
  const glue = given ?? (await import('../pkg/large_image_proj.js'));
  await glue.default({ module_or_path: module });
  return { create: glue.projCreate, latlong: glue.projLatlong, transform: glue.projTransform };
}

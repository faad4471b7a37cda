// large-image-wasm: the npm entry.
//
// A thin JavaScript face over the wasm-bindgen `LargeImage` and `Engine` classes built into
// `../pkg/`: it initialises the wasm module once (lazily) in browsers, workers and Node, and says
// plainly when an image is used after `close()`. Options are read by the Rust core, which refuses
// unknown names; `signal` (an AbortSignal) is accepted by every view and by `engine.read`.

import init, * as wasmBindings from '../pkg/large_image_wasm.js';
import { WorkerPool, useWasm } from './pool.js';
import { loadCodecs } from './codecs.js';
import { loadColours } from './colours.js';
import { loadProj } from './proj.js';

export { WorkerPool };

let initPromise = null;

const isNode =
  typeof process !== 'undefined' &&
  process.versions != null &&
  process.versions.node != null &&
  typeof window === 'undefined' &&
  typeof importScripts === 'undefined';

/** A file of `../pkg/` as a URL, or its bytes under Node (whose fetch cannot read file: URLs). */
async function pkgFile(name) {
  const url = new URL(`../pkg/${name}`, import.meta.url);
  if (isNode && url.protocol === 'file:') {
    const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
    return fs.readFile(url);
  }
  return url;
}

/** A Response for a URL, a string or a Request (a Response as it is), refused unless it is ok (`what`
 * names the file in the error). */
async function fetchOk(input, what) {
  const r = input instanceof Response ? input : await fetch(input);
  if (!r.ok) throw new Error(`large-image-wasm: ${r.url || input}: HTTP ${r.status} (${what} is served next to the wasm)`);
  return r;
}

/** The bytes of a table of `../pkg/` (`what` names it in errors) from a URL, a string, a Request or a
 * Response; BufferSources as they are. */
async function tableBytes(input, what) {
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) return input;
  return (await fetchOk(input, what)).arrayBuffer();
}

/** The realm's compiled module and EPSG table (promises), each made once; see `wasmParts`. */
let modulePromise = null;
let epsgPromise = null;

/**
 * A `WebAssembly.Module` from a URL, a string, a Request, a Response, bytes or a Module (`what` names
 * it in errors).
 */
async function compileModule(input, what) {
  if (input instanceof WebAssembly.Module) return input;
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) return WebAssembly.compile(input);
  const r = await fetchOk(input, what);
  // Streaming compilation needs the wasm MIME type; other servers' answers are compiled whole.
  if (typeof WebAssembly.compileStreaming === 'function' && r.headers.get('Content-Type')?.split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(r);
  }
  return WebAssembly.compile(await r.arrayBuffer());
}

/** A promise made once per realm by `make`; a failed one is made again on the next call. */
function once(get, set, make) {
  if (!get()) {
    const p = make();
    p.catch(() => {
      if (get() === p) set(null);
    });
    set(p);
  }
  return get();
}

/** A module of one function using simd128's last opcodes (`i8x16.splat`, `i8x16.popcnt`), as
 * wasm-feature-detect tests for it: valid exactly where the engine runs the SIMD build. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this engine has WebAssembly's fixed-width SIMD (simd128): every current browser and Node ≥ 16.4. */
export const simd128 = (() => {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
})();

/** Which build of the main module this realm runs (`wasmInfo`). */
let loaded = null;

/**
 * `pkg/<simdFile>` compiled where the engine has simd128, else `pkg/<plainFile>`; a SIMD file that
 * cannot be fetched or compiled (a host that copied only the plain files) falls back to the plain one,
 * with a warning. Returns the module and which build it is.
 * @returns {Promise<[WebAssembly.Module, 'simd' | 'plain']>}
 */
async function simdOrPlain(simdFile, plainFile, what) {
  if (simd128) {
    try {
      return [await compileModule(await pkgFile(simdFile), `${what}, pkg/${simdFile}`), 'simd'];
    } catch (e) {
      console.warn(`large-image-wasm: ${String(e?.message ?? e).replace(/^large-image-wasm: /, '')}; loading the plain build instead`);
    }
  }
  return [await compileModule(await pkgFile(plainFile), `${what}, pkg/${plainFile}`), 'plain'];
}

/** The default module of this engine: the SIMD build where simd128 validates, else the plain one. */
async function defaultModule() {
  const [module, build] = await simdOrPlain('large_image_wasm_simd_bg.wasm', 'large_image_wasm_bg.wasm', 'the wasm module');
  loaded = build;
  return module;
}

/**
 * Which wasm builds this realm loaded. `build`: `'simd'` (the SIMD build,
 * `pkg/large_image_wasm_simd_bg.wasm`, the default where the engine has simd128), `'plain'`
 * (`pkg/large_image_wasm_bg.wasm`) or `'given'` (a module handed to `initWasm`); `codecs`: the same for
 * the codec module (`pkg/codecs_simd.wasm` or `pkg/codecs.wasm`), loaded by the first image that needs
 * it; `null` before a module is loaded.
 * @returns {{ build: 'simd' | 'plain' | 'given' | null, codecs: 'simd' | 'plain' | 'given' | null, simd128: boolean }}
 */
export function wasmInfo() {
  return { build: loaded, codecs: partBuilds['codecs.wasm'] ?? null, simd128 };
}

/**
 * The compiled wasm module and the EPSG table's bytes of this realm: fetched and compiled once, then
 * shared by `initWasm` and by the pool, which posts them to each worker it starts (a Module crosses
 * postMessage compiled, so the workers neither fetch nor compile it again).
 * @returns {Promise<[WebAssembly.Module, ArrayBuffer | ArrayBufferView]>}
 */
export function wasmParts(input, epsgInput) {
  const module = once(() => modulePromise, (p) => (modulePromise = p), async () => {
    if (input == null) return defaultModule();
    const module = await compileModule(input, 'the wasm module');
    loaded = 'given';
    return module;
  });
  const epsg = once(() => epsgPromise, (p) => (epsgPromise = p),
    async () => tableBytes(epsgInput ?? (await pkgFile('epsg.bin')), 'the EPSG table, pkg/epsg.bin'));
  return Promise.all([module, epsg]);
}

/** The compiled modules kept beside the wasm and loaded on first use, and which build each is
 * (`wasmInfo`), by file name. */
const partPromises = {};
const partBuilds = {};

/**
 * A module kept beside the wasm (`pkg/<file>`, or `input`), compiled once per realm when first needed;
 * a pool's workers ask the pool for the page's instead of compiling their own. With `simdFile`, that
 * SIMD build of it is loaded instead where the engine has simd128 (`simdOrPlain`).
 * @param {string} file the module's file in `pkg/`
 * @param {string} what the module as errors name it
 * @param {URL | string | Request | Response | BufferSource | WebAssembly.Module} [input]
 * @param {string} [simdFile] its SIMD build's file in `pkg/`
 * @returns {Promise<WebAssembly.Module>}
 */
function partModule(file, what, input, simdFile) {
  return once(() => partPromises[file], (p) => (partPromises[file] = p), async () => {
    let module;
    let build = 'given';
    if (input != null) module = await compileModule(input, `${what}, pkg/${file}`);
    else if (simdFile) [module, build] = await simdOrPlain(simdFile, file, what);
    else [module, build] = [await compileModule(await pkgFile(file), `${what}, pkg/${file}`), 'plain'];
    partBuilds[file] = build;
    return module;
  });
}

/**
 * The codec module (ZSTD, WebP and LERC decoding, WebP encoding): `input` if given, else its SIMD build
 * (`pkg/codecs_simd.wasm`: lossy WebP's hot loops in simd128) where the engine has simd128, else
 * `pkg/codecs.wasm`; the same samples either way.
 */
const codecsModule = (input) => partModule('codecs.wasm', 'the codec module', input, 'codecs_simd.wasm');
/** The projection module (`pkg/large_image_proj_bg.wasm`: proj4rs, for CRSs other than EPSG:4326 and EPSG:3857). */
const projModule = (input) => partModule('large_image_proj_bg.wasm', 'the projection module', input);

/**
 * Initialise the wasm module. Called lazily by `LargeImage.open`; call it yourself to
 * start the download early or to pass your own input (a URL, a Response, bytes, or a
 * `WebAssembly.Module`). Later calls return the first call's promise.
 *
 * By default the SIMD build (`pkg/large_image_wasm_simd_bg.wasm`) is loaded where the engine has
 * simd128 (`simd128`), else the plain build (`pkg/large_image_wasm_bg.wasm`); both give the same
 * samples, and `wasmInfo()` says which one runs. Pass the plain file's URL as `input` to choose it.
 *
 * The EPSG table (`pkg/epsg.bin`, ~39 KB, kept out of the wasm) is loaded alongside the module,
 * from next to the wasm's default place unless `epsgInput` names it (a URL, a Response or its bytes).
 * Two more parts kept out of the wasm are loaded from next to it when first needed: the codec module
 * (ZSTD, WebP and LERC decoding: `pkg/codecs_simd.wasm` where the engine has simd128, else
 * `pkg/codecs.wasm`) when an image that needs it opens, unless
 * `codecsInput` names it (a URL, a Response, its bytes or a `WebAssembly.Module`, or a function giving a
 * promise of one, asked when first needed: how a pool's worker gets the page's), the projection
 * module (`pkg/large_image_proj_bg.wasm`: proj4rs) when an image in a CRS other than EPSG:4326 and EPSG:3857 opens or
 * a view's `units` name one, unless `projInput` names it (the same forms as `codecsInput`), and the
 * colormaps and palettes (`pkg/colormaps.bin`, `pkg/palettes.bin`, 33.5 KB) with the CSS colour parser
 * (`pkg/colours.wasm`) when a view is styled.
 *
 * @param {URL | string | Request | Response | BufferSource | WebAssembly.Module} [input]
 * @param {URL | string | Request | Response | BufferSource} [epsgInput]
 * @param {URL | string | Request | Response | BufferSource | WebAssembly.Module | (() => Promise<WebAssembly.Module>)} [codecsInput]
 * @param {URL | string | Request | Response | BufferSource | WebAssembly.Module | (() => Promise<WebAssembly.Module>)} [projInput]
 * @returns {Promise<void>}
 */
export function initWasm(input, epsgInput, codecsInput, projInput) {
  return once(() => initPromise, (p) => (initPromise = p), async () => {
    const [module, epsg] = await wasmParts(input, epsgInput);
    await init({ module_or_path: module });
    wasmBindings.setEpsgTable(new Uint8Array(epsg.buffer ?? epsg, epsg.byteOffset ?? 0, epsg.byteLength));
    const table = async (name) => tableBytes(await pkgFile(name), `pkg/${name}`);
    const given = async (v) => (typeof v === 'function' ? v() : v);
    const parts = {
      codecs: async () => loadCodecs(await codecsModule(await given(codecsInput))),
      proj: async () => loadProj(await projModule(await given(projInput))),
      styles: () => Promise.all([table('colormaps.bin'), table('palettes.bin')]),
      colours: async () => loadColours(await partModule('colours.wasm', 'the colour module')),
    };
    // Each part once; a failed load is tried again by the next view that needs it.
    const loading = new Map();
    wasmBindings.setLoader((what) =>
      once(() => loading.get(what), (p) => (p ? loading.set(what, p) : loading.delete(what)), parts[what]));
  });
}

// The pool's workers get this realm's compiled modules (pool.js cannot import this file: it imports pool.js).
useWasm({ main: () => wasmParts(), parts: { codecs: () => codecsModule(), proj: () => projModule() } });

/**
 * The fetch engine: range requests with a per-origin limit, priority, cancellation, a byte cache,
 * timeouts and retries. `Engine.shared()` is the one of this JS realm (page, worker, service
 * worker), which `LargeImage.open` uses unless given `{ engine }` or `{ read }`.
 */
/** Marks the realm's shared engine (whose wasm object is the core's shared one). */
const SHARED = Symbol('shared engine');

export class Engine {
  static #shared = null;
  #options;
  #inner = null;

  /**
   * @param {{ concurrency?: number, cacheBytes?: number, timeoutMs?: number, retries?: number,
   *   retryBudgetMs?: number, retryBaseMs?: number, readWholeUpTo?: number }} [options]
   *   concurrency: requests in flight per origin (6); cacheBytes: byte cache, header and tile bytes
   *   (64 MiB); timeoutMs: no answer or a stalled body (30000); retries (4) with backoff for 5xx, 429,
   *   dropped connections and timeouts; readWholeUpTo: largest file read whole from a server that
   *   ignores Range (0: such a server is an error).
   */
  constructor(options = {}) {
    this.#options = options ?? {};
  }

  /** True for `Engine.shared()`. */
  get isShared() {
    return this.#options === SHARED;
  }

  /** The engine of this JS realm. */
  static shared() {
    Engine.#shared ??= new Engine(SHARED);
    return Engine.#shared;
  }

  /** @private The wasm engine (made once the module is ready; options checked then). */
  async wasm() {
    if (!this.#inner) {
      await initWasm();
      if (this.#inner) return this.#inner;
      this.#inner = this.isShared ? wasmBindings.Engine.shared() : new wasmBindings.Engine(this.#options);
    }
    return this.#inner;
  }

  /**
   * Reads byte ranges of a URL.
   * @param {string | URL} url
   * @param {Array<[number, number]>} ranges [start, end) pairs
   * @param {{ priority?: number, signal?: AbortSignal, headers?: object,
   *   credentials?: 'omit' | 'same-origin' | 'include', kind?: 'header' | 'data' }} [options]
   * @returns {Promise<Uint8Array[]>} in input order
   */
  async read(url, ranges, options = {}) {
    return (await this.wasm()).read(String(url), ranges, options ?? {});
  }

  /**
   * What the engine did so far: `{ requests, bytes, hits, shared, retries, cancelled, aborted, errors,
   * timeouts, queued, active, peakActive, cacheHeaderBytes, cacheDataBytes }`.
   */
  stats() {
    if (!this.#inner) {
      return { requests: 0, bytes: 0, hits: 0, shared: 0, retries: 0, cancelled: 0, aborted: 0, errors: 0,
        timeouts: 0, queued: 0, active: 0, peakActive: 0, cacheHeaderBytes: 0, cacheDataBytes: 0 };
    }
    return this.#inner.stats();
  }
}

export class LargeImage {
  #inner;
  #url;

  /** @private Use `LargeImage.open(url, options)`. */
  constructor(inner, url) {
    if (inner == null) {
      throw new TypeError('Use `await LargeImage.open(url, options)` to create a LargeImage');
    }
    this.#inner = inner;
    this.#url = url;
  }

  /**
   * Open a Cloud Optimized GeoTIFF by URL (range requests).
   * @param {string | URL} url
   * @param {{ pool?: WorkerPool | boolean, engine?: Engine, read?: (ranges: Array<[number, number]>, hints: { priority: number,
   *   kind: 'header' | 'data', signal: AbortSignal }) => Promise<Uint8Array[]>, headers?: object,
   *   credentials?: 'omit' | 'same-origin' | 'include', cacheBytes?: number, headerBytes?: number,
   *   signal?: AbortSignal }} [options]
   *   `pool`: run every view in a `WorkerPool`'s workers (`true`: the page's shared pool); the image's
   *   methods and answers stay the same, and the workers read through this thread's engine (one
   *   per-origin limit, one byte cache). Without it (the default) views run in the calling thread.
   *   `engine` defaults to `Engine.shared()`; `read` reads through a callback instead (a worker whose
   *   coordinator owns the engine). `credentials` is `fetch`'s: what the range requests send of the
   *   page's cookies and HTTP authentication. `cacheBytes` is the image's cache of decoded tiles.
   * @returns {Promise<LargeImage>}
   */
  static async open(url, options = {}) {
    const { pool, engine, read, ...rest } = options ?? {};
    const href = String(url);
    if (engine != null && read != null) throw new Error('LargeImage.open(): give engine or read, not both');
    if (engine != null && !(engine instanceof Engine)) throw new TypeError('LargeImage.open(): engine must be an Engine');
    if (read != null && typeof read !== 'function') throw new TypeError('LargeImage.open(): read must be a function');
    if (pool) {
      const p = pool === true ? WorkerPool.shared() : pool;
      if (!(p instanceof WorkerPool)) throw new TypeError('LargeImage.open(): pool must be a WorkerPool or true');
      // The workers read through this thread: the caller's `read`, else the engine.
      return new LargeImage(await p.open(href, { ...rest, read: read ?? null, engine: read ? null : (engine ?? Engine.shared()) }), href);
    }
    await initWasm();
    let inner;
    if (read != null) {
      inner = await wasmBindings.LargeImage.openWithReader(href, rest, read);
    } else {
      inner = await wasmBindings.LargeImage.openWithEngine(href, rest, await (engine ?? Engine.shared()).wasm());
    }
    return new LargeImage(inner, href);
  }

  /** The pool this image runs in, or null. */
  get pool() {
    return this.#inner?.pool ?? null;
  }

  /** The URL this image was opened from. */
  get url() {
    return this.#url;
  }

  /** True once `close()` was called. */
  get closed() {
    return this.#inner == null;
  }

  /** The wasm object, or an error naming `name` when the image was closed. */
  #open(name) {
    if (this.#inner == null) throw new Error(`LargeImage.${name}(): the image was closed`);
    return this.#inner;
  }

  async #call(name, ...args) {
    return this.#open(name)[name](...args);
  }

  /** large_image metadata. @param {{ projection?: string | null }} [options] */
  metadata(options = {}) {
    return this.#call('metadata', options ?? {});
  }

  /** Everything the reader knows: TIFF tags, GeoKeys, GDAL metadata, per-IFD layout. */
  internalMetadata() {
    return this.#call('internalMetadata');
  }

  /** The raw IFD dump in tifftools' JSON shape (django-large-image's `info/tiffdump`). */
  tiffdump() {
    return this.#call('tiffdump');
  }

  /** Per-band info keyed by band number (1-based). */
  bands() {
    return this.#call('bands');
  }

  /** One band's info (`info/band`). @param {{ band?: number }} [options] band number, 1-based (default 1) */
  async band(options = {}) {
    const n = options?.band ?? 1;
    const info = (await this.bands())[String(n)];
    if (info === undefined) throw new Error(`LargeImage.band(): band ${n} does not exist`);
    return info;
  }

  /** django-large-image's `info/frames`: one frame holding every band. */
  frames() {
    return this.#call('frames');
  }

  /** django-large-image's `tiles/metadata`. @param {{ projection?: string | null }} [options] */
  tilesMetadata(options = {}) {
    return this.#call('tilesMetadata', options ?? {});
  }

  /**
   * One tile.
   * @param {number} z
   * @param {number} x
   * @param {number} y
   * @param {{ projection?: string, format?: 'png' | 'jpeg' | 'rgba' | 'imagebitmap', flipY?: boolean, tileSize?: number,
   *   style?: object | string, titiler?: string, bidx?: number | number[], expression?: string,
   *   rescale?: string | number[] | string[], colormapName?: string, colormap?: object | string,
   *   nodata?: number | string, resampling?: 'nearest' | 'bilinear' | 'cubic' | 'auto',
   *   priority?: number | (() => number), signal?: AbortSignal }} [options]
   *   `style` is large_image's style JSON; TiTiler's parameters (as one query string in `titiler`, or one
   *   by one) win over it. `format: 'imagebitmap'` gives an `ImageBitmap` (where `createImageBitmap`
   *   exists; made in the worker with a pool), upside down with `flipY` (as WebGL textures want it).
   *   `resampling: 'auto'`: bilinear where the tile magnifies the source, nearest elsewhere and for
   *   palettes and class colour maps. `priority` orders the tile's requests (lower first: its distance
   *   from the view's centre; with a pool also its place in the pool's queue, a function asked again at
   *   dispatch); `signal` cancels them (queued requests leave the queue, fetches nobody else waits for
   *   are aborted).
   * @returns {Promise<Uint8Array | ImageBitmap>}
   */
  async tile(z, x, y, options = {}) {
    const o = options ?? {};
    if (o.format !== 'imagebitmap' || this.#open('tile').rendersBitmaps) return this.#call('tile', z, x, y, o);
    const { flipY = false, ...rest } = o;
    const size = rest.tileSize ?? 256;
    return rgbaToBitmap(await this.#call('tile', z, x, y, { ...rest, format: 'rgba' }), size, size, flipY);
  }

  /** The tile's corners: full-resolution pixels, or the projection's units with `{ projection }`. */
  tileCorners(z, x, y, options = {}) {
    return this.#call('tileCorners', z, x, y, options ?? {});
  }

  /**
   * The whole image fitted in maxWidth × maxHeight (256 each by default), styled like tiles.
   * @param {{ maxWidth?: number, maxHeight?: number, style?: object | string, format?: 'png' | 'jpeg' | 'rgba' | 'tiff' }} [options]
   * @returns {Promise<Uint8Array>}
   */
  thumbnail(options = {}) {
    return this.#call('thumbnail', options ?? {});
  }

  /**
   * A region: left/top/right/bottom in `units` ('pixels', 'fraction' or 'EPSG:nnnn'; EPSG:4326 by
   * default for georeferenced images), fitted in width × height when given. `format` 'tiff' (the
   * default) gives a GeoTIFF of band values, or of styled RGBA when a style is given; 'png' | 'jpeg' |
   * 'rgba' give the styled image. `titiler`: TiTiler's parameters as one query string (band math,
   * rescale, colormap_name), which win over `style` as for tiles.
   * @param {{ left: number, top: number, right: number, bottom: number, units?: string, width?: number, height?: number, style?: object | string, titiler?: string, format?: 'tiff' | 'png' | 'jpeg' | 'rgba' }} options
   * @returns {Promise<Uint8Array>}
   */
  region(options) {
    return this.#call('region', options ?? {});
  }

  /** @param {{ left: number, top: number, units?: string }} options */
  pixel(options) {
    return this.#call('pixel', options ?? {});
  }

  /**
   * Where a point lies in the file, without reading anything: `{ x, y }` in the file's own CRS (null
   * without georeferencing), the full-resolution `column` and `row` holding it, and `inside`.
   * @param {{ left: number, top: number, units?: string }} options as `pixel` takes them
   * @returns {Promise<{ x: number | null, y: number | null, column: number, row: number, inside: boolean }>}
   */
  locate(options) {
    return this.#call('locate', options ?? {});
  }

  /**
   * Histograms of the level whose larger side has at least `resolution` pixels (256 by default;
   * 'exact' = full resolution, read window by window). `kind` 'rendered' (default) answers as
   * django-large-image (one entry per RGBA channel of the rendered image); 'bands' (or a `band`)
   * counts band values of valid pixels with numpy.histogram's bins. `onProgress(done, total)` is
   * called after each window.
   * @param {{ bins?: number, density?: boolean, onlyMinMax?: boolean, band?: number, resolution?: number | 'exact', kind?: 'rendered' | 'bands', range?: [number, number], style?: object | string, onProgress?: (done: number, total: number) => void }} [options]
   */
  histogram(options = {}) {
    return this.#call('histogram', options ?? {});
  }

  /**
   * COG validation with GDAL's rules (validate_cloud_optimized_geotiff.py).
   * @param {{ fullCheck?: boolean }} [options] fullCheck: also read every block's leader and trailer bytes
   * @returns {Promise<{ valid: boolean, errors: string[], warnings: string[], details: object }>}
   */
  validate(options = {}) {
    return this.#call('validate', options ?? {});
  }

  /** HTTP requests made and bytes received so far. @returns {{ requests: number, bytes: number }} */
  stats() {
    return this.#open('stats').stats();
  }

  /** Release the wasm object. Further calls throw. */
  close() {
    const inner = this.#inner;
    if (inner == null) return;
    this.#inner = null;
    if (typeof inner.close === 'function') inner.close();
    // A `close(&self)` leaves the wasm object alive; a consuming `close(self)` (or none)
    // zeroes wasm-bindgen's pointer. Free it now rather than waiting for the GC.
    if (typeof inner.free === 'function' && inner.__wbg_ptr !== 0) inner.free();
  }
}

/**
 * An `ImageBitmap` of `width` × `height` RGBA bytes (not premultiplied, no colour conversion), upside
 * down with `flipY`.
 */
export async function rgbaToBitmap(rgba, width, height = width, flipY = false) {
  if (typeof createImageBitmap !== 'function' || typeof ImageData !== 'function') {
    throw new Error("LargeImage.tile(): format 'imagebitmap' needs createImageBitmap (a browser or a worker)");
  }
  if (rgba.byteLength !== width * height * 4) {
    throw new Error(`LargeImage.tile(): expected ${width * height * 4} RGBA bytes for ${width} × ${height}, got ${rgba.byteLength}`);
  }
  const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return createImageBitmap(new ImageData(pixels, width, height), {
    imageOrientation: flipY ? 'flipY' : 'from-image',
    premultiplyAlpha: 'none',
    colorSpaceConversion: 'none',
  });
}

/** Names of the colormaps styles and TiTiler's `colormap_name` know (each also reversed with `_r`). */
export async function colormapNames() {
  await initWasm();
  await wasmBindings.loadStyleTables();
  return wasmBindings.colormapNames();
}

/**
 * The colours a large_image style's `palette` of this name spaces evenly over its range (RGBA, 4 bytes
 * each), or undefined for a name it does not know: what a colormap picker draws as the ramp.
 * @param {string} name
 * @returns {Promise<Uint8Array | undefined>}
 */
export async function paletteColors(name) {
  await initWasm();
  await wasmBindings.loadStyleTables();
  return wasmBindings.paletteColors(String(name));
}

export default LargeImage;

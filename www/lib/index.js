// large-image-wasm: the npm entry.
//
// A thin JavaScript face over the wasm-bindgen `LargeImage` class built into `../pkg/`: it
// initialises the wasm module once (lazily) in browsers, workers and Node, and says plainly
// when an image is used after `close()`. Options are read by the Rust core, which refuses
// unknown names.

import init, * as wasmBindings from '../pkg/large_image_wasm.js';
import { WorkerPool } from './pool.js';

export { WorkerPool };

let initPromise = null;

const isNode =
  typeof process !== 'undefined' &&
  process.versions != null &&
  process.versions.node != null &&
  typeof window === 'undefined' &&
  typeof importScripts === 'undefined';

async function defaultWasmInput() {
  const wasmUrl = new URL('../pkg/large_image_wasm_bg.wasm', import.meta.url);
  if (isNode && wasmUrl.protocol === 'file:') {
    // Node's fetch cannot read file: URLs: hand the bytes to wasm-bindgen instead.
    const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
    return fs.readFile(wasmUrl);
  }
  return wasmUrl;
}

/**
 * Initialise the wasm module. Called lazily by `LargeImage.open`; call it yourself to
 * start the download early or to pass your own input (a URL, a Response, bytes, or a
 * `WebAssembly.Module`). Later calls return the first call's promise.
 *
 * @param {URL | string | Request | Response | BufferSource | WebAssembly.Module} [input]
 * @returns {Promise<void>}
 */
export function initWasm(input) {
  if (!initPromise) {
    initPromise = (async () => {
      const moduleOrPath = input ?? (await defaultWasmInput());
      await init({ module_or_path: moduleOrPath });
    })();
    // A failed initialisation may be retried (e.g. with another input).
    initPromise.catch(() => {
      initPromise = null;
    });
  }
  return initPromise;
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
   * @param {{ headers?: object, credentials?: 'omit' | 'same-origin' | 'include', cacheBytes?: number, headerBytes?: number, pool?: WorkerPool | boolean }} [options]
   *   `credentials` is `fetch`'s: what the range requests send of the page's cookies and HTTP authentication.
   *   `pool`: run every view in a `WorkerPool`'s workers (`true`: the page's shared pool); the image's
   *   methods and answers stay the same. Without it (the default) views run in the calling thread.
   * @returns {Promise<LargeImage>}
   */
  static async open(url, options = {}) {
    const { pool, ...rest } = options ?? {};
    const href = String(url);
    if (pool) {
      const p = pool === true ? WorkerPool.shared() : pool;
      if (!(p instanceof WorkerPool)) throw new TypeError('LargeImage.open(): pool must be a WorkerPool or true');
      return new LargeImage(await p.open(href, rest), href);
    }
    await initWasm();
    return new LargeImage(await wasmBindings.LargeImage.open(href, rest), href);
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
   *   nodata?: number | string, resampling?: 'nearest' | 'bilinear' | 'cubic' | 'auto' }} [options]
   *   `style` is large_image's style JSON; TiTiler's parameters (as one query string in `titiler`, or one
   *   by one) win over it. `format: 'imagebitmap'` gives an `ImageBitmap` (where `createImageBitmap`
   *   exists; made in the worker with a pool), upside down with `flipY` (as WebGL textures want it).
   *   `resampling: 'auto'`: bilinear where the tile magnifies the source, nearest elsewhere and for
   *   palettes and class colour maps.
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
   * 'rgba' give the styled image.
   * @param {{ left: number, top: number, right: number, bottom: number, units?: string, width?: number, height?: number, style?: object | string, format?: 'tiff' | 'png' | 'jpeg' | 'rgba' }} options
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
  return wasmBindings.colormapNames();
}

export default LargeImage;

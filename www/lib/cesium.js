// large-image-wasm/cesium: a CesiumJS ImageryProvider that reads a Cloud Optimized GeoTIFF
// with range requests and renders its tiles in the page (no tile server).
//
// Implements Cesium's current ImageryProvider interface (Cesium >= 1.107: no `ready` /
// `readyPromise`; create it with the async factory and hand the promise to
// `Cesium.ImageryLayer.fromProviderAsync`):
//
//   const layer = Cesium.ImageryLayer.fromProviderAsync(
//     LargeImageImageryProvider.fromUrl('https://example.com/some.tif'));
//   viewer.imageryLayers.add(layer);
//
// The module does not import Cesium: it takes the namespace from `options.Cesium` or from
// `globalThis.Cesium` (the classic `Cesium.js` build sets it).

import { LargeImage } from './index.js';

const DEFAULT_MAX_IN_FLIGHT = 8;
// Web mercator stops at this latitude (Cesium's WebMercatorProjection.MaximumLatitude).
const MERCATOR_MAX_LAT = 85.05112877980659;

function cesiumNamespace(options) {
  const Cesium = options?.Cesium ?? globalThis.Cesium;
  if (!Cesium || typeof Cesium.Rectangle !== 'function') {
    throw new Error(
      'LargeImageImageryProvider needs the Cesium namespace: pass { Cesium } or load Cesium.js first',
    );
  }
  return Cesium;
}

const PROJECTIONS = { geographic: 'EPSG:4326', webmercator: 'EPSG:3857' };

/**
 * The deepest level worth requesting: the core's own level count of the projected pyramid
 * (`metadata({ projection }).levels`, counted in 256-pixel tiles), one level less per doubling
 * of the tile size.
 */
function maximumLevelOf(levels, tileSize) {
  return Math.max(0, levels - 1 - Math.log2(tileSize / 256));
}

/** A longitude in degrees brought into [-180, 180). */
function wrapLongitude(lon) {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/**
 * The Cesium rectangle of the data's bounds (degrees, longitudes possibly past 180 for data across the
 * antimeridian), or undefined when the bounds are unusable. Across the antimeridian the rectangle has
 * west > east, which is how Cesium names such a rectangle, so tiles on both sides are requested.
 */
export function dataRectangle(Cesium, b, schemeName) {
  if (!b || ![b.xmin, b.xmax, b.ymin, b.ymax].every(Number.isFinite)) return undefined;
  const latLimit = schemeName === 'webmercator' ? MERCATOR_MAX_LAT : 90;
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const south = clamp(Math.min(b.ymin, b.ymax), -latLimit, latLimit);
  const north = clamp(Math.max(b.ymin, b.ymax), -latLimit, latLimit);
  const [lo, hi] = [Math.min(b.xmin, b.xmax), Math.max(b.xmin, b.xmax)];
  let west = -180;
  let east = 180;
  if (hi - lo < 360) {
    west = wrapLongitude(lo);
    east = wrapLongitude(hi);
    if (east === -180) east = 180;
    if (east === west) return undefined;
  }
  if (!(north > south)) return undefined;
  return Cesium.Rectangle.fromDegrees(west, south, east, north);
}

/** Whether two rectangles (radians; either may cross the antimeridian) share any area. */
function tileTouches(tile, data) {
  const TWO_PI = 2 * Math.PI;
  if (tile.north <= data.south || tile.south >= data.north) return false;
  const span = (r) => (r.east >= r.west ? r.east - r.west : r.east + TWO_PI - r.west);
  // The tile's west edge measured eastwards from the data's west edge.
  const offset = (((tile.west - data.west) % TWO_PI) + TWO_PI) % TWO_PI;
  return offset < span(data) || offset + span(tile) > TWO_PI;
}

const transparent = new Map();
/** A fully transparent tile, made once per size. */
function transparentImage(size) {
  if (!transparent.has(size)) transparent.set(size, rgbaToImage(new Uint8Array(size * size * 4), size, size));
  return transparent.get(size);
}

function toImageData(rgba, width, height) {
  const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return new ImageData(pixels, width, height);
}

/**
 * Turn RGBA bytes into something Cesium can upload. WebGL ignores UNPACK_FLIP_Y for
 * ImageBitmaps, so (like Cesium's own loader) the bitmap is flipped when it is made.
 */
async function rgbaToImage(rgba, width, height) {
  const imageData = toImageData(rgba, width, height);
  if (typeof createImageBitmap === 'function') {
    try {
      return await createImageBitmap(imageData, {
        imageOrientation: 'flipY',
        premultiplyAlpha: 'none',
        colorSpaceConversion: 'none',
      });
    } catch {
      // Options not supported: fall through to a canvas (which WebGL flips itself).
    }
  }
  if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d').putImageData(imageData, 0, 0);
    return canvas;
  }
  throw new Error('LargeImageImageryProvider: no createImageBitmap and no document to draw into');
}

export class LargeImageImageryProvider {
  /**
   * Open a COG and make a provider for it.
   *
   * @param {string | URL} url The COG's URL (range requests).
   * @param {object} [options]
   * @param {object | string} [options.style] large_image style JSON (object or string).
   * @param {'geographic' | 'webmercator'} [options.tilingScheme='geographic']
   * @param {256 | 512} [options.tileSize=256]
   * @param {object} [options.Cesium] The Cesium namespace (default `globalThis.Cesium`).
   * @param {object} [options.open] Options for `LargeImage.open` (headers, headerBytes, …).
   * @param {string | object} [options.credit] A Cesium.Credit or its HTML text.
   * @param {number} [options.minimumLevel=0]
   * @param {number} [options.maximumLevel] Default: the image's native resolution.
   * @param {number} [options.maxInFlight=8] Tiles decoded at once; Cesium retries the rest later.
   * @param {(info: { x: number, y: number, level: number, ms: number }) => void} [options.onTile]
   * @param {object} [options.ellipsoid] Passed to the tiling scheme.
   * @returns {Promise<LargeImageImageryProvider>}
   */
  static async fromUrl(url, options = {}) {
    const Cesium = cesiumNamespace(options);
    const image = await LargeImage.open(url, options.open ?? {});
    try {
      const projection = PROJECTIONS[options.tilingScheme ?? 'geographic'];
      const metadata = await image.metadata();
      // The core's pyramid for the tiling scheme (an unknown scheme is refused by the constructor).
      const levels = projection ? (await image.metadata({ projection })).levels : undefined;
      return new LargeImageImageryProvider({ ...options, Cesium, image, metadata, levels });
    } catch (err) {
      image.close();
      throw err;
    }
  }

  /**
   * Prefer `fromUrl`. The constructor takes an opened `LargeImage` (`options.image`), its
   * metadata (`options.metadata`, with bounds in degrees) and, unless `options.maximumLevel` is
   * given, the level count of its pyramid in the tiling scheme's projection (`options.levels`:
   * `(await image.metadata({ projection })).levels`).
   */
  constructor(options = {}) {
    const Cesium = cesiumNamespace(options);
    const { image, metadata } = options;
    if (!image || !metadata) {
      throw new Error('LargeImageImageryProvider: use `await LargeImageImageryProvider.fromUrl(url)`');
    }
    this._Cesium = Cesium;
    this._image = image;
    this._metadata = metadata;

    const schemeName = options.tilingScheme ?? 'geographic';
    if (schemeName !== 'geographic' && schemeName !== 'webmercator') {
      throw new Error(
        `LargeImageImageryProvider: tilingScheme must be 'geographic' or 'webmercator', not ${JSON.stringify(schemeName)}`,
      );
    }
    this._tilingSchemeName = schemeName;
    this._projection = PROJECTIONS[schemeName];
    const schemeOptions = options.ellipsoid ? { ellipsoid: options.ellipsoid } : {};
    this._tilingScheme =
      schemeName === 'geographic'
        ? new Cesium.GeographicTilingScheme(schemeOptions)
        : new Cesium.WebMercatorTilingScheme(schemeOptions);

    const tileSize = options.tileSize ?? 256;
    if (tileSize !== 256 && tileSize !== 512) {
      throw new Error(`LargeImageImageryProvider: tileSize must be 256 or 512, not ${tileSize}`);
    }
    this._tileSize = tileSize;
    this._style = options.style;

    // Only tiles that touch the image are requested. Data across the antimeridian has a rectangle with
    // west > east (Cesium's way of naming it), but an ImageryLayer intersects its provider's rectangle
    // with its own, by default the whole world, which cuts such a rectangle at 180°; so the provider
    // reports the whole band of longitudes there and answers the tiles of the band that miss the data
    // with a transparent image, without reading anything.
    this._dataRectangle = dataRectangle(Cesium, metadata.bounds, schemeName) ?? this._tilingScheme.rectangle;
    const d = this._dataRectangle;
    this._rectangle = d.west > d.east ? new Cesium.Rectangle(-Math.PI, d.south, Math.PI, d.north) : d;

    this._minimumLevel = options.minimumLevel ?? 0;
    if (options.maximumLevel === undefined && !(options.levels >= 1)) {
      throw new Error(
        'LargeImageImageryProvider: give options.levels ((await image.metadata({ projection })).levels) or options.maximumLevel',
      );
    }
    this._maximumLevel = options.maximumLevel ?? maximumLevelOf(options.levels, tileSize);

    let credit = options.credit;
    if (typeof credit === 'string') credit = new Cesium.Credit(credit);
    this._credit = credit;

    this._errorEvent = new Cesium.Event();
    this._maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this._inFlight = 0;
    this._onTile = typeof options.onTile === 'function' ? options.onTile : null;
    this._tilesLoaded = 0;
  }

  /** The opened image (`LargeImage`): metadata, stats, other views. */
  get image() {
    return this._image;
  }

  /** The image's large_image metadata (pixel space, bounds in degrees). */
  get metadata() {
    return this._metadata;
  }

  /** Tiles delivered so far. */
  get tilesLoaded() {
    return this._tilesLoaded;
  }

  get tilingScheme() {
    return this._tilingScheme;
  }

  /** The data's own rectangle (west > east across the antimeridian). */
  get dataRectangle() {
    return this._dataRectangle;
  }

  get rectangle() {
    return this._rectangle;
  }

  get tileWidth() {
    return this._tileSize;
  }

  get tileHeight() {
    return this._tileSize;
  }

  get minimumLevel() {
    return this._minimumLevel;
  }

  get maximumLevel() {
    return this._maximumLevel;
  }

  get tileDiscardPolicy() {
    return undefined;
  }

  get errorEvent() {
    return this._errorEvent;
  }

  get credit() {
    return this._credit;
  }

  get proxy() {
    return undefined;
  }

  /** Tiles at the image's edges and outside it are transparent. */
  get hasAlphaChannel() {
    return true;
  }

  getTileCredits(_x, _y, _level) {
    return undefined;
  }

  /**
   * @returns {Promise<ImageBitmap | HTMLCanvasElement> | undefined} undefined when too many
   *   tiles are in flight: Cesium then asks again on a later frame.
   */
  requestImage(x, y, level, _request) {
    if (!tileTouches(this._tilingScheme.tileXYToRectangle(x, y, level), this._dataRectangle)) {
      return transparentImage(this._tileSize);
    }
    if (this._inFlight >= this._maxInFlight) return undefined;
    this._inFlight += 1;
    const started = typeof performance !== 'undefined' ? performance.now() : Date.now();
    const size = this._tileSize;
    const tileOptions = { projection: this._projection, format: 'rgba', tileSize: size };
    if (this._style !== undefined) tileOptions.style = this._style;
    return (async () => {
      try {
        const rgba = await this._image.tile(level, x, y, tileOptions);
        if (!(rgba instanceof Uint8Array) || rgba.byteLength !== size * size * 4) {
          throw new Error(
            `tile ${level}/${x}/${y}: expected ${size * size * 4} RGBA bytes, got ${rgba?.byteLength}`,
          );
        }
        const img = await rgbaToImage(rgba, size, size);
        this._tilesLoaded += 1;
        if (this._onTile) {
          const now = typeof performance !== 'undefined' ? performance.now() : Date.now();
          try {
            this._onTile({ x, y, level, ms: now - started });
          } catch {
            // A listener's bug must not fail the tile.
          }
        }
        return img;
      } finally {
        this._inFlight -= 1;
      }
    })();
  }

  /** Feature picking is not supported. */
  pickFeatures(_x, _y, _level, _longitude, _latitude) {
    return undefined;
  }

  /** Close the underlying image. */
  destroy() {
    this._image?.close();
  }
}

export default LargeImageImageryProvider;

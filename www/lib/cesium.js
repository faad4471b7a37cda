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
//
// In a browser the tiles are made in the page's shared WorkerPool (decode, warp, style, encode off the
// main thread; ImageBitmaps transferred back); with `scene` the provider orders its tiles by their
// distance from the view's centre and cancels those the camera left.

import { LargeImage, WorkerPool, rgbaToBitmap } from './index.js';

/** Tiles waiting or being made at once; past it Cesium asks again on a later frame. */
const DEFAULT_MAX_QUEUED = 64;
/** Without a pool, tiles made at once on the main thread. */
const DEFAULT_MAX_IN_FLIGHT_UNPOOLED = 8;
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
/** A fully transparent tile, made once per size (never closed: every provider shares it). */
function transparentImage(size) {
  if (!transparent.has(size)) transparent.set(size, rgbaToBitmap(new Uint8Array(size * size * 4), size, size));
  return transparent.get(size);
}

/** The options `fromUrl` reads; any other name is refused. */
const FROM_URL_OPTIONS = [
  'Cesium',
  'style',
  'render',
  'tilingScheme',
  'tileSize',
  'open',
  'pool',
  'scene',
  'credit',
  'minimumLevel',
  'maximumLevel',
  'maxQueued',
  'resampling',
  'enablePickFeatures',
  'onTile',
  'ellipsoid',
];

/** Tile options a render sets: large_image's style JSON, or TiTiler's parameters (which win over it). */
const RENDER_KEYS = ['style', 'titiler', 'bidx', 'expression', 'rescale', 'colormapName', 'colormap', 'nodata'];

/** `render` checked: an object of RENDER_KEYS (undefined values dropped); null/undefined is `{}`. */
function renderOf(render, where) {
  if (render == null) return {};
  if (typeof render !== 'object' || Array.isArray(render)) {
    throw new TypeError(`${where}: a render is an object of ${RENDER_KEYS.join(', ')}`);
  }
  const unknown = Object.keys(render).filter((k) => !RENDER_KEYS.includes(k));
  if (unknown.length) throw new TypeError(`${where}: unknown render option ${unknown.join(', ')} (${RENDER_KEYS.join(', ')})`);
  return Object.fromEntries(Object.entries(render).filter(([, v]) => v !== undefined));
}

/** The default pool: the page's shared one where module workers exist (browsers), none in Node. */
function defaultPool() {
  return typeof Worker === 'function' && typeof window !== 'undefined' ? WorkerPool.shared() : null;
}

/**
 * How far (radians on the unit sphere, approximately) the nearest point of `rect` lies from `centre`
 * ({ longitude, latitude }): 0 for a rectangle holding it.
 */
function distanceToRectangle(rect, centre) {
  const TWO_PI = 2 * Math.PI;
  const span = rect.east >= rect.west ? rect.east - rect.west : rect.east + TWO_PI - rect.west;
  const offset = (((centre.longitude - rect.west) % TWO_PI) + TWO_PI) % TWO_PI;
  const dLon = offset <= span ? 0 : Math.min(offset - span, TWO_PI - offset);
  const lat = Math.min(rect.north, Math.max(rect.south, centre.latitude));
  const dLat = Math.abs(centre.latitude - lat);
  return Math.hypot(dLon * Math.cos(lat), dLat);
}

/** `rect` grown by `dLon` and `dLat` radians on each side (latitudes kept in ±π/2). */
function grown(Cesium, rect, dLon, dLat) {
  const TWO_PI = 2 * Math.PI;
  const span = rect.east >= rect.west ? rect.east - rect.west : rect.east + TWO_PI - rect.west;
  if (span + 2 * dLon >= TWO_PI) {
    return new Cesium.Rectangle(-Math.PI, Math.max(-Math.PI / 2, rect.south - dLat), Math.PI, Math.min(Math.PI / 2, rect.north + dLat));
  }
  const wrap = (lon) => ((((lon + Math.PI) % TWO_PI) + TWO_PI) % TWO_PI) - Math.PI;
  return new Cesium.Rectangle(
    wrap(rect.west - dLon),
    Math.max(-Math.PI / 2, rect.south - dLat),
    wrap(rect.east + dLon),
    Math.min(Math.PI / 2, rect.north + dLat),
  );
}

/** Screen points per side sampled to find what of the globe is in view. */
const VIEW_SAMPLES = 7;

/**
 * What of the globe the camera sees: `centre` (the point under the middle of the screen, else the one
 * under the camera) and `rect`, the rectangle around the globe points under a 7 × 7 grid of screen
 * points (all longitudes when a pole is near; undefined when no point of the grid is on the globe).
 * Cesium's `computeViewRectangle` gives the whole world as soon as the globe's edge is in view, which
 * would keep every tile.
 */
function visibleArea(Cesium, scene) {
  const { camera, canvas } = scene;
  const ellipsoid = scene.globe?.ellipsoid ?? Cesium.Ellipsoid.default ?? Cesium.Ellipsoid.WGS84;
  const at = (fx, fy) => {
    const c = camera.pickEllipsoid(new Cesium.Cartesian2(canvas.clientWidth * fx, canvas.clientHeight * fy), ellipsoid);
    return c && ellipsoid.cartesianToCartographic(c);
  };
  const centre = at(0.5, 0.5) ?? camera.positionCartographic;
  const hits = [];
  for (let i = 0; i < VIEW_SAMPLES; i++) {
    for (let j = 0; j < VIEW_SAMPLES; j++) {
      const g = at(i / (VIEW_SAMPLES - 1), j / (VIEW_SAMPLES - 1));
      if (g) hits.push(g);
    }
  }
  const view = { centre: { longitude: centre.longitude, latitude: centre.latitude }, rect: undefined };
  if (!hits.length) return view;
  const south = Math.min(...hits.map((g) => g.latitude));
  const north = Math.max(...hits.map((g) => g.latitude));
  const POLAR = (75 * Math.PI) / 180;
  if (north > POLAR || south < -POLAR) {
    view.rect = new Cesium.Rectangle(-Math.PI, south, Math.PI, north);
    return view;
  }
  // The shortest run of longitudes holding every hit: everything but the widest gap between them.
  const lons = hits.map((g) => g.longitude).sort((a, b) => a - b);
  let gap = lons[0] + 2 * Math.PI - lons[lons.length - 1];
  let west = lons[0];
  let east = lons[lons.length - 1];
  for (let k = 1; k < lons.length; k++) {
    if (lons[k] - lons[k - 1] > gap) {
      gap = lons[k] - lons[k - 1];
      west = lons[k];
      east = lons[k - 1];
    }
  }
  view.rect = new Cesium.Rectangle(west, south, east, north);
  return view;
}

export class LargeImageImageryProvider {
  /**
   * Open a COG and make a provider for it.
   *
   * @param {string | URL} url The COG's URL (range requests).
   * @param {object} [options]
   * @param {object | string} [options.style] large_image style JSON (object or string); see `setStyle`.
   * @param {object} [options.render] Tile options beyond the style: TiTiler's `expression`, `rescale`,
   *   `colormapName`, `colormap`, `bidx`, `nodata` or `titiler` (one query string); see `setRender`.
   * @param {'geographic' | 'webmercator'} [options.tilingScheme='geographic']
   * @param {256 | 512} [options.tileSize=512] Pixels a side of each tile Cesium is given (512: a quarter
   *   as many tiles for the same detail, the default; 256: smaller tiles at the edges of a view).
   * @param {object} [options.Cesium] The Cesium namespace (default `globalThis.Cesium`).
   * @param {object} [options.open] Options for `LargeImage.open` (headers, credentials, headerBytes, …).
   * @param {WorkerPool | boolean} [options.pool] Where tiles are made: a `WorkerPool`, `true` or by default
   *   the page's shared pool (browsers), `false` for the main thread.
   * @param {object} [options.scene] The `Cesium.Scene` the layer is shown in (`viewer.scene`): tiles are
   *   then made nearest the view's centre first, and those the camera left are cancelled.
   * @param {string | object} [options.credit] A Cesium.Credit or its HTML text.
   * @param {number} [options.minimumLevel=0]
   * @param {number} [options.maximumLevel] Default: the level of the image's native resolution.
   * @param {number} [options.maxQueued=64] Tiles waiting or being made at once (8 without a pool);
   *   Cesium asks again for the rest on a later frame.
   * @param {'auto' | 'nearest' | 'bilinear' | 'cubic'} [options.resampling='auto'] `auto`: bilinear where
   *   a tile magnifies the source (close up, past the file's resolution), nearest elsewhere and for
   *   palettes and class colour maps.
   * @param {boolean} [options.enablePickFeatures=true] Answer `pickFeatures` with the pixel's values.
   * @param {(info: { x: number, y: number, level: number, ms: number }) => void} [options.onTile]
   * @param {object} [options.ellipsoid] Passed to the tiling scheme.
   * @returns {Promise<LargeImageImageryProvider>}
   */
  static async fromUrl(url, options = {}) {
    const unknown = Object.keys(options ?? {}).filter((k) => !FROM_URL_OPTIONS.includes(k));
    if (unknown.length) {
      throw new TypeError(`LargeImageImageryProvider.fromUrl: unknown option ${unknown.join(', ')} (${FROM_URL_OPTIONS.join(', ')})`);
    }
    const Cesium = cesiumNamespace(options);
    const pool = options.pool === undefined ? defaultPool() : options.pool || null;
    const image = await LargeImage.open(url, { ...(options.open ?? {}), ...(pool ? { pool } : {}) });
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
   * `(await image.metadata({ projection })).levels`); the other options are `fromUrl`'s.
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

    // 512 by default: a view needs a quarter as many tiles of the same texel density, and Cesium fewer
    // frames to a loaded globe (docs/benchmarks.md, the Cesium globe, run 7).
    const tileSize = options.tileSize ?? 512;
    if (tileSize !== 256 && tileSize !== 512) {
      throw new Error(`LargeImageImageryProvider: tileSize must be 256 or 512, not ${tileSize}`);
    }
    this._tileSize = tileSize;
    this._render = renderOf({ ...(options.render ?? {}), style: options.style ?? options.render?.style }, 'LargeImageImageryProvider');
    this._resampling = options.resampling ?? 'auto';

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
    this._pooled = image.pool != null;
    this._maxQueued = options.maxQueued ?? (this._pooled ? DEFAULT_MAX_QUEUED : DEFAULT_MAX_IN_FLIGHT_UNPOOLED);
    this._enablePickFeatures = options.enablePickFeatures ?? true;
    this._onTile = typeof options.onTile === 'function' ? options.onTile : null;
    /** Tiles asked for and not yet answered: { x, y, level, rect, request, controller, cancelled }. */
    this._pending = new Set();
    this._counts = { requested: 0, delivered: 0, cancelled: 0, failed: 0, transparent: 0 };
    this._destroyed = false;

    this._scene = options.scene ?? null;
    this._view = null;
    this._lastView = null;
    if (this._scene) {
      this._removeFrameListener = this._scene.postRender.addEventListener(() => this._onFrame());
      const layers = this._scene.imageryLayers;
      if (layers?.layerRemoved) {
        this._removeLayerListener = layers.layerRemoved.addEventListener((layer) => this._onLayerRemoved(layer));
      }
    }
  }

  /**
   * A layer of the scene left it: when it shows this provider, drop its texture reprojections still
   * waiting. Cesium's ImageryLayer queues the reprojection of a web mercator tile (a compute command that
   * holds a reference to the tile's Imagery) during one frame and hands it to the frame after; a layer
   * removed in between never runs nor cancels them, so those Imagery and their textures live on with the
   * page. Cesium's globe frees the layer's tiles before this listener runs; cancelling releases the
   * commands' references, which frees the rest.
   */
  _onLayerRemoved(layer) {
    if (layer?.imageryProvider !== this) return;
    const commands = layer._reprojectComputeCommands;
    if (Array.isArray(commands) && commands.length && typeof layer.cancelReprojections === 'function' && !layer.isDestroyed?.()) {
      layer.cancelReprojections();
    }
    if (this._destroyed && !this._shownInScene()) this._stopListeningForLayers();
  }

  /** Whether a layer of the scene still shows this provider. */
  _shownInScene() {
    const layers = this._scene?.imageryLayers;
    if (!layers) return false;
    for (let i = 0; i < layers.length; i++) if (layers.get(i).imageryProvider === this) return true;
    return false;
  }

  _stopListeningForLayers() {
    this._removeLayerListener?.();
    this._removeLayerListener = undefined;
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
    return this._counts.delivered;
  }

  /** Tiles requested, delivered, cancelled (the camera left them), failed, and answered transparent. */
  stats() {
    return { ...this._counts, pending: this._pending.size };
  }

  /** The large_image style tiles are drawn in. */
  get style() {
    return this._render.style;
  }

  /** Every tile option the tiles are drawn with (`style` and TiTiler's parameters); a copy. */
  get render() {
    return { ...this._render };
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

  /**
   * Raised by Cesium's ImageryLayer with a `TileProviderError` when a tile fails (the promise of
   * `requestImage` rejects with our error: URL, byte range, status, reason); a listener that sets
   * `error.retry = true` makes Cesium ask for the tile again.
   */
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
   * A tile as an ImageBitmap (made in the pool's worker). A tile the camera left before it was made is
   * cancelled: the promise rejects with an AbortError and `request.state` is `RequestState.CANCELLED`, so
   * the ImageryLayer forgets it and asks again if it comes back into view.
   *
   * @returns {Promise<ImageBitmap> | undefined} undefined when `maxQueued` tiles are waiting: Cesium
   *   then asks again on a later frame.
   */
  requestImage(x, y, level, request) {
    const rect = this._tilingScheme.tileXYToRectangle(x, y, level);
    if (!tileTouches(rect, this._dataRectangle)) {
      this._counts.transparent += 1;
      return transparentImage(this._tileSize);
    }
    if (this._destroyed || this._pending.size >= this._maxQueued) return undefined;
    const tile = { x, y, level, rect, request, controller: new AbortController(), cancelled: false };
    this._pending.add(tile);
    this._counts.requested += 1;
    const started = performance.now();
    const size = this._tileSize;
    const tileOptions = {
      projection: this._projection,
      format: 'imagebitmap',
      flipY: true,
      tileSize: size,
      resampling: this._resampling,
    };
    Object.assign(tileOptions, this._render);
    // The engine orders the tile's reads by it and drops them on cancel; with a pool also its place in
    // the pool's queue (a function, asked again when a worker comes free).
    tileOptions.signal = tile.controller.signal;
    tileOptions.priority = this._pooled ? () => this._priorityOf(tile) : this._priorityOf(tile);
    return this._image.tile(level, x, y, tileOptions).then(
      (bitmap) => {
        this._pending.delete(tile);
        this._counts.delivered += 1;
        if (this._onTile) {
          try {
            this._onTile({ x, y, level, ms: performance.now() - started });
          } catch {
            // A listener's bug must not fail the tile.
          }
        }
        return bitmap;
      },
      (err) => {
        this._pending.delete(tile);
        if (tile.cancelled) {
          if (request) request.state = this._Cesium.RequestState.CANCELLED;
        } else {
          this._counts.failed += 1;
        }
        throw err;
      },
    );
  }

  /** Lower first: tiles nearest the view's centre, then coarser ones. */
  _priorityOf(tile) {
    if (!this._view) return tile.level;
    return distanceToRectangle(tile.rect, this._view.centre) + tile.level * 1e-6;
  }

  /** After each frame: when the camera moved, note the view's centre and cancel tiles outside the view. */
  _onFrame() {
    if (this._pending.size === 0 || this._destroyed) return;
    const { camera } = this._scene;
    const Cesium = this._Cesium;
    if (this._lastView && Cesium.Matrix4.equalsEpsilon(camera.viewMatrix, this._lastView, 1e-12)) return;
    this._lastView = Cesium.Matrix4.clone(camera.viewMatrix, this._lastView);
    this._view = visibleArea(Cesium, this._scene);
    const rect = this._view.rect;
    if (!rect) return;
    for (const tile of this._pending) {
      // A tile's own size of margin: tiles Cesium loads just past the edges stay.
      const t = tile.rect;
      const w = t.east >= t.west ? t.east - t.west : t.east + 2 * Math.PI - t.west;
      if (!tileTouches(t, grown(Cesium, rect, w, t.north - t.south))) this._cancel(tile);
    }
  }

  /** Drop `tile`: out of the pool's queue, or its reads aborted in the engine. */
  _cancel(tile) {
    // Without a pool the engine drops the tile's reads still queued or aborts its fetches; decoding
    // that has begun on the main thread runs to its end.
    if (tile.cancelled) return;
    tile.cancelled = true;
    this._counts.cancelled += 1;
    tile.controller.abort();
  }

  /**
   * Draw the tiles in another large_image style (object or JSON text; `undefined`: the default) without a
   * new layer: waiting tiles of the old style are cancelled, and the layers showing this provider ask
   * for every tile again — through the reload hook Cesium gives its providers once their layer is shown
   * (which keeps the old tiles on screen until the new ones are ready, as for Cesium's own time-dynamic
   * WMS/WMTS layers), else by removing each such layer from `scene.imageryLayers` and adding the same
   * layer object back at the same index (`destroy = false`). With the `scene` option, a scene in
   * `requestRenderMode` is asked for a frame, so the new tiles load without waiting for a camera move.
   * @returns {number} the layers re-rendered
   */
  setStyle(style) {
    return this.setRender(style === undefined ? {} : { style });
  }

  /**
   * Like `setStyle`, for every tile option a render sets: `{ style }` and/or TiTiler's `expression`,
   * `rescale`, `colormapName`, `colormap`, `bidx`, `nodata`, `titiler` (these win over the style, as in
   * `LargeImage.tile`). The render is replaced as a whole; `{}` draws the file's own colours.
   * @returns {number} the layers re-rendered
   */
  setRender(render) {
    this._render = renderOf(render, 'setRender');
    for (const tile of this._pending) this._cancel(tile);
    if (typeof this._reload === 'function') {
      this._reload();
      // A scene in requestRenderMode draws (and so loads the tiles again) only when asked.
      this._scene?.requestRender();
      return 1;
    }
    const layers = this._scene?.imageryLayers;
    if (!layers) return 0;
    let n = 0;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers.get(i);
      if (layer.imageryProvider !== this) continue;
      layers.remove(layer, false);
      layers.add(layer, i);
      n += 1;
    }
    return n;
  }

  /**
   * Every band's value at the clicked point and its colour in the current style (not given under a
   * TiTiler render), as one
   * `ImageryLayerFeatureInfo` (none outside the image); undefined when `enablePickFeatures` is false.
   * @returns {Promise<ImageryLayerFeatureInfo[]> | undefined}
   */
  pickFeatures(_x, _y, _level, longitude, latitude) {
    if (!this._enablePickFeatures) return undefined;
    const Cesium = this._Cesium;
    const lon = Cesium.Math.toDegrees(longitude);
    const lat = Cesium.Math.toDegrees(latitude);
    const options = { left: lon, top: lat, units: 'EPSG:4326' };
    const { style, ...titiler } = this._render;
    if (style !== undefined) options.style = style;
    // The colour is the style's; a TiTiler render (band math) is not known to `pixel`, so none is given.
    const colourKnown = Object.keys(titiler).length === 0;
    return this._image.pixel(options).then((pixel) => {
      if (!pixel?.bands) return [];
      const info = new Cesium.ImageryLayerFeatureInfo();
      const properties = {};
      for (const [band, value] of Object.entries(pixel.bands)) properties[`band ${band}`] = value;
      if (colourKnown) properties.colour = `rgba(${pixel.r}, ${pixel.g}, ${pixel.b}, ${+(pixel.a / 255).toFixed(3)})`;
      info.name = `${lat.toFixed(5)}°, ${lon.toFixed(5)}°`;
      info.position = Cesium.Cartographic.fromRadians(longitude, latitude);
      info.data = pixel;
      info.properties = properties;
      info.configureDescriptionFromProperties(properties);
      return [info];
    });
  }

  /** True once `destroy()` was called. */
  isDestroyed() {
    return this._destroyed;
  }

  /**
   * Cancel waiting tiles, stop watching the camera and close the image (its workers' copies too).
   * Cesium does not destroy providers: call it after removing the layer.
   */
  destroy() {
    if (this._destroyed) return;
    this._destroyed = true;
    for (const tile of this._pending) this._cancel(tile);
    this._removeFrameListener?.();
    // A layer still showing the provider keeps the layer listener until it leaves the scene.
    if (!this._shownInScene()) this._stopListeningForLayers();
    this._image?.close();
  }
}

export default LargeImageImageryProvider;

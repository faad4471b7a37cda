// Types of large-image-wasm (www/lib/index.js): the LargeImage class over a COG read with range requests,
// and the fetch Engine those requests go through.

/** large_image style JSON (https://girder.github.io/large_image/tilesource_options.html#style). */
export type Style = Record<string, unknown> | string;

/** What `fetch` sends of the page's cookies and HTTP authentication. */
export type Credentials = 'omit' | 'same-origin' | 'include';

/** A range of bytes: `[start, end)`, end exclusive. */
export type ByteRange = [number, number];

/** Which cache budget a read's bytes go to: the TIFF's header (IFDs, tile offsets) or tile data. */
export type ReadKind = 'header' | 'data';

/** What an `open({ read })` callback is told with each batch of ranges. */
export interface ReadHints {
  /** Lower first (a tile's distance from the view's centre). */
  priority: number;
  kind: ReadKind;
  /** Aborted when no one wants the bytes any more. */
  signal: AbortSignal;
}

/** Reads `ranges` of the image's file → one `Uint8Array` per range, in input order. */
export type RangeReader = (ranges: ByteRange[], hints: ReadHints) => Promise<Uint8Array[]>;

export interface OpenOptions {
  /** The fetch engine to read through (default `Engine.shared()`); not with `read`. */
  engine?: Engine;
  /** Read through a callback instead of an engine (e.g. a worker whose coordinator owns the engine). */
  read?: RangeReader;
  /** Sent with every range request (e.g. `Authorization`). */
  headers?: Record<string, string>;
  credentials?: Credentials;
  /** Cancels the open. */
  signal?: AbortSignal;
  /** Budget of the decoded-tile cache, in bytes (default 64 MiB). */
  cacheBytes?: number;
  /** Size of the first read, in bytes (default 64 KiB). */
  headerBytes?: number;
  /**
   * Run every view in a `WorkerPool`'s workers (`true`: the page's shared pool); the image's methods and
   * answers stay the same, and the workers read through this thread's `engine` (or `read`): one
   * per-origin limit and one byte cache for the page. Without it views run in the calling thread.
   */
  pool?: WorkerPool | boolean;
  /** Tiles per fixed request group of a row (default 1: every tile in its own byte range). */
  tileGroup?: number;
}

/** Every view takes a `signal`. */
export interface SignalOptions {
  /** Cancels the view: its queued requests leave the queue, fetches nobody else waits for are aborted. */
  signal?: AbortSignal;
}

/** A tile's options also order its requests. */
export interface ViewOptions extends SignalOptions {
  /**
   * Lower first (default 0): a tile's distance from the view's centre. With a pool also the job's place in
   * the pool's queue, and a function is asked again each time a worker comes free.
   */
  priority?: number | (() => number);
}

export interface EngineOptions {
  /** Requests in flight per origin (default 6). */
  concurrency?: number;
  /** Byte cache for header and tile bytes, in bytes (default 64 MiB). */
  cacheBytes?: number;
  /** No answer, or a body stalled this long, in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Retries per request for 5xx, 429, dropped connections and timeouts (default 4). */
  retries?: number;
  /** Longest total wait between the tries of one request, in milliseconds (default 30000). */
  retryBudgetMs?: number;
  /** First backoff in milliseconds, doubled each retry (default 200). */
  retryBaseMs?: number;
  /** Largest file read whole from a server that ignores Range, in bytes (default 0: such a server is an error). */
  readWholeUpTo?: number;
}

export interface EngineReadOptions extends ViewOptions {
  headers?: Record<string, string>;
  credentials?: Credentials;
  /** Which cache budget the bytes go to (default `'data'`). */
  kind?: ReadKind;
}

/** What an engine did so far. */
export interface EngineStats {
  /** HTTP requests sent (each retry counts). */
  requests: number;
  /** Body bytes received. */
  bytes: number;
  /** Ranges answered from the byte cache. */
  hits: number;
  /** Ranges answered by a fetch another read had started. */
  shared: number;
  retries: number;
  /** Requests dropped from the queue before they were sent. */
  cancelled: number;
  /** Fetches aborted once no one wanted them. */
  aborted: number;
  errors: number;
  timeouts: number;
  queued: number;
  active: number;
  peakActive: number;
  cacheHeaderBytes: number;
  cacheDataBytes: number;
}

/**
 * The fetch engine: range requests with a per-origin limit, priority, cancellation, a byte cache,
 * timeouts and retries.
 */
export class Engine {
  constructor(options?: EngineOptions);
  /** The engine of this JS realm (page, worker, service worker), which `LargeImage.open` uses by default. */
  static shared(): Engine;
  /** True for `Engine.shared()`. */
  readonly isShared: boolean;
  /** Reads byte ranges of a URL → one `Uint8Array` per range, in input order. */
  read(url: string | URL, ranges: ByteRange[], options?: EngineReadOptions): Promise<Uint8Array[]>;
  stats(): EngineStats;
}

export interface WorkerPoolOptions {
  /** Workers (default `navigator.hardwareConcurrency − 1`, at least 1, at most 8). */
  size?: number;
  /** Jobs one worker runs at once (default 2). */
  jobsPerWorker?: number;
  /** The worker module (default `./worker.js` beside pool.js). */
  workerUrl?: string | URL;
  /**
   * Images on the default engine read through the pool's network worker (`net-worker.js`, holding the
   * one engine of every worker's reads, off the main thread); default true. False: through
   * `Engine.shared()` of the calling thread.
   */
  network?: boolean;
  /** The network worker's module (default `./net-worker.js` beside pool.js). */
  networkUrl?: string | URL;
}

export interface WorkerPoolStats {
  size: number;
  workers: number;
  queued: number;
  running: number;
  openImages: number;
  done: number;
  failed: number;
  cancelled: number;
  affinityHits: number;
  affinityMisses: number;
  restarted: number;
}

/** Module Web Workers (Node: worker_threads) that decode, warp, style and encode off the calling thread. */
export class WorkerPool {
  constructor(options?: WorkerPoolOptions);
  /** The pool every image and layer of the page shares, made on first use. */
  static shared(): WorkerPool;
  /** Whether this environment can run a pool. */
  static readonly supported: boolean;
  readonly size: number;
  readonly disposed: boolean;
  stats(): WorkerPoolStats;
  /**
   * What the engine of the workers' reads did so far: the network worker's engine, or this thread's
   * `Engine.shared()` when the pool has none.
   */
  networkStats(): Promise<EngineStats>;
  /** Terminates every worker; queued and running jobs reject, later calls too. */
  dispose(): void;
}

export interface Point {
  x: number;
  y: number;
}

export interface Bounds {
  ll: Point;
  ul: Point;
  lr: Point;
  ur: Point;
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
  srs: string;
}

export interface BandInfo {
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  stdev?: number | null;
  nodata?: number | null;
  scale?: number;
  offset?: number;
  interpretation?: string;
  [key: string]: unknown;
}

/** large_image's metadata (`info/metadata`). */
export interface Metadata {
  levels: number;
  sizeX: number;
  sizeY: number;
  tileWidth: number;
  tileHeight: number;
  magnification: number | null;
  mm_x: number | null;
  mm_y: number | null;
  dtype: string;
  bandCount: number;
  geospatial: boolean;
  sourceLevels?: number;
  sourceSizeX?: number;
  sourceSizeY?: number;
  projection: string | null;
  bounds?: Bounds | null;
  sourceBounds?: Bounds | null;
  bands: Record<string, BandInfo>;
  frames: false | unknown[];
  [key: string]: unknown;
}

/** django-large-image's `tiles/metadata`. */
export interface TilesMetadata {
  levels: number;
  size_x: number;
  size_y: number;
  tile_size: number;
  geospatial: boolean;
  additional_metadata: Metadata;
}

export interface TileCorners {
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
}

export interface Frames {
  frames: { frame: string; bands: { index: number | string; frame: number | null; name: string }[] }[];
}

export type Projection = 'EPSG:3857' | 'EPSG:4326' | 'EPSG:900913' | string | null;
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'rgba' | 'tiff';

export interface TileOptions extends ViewOptions {
  /** With a pool: jobs with the same key go to the same worker when it is free (default: the tile's 2 × 2 block). */
  affinity?: string | number;
  projection?: Projection;
  format?: ImageFormat | 'imagebitmap';
  /** With `format: 'imagebitmap'`: upside down, as WebGL textures want it. */
  flipY?: boolean;
  tileSize?: number;
  style?: Style;
  /** `auto`: bilinear where the tile magnifies the source, nearest elsewhere and for palettes and classes. */
  resampling?: 'nearest' | 'bilinear' | 'cubic' | 'auto';
  /** TiTiler's parameters as one query string (`bidx=1&rescale=0,3000&colormap_name=viridis`)… */
  titiler?: string;
  /** …or one by one. */
  bidx?: number | number[];
  expression?: string;
  rescale?: string | number[] | string[];
  colormapName?: string;
  colormap?: Record<string, unknown> | string;
  nodata?: number | string;
}

export interface ThumbnailOptions extends SignalOptions {
  maxWidth?: number;
  maxHeight?: number;
  style?: Style;
  format?: ImageFormat;
}

export interface RegionOptions extends SignalOptions {
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** `pixels`, `fraction` or `EPSG:nnnn` (EPSG:4326 by default for georeferenced images). */
  units?: string;
  width?: number;
  height?: number;
  style?: Style;
  /** TiTiler's parameters as one query string (`expression=…&rescale=…&colormap_name=…`); they win over `style`. */
  titiler?: string;
  format?: ImageFormat;
}

/** The answer of `locate`. */
export interface Location {
  /** In the file's CRS; null without georeferencing. */
  x: number | null;
  y: number | null;
  column: number;
  row: number;
  inside: boolean;
}

export interface PixelOptions extends SignalOptions {
  left: number;
  top: number;
  units?: string;
}

/** `data/pixel`: band values, and the styled colour; `{}` outside the image. */
export interface Pixel {
  bands?: Record<string, number | null>;
  value?: number[];
  r?: number;
  g?: number;
  b?: number;
  a?: number;
  [key: string]: unknown;
}

export interface HistogramOptions extends SignalOptions {
  bins?: number;
  density?: boolean;
  onlyMinMax?: boolean;
  band?: number;
  resolution?: number | 'exact';
  kind?: 'rendered' | 'bands';
  range?: [number, number];
  style?: Style;
  onProgress?: (done: number, total: number) => void;
}

export interface HistogramEntry {
  min: number;
  max: number;
  mean?: number;
  stdev?: number;
  range: [number, number];
  hist: number[];
  bin_edges: number[];
  bins: number;
  density: boolean;
  samples: number;
  [key: string]: unknown;
}

export type Histogram = HistogramEntry[] | { min: number[]; max: number[]; mean: number[]; stdev: number[] };

export interface ValidationReport {
  valid: boolean;
  errors: string[];
  warnings: string[];
  details: Record<string, unknown>;
}

/** An error of the core: its message names the URL, byte range and reason. */
export interface LargeImageError extends Error {
  kind: 'fetch' | 'truncated' | 'notTiff' | 'format' | 'unsupported' | 'limit' | 'decode' | 'usage';
  /** The HTTP status of a failed fetch. */
  status?: number;
  url?: string;
}

/**
 * Initialises the wasm module (lazily called by `LargeImage.open`) and loads its EPSG table
 * (`pkg/epsg.bin`, next to the wasm unless `epsgInput` names it). Without `input`, the SIMD build
 * (`pkg/large_image_wasm_simd_bg.wasm`) where the engine has simd128, else the plain build
 * (`pkg/large_image_wasm_bg.wasm`): the same samples either way (`wasmInfo()` says which runs). The codec module (ZSTD, WebP
 * and LERC decoding: `pkg/codecs_simd.wasm` where the engine has simd128, else `pkg/codecs.wasm`) is
 * loaded the first time an opened image needs it, from next to the wasm unless `codecsInput` names it; the projection module (`pkg/large_image_proj_bg.wasm`: proj4rs) the first
 * time an image in a CRS other than EPSG:4326 and EPSG:3857 opens or a view's `units` name one,
 * unless `projInput` names it; the colormaps and palettes (`pkg/colormaps.bin`, `pkg/palettes.bin`)
 * and the CSS colour parser (`pkg/colours.wasm`) the first time a view is styled, from next to the wasm.
 */
export function initWasm(
  input?: URL | string | Request | Response | BufferSource | WebAssembly.Module,
  epsgInput?: URL | string | Request | Response | BufferSource,
  codecsInput?: URL | string | Request | Response | BufferSource | WebAssembly.Module | (() => Promise<WebAssembly.Module>),
  projInput?: URL | string | Request | Response | BufferSource | WebAssembly.Module | (() => Promise<WebAssembly.Module>),
): Promise<void>;

/**
 * This realm's compiled wasm module and EPSG table's bytes, fetched and compiled once and shared by
 * `initWasm` and the worker pool (which posts them to each worker it starts). For your own workers:
 * post them, and call `initWasm(module, epsg)` there.
 */
export function wasmParts(
  input?: URL | string | Request | Response | BufferSource | WebAssembly.Module,
  epsgInput?: URL | string | Request | Response | BufferSource,
): Promise<[WebAssembly.Module, ArrayBuffer | ArrayBufferView]>;

/** Whether this engine validates WebAssembly's simd128 (every current browser, Node ≥ 16.4). */
export const simd128: boolean;

/**
 * Which wasm builds this realm loaded: `build` of the main module, `codecs` of the codec module (loaded
 * by the first image that needs it): `'simd'` (the default where `simd128`), `'plain'`, or `'given'`
 * (a module or URL handed to `initWasm`); `null` before it is loaded.
 */
export function wasmInfo(): {
  build: 'simd' | 'plain' | 'given' | null;
  codecs: 'simd' | 'plain' | 'given' | null;
  simd128: boolean;
};

/** Names of the colormaps styles and TiTiler's `colormap_name` know (each also reversed with `_r`). */
export function colormapNames(): Promise<string[]>;
/** The colours a style's `palette` of this name spaces evenly (RGBA, 4 bytes each); undefined for an unknown name. */
export function paletteColors(name: string): Promise<Uint8Array | undefined>;

export class LargeImage {
  private constructor();
  /** Opens a Cloud Optimized GeoTIFF by URL (range requests through `options.engine`, `Engine.shared()` or `options.read`). */
  static open(url: string | URL, options?: OpenOptions): Promise<LargeImage>;
  readonly url: string;
  readonly closed: boolean;
  /** The pool this image runs in, or null. */
  readonly pool: WorkerPool | null;
  metadata(options?: { projection?: Projection } & SignalOptions): Promise<Metadata>;
  internalMetadata(): Promise<Record<string, unknown>>;
  tiffdump(): Promise<{ ifds: unknown[]; [key: string]: unknown }>;
  bands(): Promise<Record<string, BandInfo>>;
  band(options?: { band?: number } & SignalOptions): Promise<BandInfo>;
  frames(): Promise<Frames>;
  tilesMetadata(options?: { projection?: Projection } & SignalOptions): Promise<TilesMetadata>;
  tile(z: number, x: number, y: number, options?: TileOptions & { format: 'imagebitmap' }): Promise<ImageBitmap>;
  tile(z: number, x: number, y: number, options?: TileOptions): Promise<Uint8Array>;
  tileCorners(z: number, x: number, y: number, options?: { projection?: Projection } & SignalOptions): Promise<TileCorners>;
  thumbnail(options?: ThumbnailOptions): Promise<Uint8Array>;
  region(options: RegionOptions): Promise<Uint8Array>;
  pixel(options: PixelOptions): Promise<Pixel>;
  /** Where a point lies in the file (reads nothing): x/y in the file's CRS, the full-resolution column/row. */
  locate(options: { left: number; top: number; units?: string }): Promise<Location>;
  histogram(options?: HistogramOptions): Promise<Histogram>;
  validate(options?: { fullCheck?: boolean } & SignalOptions): Promise<ValidationReport>;
  stats(): { requests: number; bytes: number };
  close(): void;
}

/** An `ImageBitmap` of `width` × `height` RGBA bytes (not premultiplied), upside down with `flipY`. */
export function rgbaToBitmap(rgba: Uint8Array, width: number, height?: number, flipY?: boolean): Promise<ImageBitmap>;

export default LargeImage;

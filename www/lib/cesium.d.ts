// Types of large-image-wasm/cesium (www/lib/cesium.js). Cesium is a peer dependency: its types are not
// imported here (the module takes the namespace at run time), so Cesium objects are `any`.
import type { LargeImage, Metadata, OpenOptions, Style, WorkerPool } from './index.js';

/** Tile options a provider draws with: large_image's style, or TiTiler's parameters (which win over it). */
export interface Render {
  style?: Style;
  expression?: string;
  rescale?: string | number[] | string[];
  colormapName?: string;
  colormap?: object | string;
  bidx?: number | number[];
  nodata?: number | string;
  /** TiTiler's parameters as one query string. */
  titiler?: string;
}

export interface LargeImageImageryProviderOptions {
  style?: Style;
  /** Tile options beyond the style (band math and the like); see `setRender`. */
  render?: Render;
  tilingScheme?: 'geographic' | 'webmercator';
  /** Pixels a side of each tile given to Cesium (default 512: a quarter as many tiles for the same detail). */
  tileSize?: 256 | 512;
  /** The Cesium namespace (default `globalThis.Cesium`). */
  Cesium?: any;
  /** Options of `LargeImage.open`. */
  open?: OpenOptions;
  /** Where tiles are made: a pool, `true` or by default the page's shared pool (browsers), `false`: the main thread. */
  pool?: WorkerPool | boolean;
  /** The `Cesium.Scene` shown in: tiles nearest the view's centre first, those the camera left cancelled. */
  scene?: any;
  credit?: string | any;
  minimumLevel?: number;
  maximumLevel?: number;
  /** Tiles waiting or being made at once (default 64 with a pool, 8 without). */
  maxQueued?: number;
  /** `auto` (default): bilinear where a tile magnifies the source, nearest elsewhere and for palettes. */
  resampling?: 'auto' | 'nearest' | 'bilinear' | 'cubic';
  /** Answer `pickFeatures` with the pixel's values (default true). */
  enablePickFeatures?: boolean;
  onTile?: (info: { x: number; y: number; level: number; ms: number }) => void;
  ellipsoid?: any;
}

/** The data rectangle (radians) of bounds in degrees, as the provider's tiling scheme sees it. */
export function dataRectangle(Cesium: any, bounds: Metadata['bounds'], schemeName: 'geographic' | 'webmercator'): any;

/** A CesiumJS ImageryProvider (Cesium ≥ 1.107) rendering a COG's tiles in the page. */
export class LargeImageImageryProvider {
  static fromUrl(url: string, options?: LargeImageImageryProviderOptions): Promise<LargeImageImageryProvider>;
  constructor(options: LargeImageImageryProviderOptions & { image: LargeImage; metadata: Metadata; levels?: number });
  readonly image: LargeImage;
  readonly metadata: Metadata;
  readonly tilesLoaded: number;
  readonly tilingScheme: any;
  readonly dataRectangle: any;
  readonly rectangle: any;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly minimumLevel: number;
  readonly maximumLevel: number;
  readonly tileDiscardPolicy: any;
  readonly errorEvent: any;
  readonly credit: any;
  readonly proxy: any;
  readonly hasAlphaChannel: boolean;
  getTileCredits(x: number, y: number, level: number): any[] | undefined;
  requestImage(x: number, y: number, level: number, request?: any): Promise<any> | undefined;
  readonly style: Style | undefined;
  /** Every tile option the tiles are drawn with (a copy). */
  readonly render: Render;
  /** Tiles requested, delivered, cancelled, failed, answered transparent, and pending now. */
  stats(): { requested: number; delivered: number; cancelled: number; failed: number; transparent: number; pending: number };
  /** Every band's value and the styled colour at the point, as one `Cesium.ImageryLayerFeatureInfo`. */
  pickFeatures(x: number, y: number, level: number, longitude: number, latitude: number): Promise<any[]> | undefined;
  /** Re-render in another style without a new layer; returns the layers re-rendered. */
  setStyle(style?: Style): number;
  /** Re-render with other tile options (style and/or TiTiler's parameters) without a new layer. */
  setRender(render?: Render): number;
  isDestroyed(): boolean;
  destroy(): void;
}

export default LargeImageImageryProvider;

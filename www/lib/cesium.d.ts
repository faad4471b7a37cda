// Types of large-image-wasm/cesium (www/lib/cesium.js). Cesium is a peer dependency: its types are not
// imported here (the module takes the namespace at run time), so Cesium objects are `any`.
import type { LargeImage, Metadata, OpenOptions, Style } from './index.js';

export interface LargeImageImageryProviderOptions {
  style?: Style;
  tilingScheme?: 'geographic' | 'webmercator';
  tileSize?: 256 | 512;
  /** The Cesium namespace (default `globalThis.Cesium`). */
  Cesium?: any;
  /** Options of `LargeImage.open`. */
  open?: OpenOptions;
  credit?: string | any;
  minimumLevel?: number;
  maximumLevel?: number;
  maxInFlight?: number;
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
  pickFeatures(x: number, y: number, level: number, longitude: number, latitude: number): undefined;
  destroy(): void;
}

export default LargeImageImageryProvider;

// Types of large-image-wasm/maplibre (www/lib/maplibre.js).
import type { Credentials } from './index.js';
import type { Router } from './router.js';

export interface MapLibreNamespace {
  addProtocol(scheme: string, load: (params: { url: string }, abortController: AbortController) => Promise<{ data: ArrayBuffer }>): void;
  removeProtocol?(scheme: string): void;
}

export interface RasterSource {
  type: 'raster';
  tiles: string[];
  tileSize: number;
  maxzoom: number;
  bounds?: [number, number, number, number];
}

export interface LargeImageProtocol {
  readonly scheme: string;
  readonly router: Router;
  /** A raster source for `map.addSource` over the COG at `url`. */
  source(
    url: string,
    options?: { name?: string; headers?: Record<string, string>; credentials?: Credentials; query?: Record<string, string | number | object>; format?: string; tileSize?: number },
  ): Promise<RasterSource>;
  remove(): void;
}

export function addLargeImageProtocol(
  maplibregl: MapLibreNamespace,
  options?: { scheme?: string; allowOrigins?: string[]; open?: (url: string, options: Record<string, unknown>) => Promise<import('./index.js').LargeImage>; maxImages?: number },
): LargeImageProtocol;
export default addLargeImageProtocol;

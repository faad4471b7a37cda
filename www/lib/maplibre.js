// large-image-wasm/maplibre: COGs as MapLibre GL JS raster sources, tiled in the page. A protocol
// (`maplibregl.addProtocol`) answers `cog://{id}/{z}/{x}/{y}.{fmt}?{query}` through the router, so the
// query takes django-large-image's style parameters (`band`, `palette`, `min`, `max`, `style`, …) and
// TiTiler's (`bidx`, `rescale`, `colormap_name`, `expression`); `{id}` is a name given to
// `largeImageSource` or a URL-encoded COG URL on an allowed origin. With the service worker, the
// worker's own XYZ URL (`/api/image/{id}/tiles/{z}/{x}/{y}.png?projection=EPSG:3857`) is a raster source
// as it is, with no adapter.
//
//   import maplibregl from 'maplibre-gl';
//   import { addLargeImageProtocol } from 'large-image-wasm/maplibre';
//   const cog = addLargeImageProtocol(maplibregl);
//   map.addSource('scene', await cog.source('https://bucket.example/scene.tif', { query: { band: 1, palette: 'viridis' } }));
//   map.addLayer({ id: 'scene', type: 'raster', source: 'scene' });

import { createRouter } from './router.js';

const INTERNAL_ORIGIN = 'http://large-image-wasm.invalid';
const PREFIX = '/api/image';
const OPTIONS = ['scheme', 'allowOrigins', 'open', 'maxImages'];
const URL_RE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)\/(\d+)\/(\d+)\/(\d+)(?:\.([a-z0-9]+))?(?:\?(.*))?$/i;

/**
 * Adds the `cog://` protocol (or `options.scheme`) to `maplibregl`.
 * @param {{ addProtocol: Function, removeProtocol?: Function }} maplibregl the MapLibre GL JS namespace (≥ 4)
 * @param {{ scheme?: string, allowOrigins?: string[], open?: Function, maxImages?: number }} [options]
 *   `allowOrigins`: where a URL-encoded `{id}` may point (default: this page's origin and the sources' COGs)
 */
export function addLargeImageProtocol(maplibregl, options = {}) {
  for (const k of Object.keys(options)) {
    if (!OPTIONS.includes(k)) throw new TypeError(`addLargeImageProtocol: unknown option ${JSON.stringify(k)} (known: ${OPTIONS.join(', ')})`);
  }
  if (typeof maplibregl?.addProtocol !== 'function') throw new TypeError('addLargeImageProtocol: pass the maplibregl namespace (MapLibre GL JS ≥ 4)');
  const scheme = options.scheme ?? 'cog';
  const site = globalThis.location?.origin ?? INTERNAL_ORIGIN;
  const allowOrigins = options.allowOrigins ?? null;
  const route = createRouter({
    prefix: PREFIX,
    open: options.open,
    maxImages: options.maxImages,
    origin: site,
    ...(allowOrigins ? { allowOrigins: [site, ...allowOrigins] } : {}),
  });
  let count = 0;

  const load = async (params, abortController) => {
    const m = URL_RE.exec(params.url);
    if (!m || m[1].toLowerCase() !== scheme) throw new Error(`${params.url}: expected ${scheme}://{id}/{z}/{x}/{y}[.png]`);
    const [, , id, z, x, y, fmt = 'png', query = ''] = m;
    const q = new URLSearchParams(query);
    if (!q.has('projection')) q.set('projection', 'EPSG:3857');
    const res = await route(new Request(`${site}${PREFIX}/${id}/tiles/${z}/${x}/${y}.${fmt}?${q}`, { signal: abortController?.signal }));
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(`${params.url}: ${res.status} ${body.detail ?? res.statusText}`);
    }
    return { data: await res.arrayBuffer() };
  };
  maplibregl.addProtocol(scheme, load);

  return {
    scheme,
    router: route,
    /**
     * A raster source for MapLibre's `map.addSource`: the COG at `url` (its own `headers`/`credentials`
     * stay with it), its bounds and deepest level from its web-mercator metadata.
     * @param {string} url
     * @param {{ name?: string, headers?: object, credentials?: string, query?: Record<string, string | number>, format?: string, tileSize?: number }} [o]
     */
    async source(url, o = {}) {
      const name = o.name ?? `cog${++count}`;
      const { headers, credentials } = o;
      await route.register(name, url, { ...(headers ? { headers } : {}), ...(credentials ? { credentials } : {}) });
      const res = await route(new Request(`${site}${PREFIX}/${name}/info/metadata?projection=EPSG:3857`));
      const meta = await res.json();
      if (!res.ok) throw new Error(`${url}: ${res.status} ${meta.detail}`);
      const query = new URLSearchParams(Object.entries(o.query ?? {}).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
      const b = meta.bounds;
      return {
        type: 'raster',
        tiles: [`${scheme}://${name}/{z}/{x}/{y}.${o.format ?? 'png'}${query.size ? `?${query}` : ''}`],
        tileSize: o.tileSize ?? 256,
        maxzoom: Math.max(0, meta.levels - 1),
        ...(b ? { bounds: [b.xmin, Math.max(b.ymin, -85.051129), b.xmax, Math.min(b.ymax, 85.051129)] } : {}),
      };
    },
    /** Removes the protocol from maplibregl. */
    remove() {
      maplibregl.removeProtocol?.(scheme);
    },
  };
}

export default addLargeImageProtocol;

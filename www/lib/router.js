// large-image-wasm/router: django-large-image's REST API answered in the browser (a service worker, a
// page) or in Node 20, from COGs read with HTTP range requests. No server: `createRouter(...)` gives a
// function from a `Request` to a `Promise<Response>`, whose paths, query parameters, status codes,
// content types and JSON shapes are django-large-image 0.10.5's (and its 0.1.0 spellings).
//
//   const route = createRouter({ prefix: '/api/image', images: { bmng: '/data/bmng.tif' } });
//   const res = await route(new Request('https://site.example/api/image/bmng/tiles/0/0/0.png'));
//
// `{id}` in `{prefix}/{id}/{route}` is a registered name or the URL-encoded COG URL (absolute, or
// relative to the site: `%2Fdata%2Fbmng.tif`). A URL id is opened only when its origin is allowed
// (`allowOrigins`; default: the site's own origin and those of the registered images), and never with
// a registered image's headers or credentials. Errors are JSON (`{detail, ...}`) with a server's
// statuses: 400 naming the bad parameter, 403 for an origin not allowed, 404 for an unknown image or
// route, 502 when the bucket fails (its status and the URL), 504 when it does not answer in time.

import { LargeImage, colormapNames } from './index.js';
// A service worker may not import() the projection module's glue when a projected image first needs it:
// the router, which every service worker of this package is built on, imports it statically.
import * as projGlue from '../pkg/large_image_proj.js';
import { useProjGlue } from './proj.js';
import { FORMATS } from './routes.js';
import { openapiDocument } from './openapi.js';
import { HttpError, badParameter, errorResponse, nully, okResponse, refuseUnknown, safeJson } from './http.js';
import { HISTOGRAM_RESOLUTION, VIEWS, coreError, matchRoute, readParams, styleOf } from './views.js';
import { Registry, defaultStore, memoryStore } from './registrations.js';

useProjGlue(projGlue);

export { HttpError, HISTOGRAM_RESOLUTION, matchRoute, safeJson, styleOf };

const ROUTER_OPTIONS = ['prefix', 'listsPrefix', 'images', 'allowOrigins', 'store', 'open', 'origin', 'maxImages', 'timeoutMs'];

/** What `LargeImage.open` is given: the one place to hand the shared engine to every image. */
function defaultOpen(url, options) {
  return LargeImage.open(url, options);
}

/**
 * The images a router has open, least recently used first, at most `max`; each opened once however many
 * requests ask for it at the same time. An image is closed once evicted and no request uses it; a failed
 * open is forgotten, so that the next request tries again.
 */
class OpenImages {
  #open;
  #max;
  #entries = new Map();

  constructor(open, max) {
    this.#open = open;
    this.#max = max;
  }

  /** The entry of `key` (opening `url` with `options` when it is not open), held until `release`. */
  acquire(key, url, options) {
    let entry = this.#entries.get(key);
    if (entry) this.#entries.delete(key);
    else {
      entry = { promise: Promise.resolve().then(() => this.#open(url, options)), users: 0, evicted: false };
      entry.promise.catch(() => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      });
    }
    this.#entries.set(key, entry);
    entry.users += 1;
    while (this.#entries.size > this.#max) this.evict(this.#entries.keys().next().value);
    return entry;
  }

  release(entry) {
    entry.users -= 1;
    if (entry.evicted && entry.users === 0) entry.promise.then((img) => img.close(), () => {});
  }

  /** Forgets `key`'s image (closed when its last request is done). */
  evict(key) {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    entry.evicted = true;
    entry.users += 1;
    this.release(entry);
  }
}

function lists(name, listsPrefix) {
  if (name === 'sources') return { json: { large_image_wasm: 'large-image-wasm: Cloud Optimized GeoTIFFs read with HTTP range requests, in WebAssembly' } };
  if (name === 'formats') return { json: Object.fromEntries(Object.entries(FORMATS).map(([k, v]) => [k.toUpperCase(), v])) };
  if (name === 'colormaps') {
    return colormapNames().then((names) => ({ json: { matplotlib: [...names, ...names.map((n) => `${n}_r`)], simple: ['red', 'green', 'blue'] } }));
  }
  throw new HttpError(404, `Not found: ${listsPrefix}/${name} (sources, colormaps, formats)`);
}

/** `promise`, or a 504 naming `what` after `ms`. */
async function inTime(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(504, `no answer within ${ms} ms for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A django-large-image API over COGs read in place.
 *
 * @param {object} [options]
 * @param {string} [options.prefix='/api/image'] where the detail routes live: `{prefix}/{id}/{route}`
 * @param {string} [options.listsPrefix='/api/large-image'] where `sources`, `colormaps` and `formats` live
 * @param {Record<string, string | {url: string, headers?: object, credentials?: string, cacheBytes?: number, headerBytes?: number}>} [options.images]
 *   images known by name from the start (also `register()`ed later, and persisted in `store`)
 * @param {string[]} [options.allowOrigins] origins a URL id may point at (default: the site's and the registered images')
 * @param {{load(): Promise<object>, save(all: object): Promise<void>}} [options.store] where registrations persist
 *   (default: Cache Storage where there is one, else memory)
 * @param {(url: string, options: object) => Promise<LargeImage>} [options.open] how images are opened
 * @param {string} [options.origin] the site's origin (default: `self.location.origin`, else each request's)
 * @param {number} [options.maxImages=16] images kept open at once (least recently used closed first)
 * @param {number} [options.timeoutMs=60000] an answer not ready by then is a 504
 * @returns {((request: Request) => Promise<Response>) & RouterMethods}
 */
export function createRouter(options = {}) {
  refuseUnknown('createRouter', options, ROUTER_OPTIONS);
  const prefix = (options.prefix ?? '/api/image').replace(/\/+$/, '');
  const listsPrefix = (options.listsPrefix ?? '/api/large-image').replace(/\/+$/, '');
  if (!prefix.startsWith('/') || !listsPrefix.startsWith('/')) throw new TypeError('createRouter: prefix and listsPrefix are paths starting with /');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const fixedOrigin = options.origin ?? globalThis.location?.origin ?? null;
  const registry = new Registry({
    images: options.images,
    store: options.store ?? defaultStore() ?? memoryStore(),
    origin: fixedOrigin,
    allowOrigins: options.allowOrigins == null ? null : options.allowOrigins.map((o) => new URL(o).origin),
  });
  const images = new OpenImages(options.open ?? defaultOpen, options.maxImages ?? 16);

  /** `{prefix}/{id}/{route}`: the route's parameters checked, the image opened, the view's answer. */
  async function detail(url, rest) {
    const slash = rest.indexOf('/');
    const rawId = slash < 0 ? rest : rest.slice(0, slash);
    const routePath = slash < 0 ? '' : rest.slice(slash + 1);
    const m = matchRoute(routePath);
    if (!rawId || !m) {
      throw new HttpError(404, `Not found: no route ${JSON.stringify(routePath)} under ${prefix}/{id}/ (see ${prefix}/openapi.json)`);
    }
    const q = readParams(url.searchParams, m.route.params, m.route.path);
    if (q.source !== undefined && !nully(q.source) && q.source !== 'large_image_wasm') {
      throw badParameter('source', `${JSON.stringify(q.source)} is not a valid source. Try one of: ['large_image_wasm']`);
    }
    await registry.ready();
    const target = registry.resolve(rawId, fixedOrigin ?? url.origin);
    const entry = images.acquire(target.key, target.url, target.openOptions);
    try {
      const img = await entry.promise.catch((e) => {
        throw coreError(e, { opening: true });
      });
      return await VIEWS[m.route.name](img, q, m, url.searchParams).catch((e) => {
        throw e instanceof HttpError ? e : coreError(e, { opening: false });
      });
    } finally {
      images.release(entry);
    }
  }

  function answer(url) {
    const path = url.pathname;
    if (path === `${prefix}/openapi.json`) return { json: openapiDocument({ prefix, listsPrefix }) };
    if (path.startsWith(`${listsPrefix}/`)) return lists(path.slice(listsPrefix.length + 1), listsPrefix);
    if (path.startsWith(`${prefix}/`)) return detail(url, path.slice(prefix.length + 1));
    throw new HttpError(404, `Not found: ${path} is outside ${prefix}/ and ${listsPrefix}/`);
  }

  const route = async (request) => {
    const head = request.method === 'HEAD';
    try {
      if (request.method !== 'GET' && !head) throw new HttpError(405, `Method "${request.method}" not allowed.`);
      const url = new URL(request.url);
      const result = await inTime(Promise.resolve().then(() => answer(url)), timeoutMs, `${url.pathname}${url.search}`);
      return okResponse(result, request, head);
    } catch (e) {
      return errorResponse(e, head);
    }
  };

  /** Whether `request` (a Request, URL or string) is under this router's paths. */
  route.handles = (request) => {
    const u = new URL(typeof request === 'string' || request instanceof URL ? request : request.url, fixedOrigin ?? undefined);
    if (fixedOrigin && u.origin !== fixedOrigin) return false;
    return u.pathname.startsWith(`${prefix}/`) || u.pathname.startsWith(`${listsPrefix}/`);
  };

  /** Register (or replace) image `name` at `url` with its own `headers`/`credentials`; persisted. */
  route.register = async (name, url, imageOptions = {}) => {
    const entry = await registry.register(name, url, imageOptions);
    images.evict(`name:${name}`);
    return { name, url: entry.url };
  };

  /** Forget image `name`; true when it was registered. */
  route.unregister = async (name) => {
    const had = await registry.unregister(name);
    images.evict(`name:${name}`);
    return had;
  };

  /** The registered images: `{ name: url }` (their headers stay inside). */
  route.images = () => registry.urls();

  route.prefix = prefix;
  route.listsPrefix = listsPrefix;
  return route;
}

export default createRouter;

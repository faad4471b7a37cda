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
import { DETAIL_ROUTES, FORMATS, LIST_ROUTES, MAX_REGION_PIXELS, PROJECTIONS, patternRegExp } from './routes.js';
import { openapiDocument } from './openapi.js';
import { memoryStore, defaultStore } from './registrations.js';

/** An error answered as JSON with `status`; `extra` fields go into the body beside `detail`. */
export class HttpError extends Error {
  constructor(status, detail, extra = {}) {
    super(detail);
    this.name = 'HttpError';
    this.status = status;
    this.extra = extra;
  }
}

const badParameter = (name, detail) => new HttpError(400, detail, { parameter: name });

/**
 * The level `data/histogram` reads unless `resolution` says otherwise: the coarsest whose larger side has
 * at least this many pixels. Full resolution for images up to 4096 pixels, as django-large-image reads
 * them; an overview for larger ones, so that a histogram never reads gigapixels.
 */
export const HISTOGRAM_RESOLUTION = 4096;

const ROUTER_OPTIONS = ['prefix', 'listsPrefix', 'images', 'allowOrigins', 'store', 'open', 'origin', 'maxImages', 'timeoutMs'];
const IMAGE_OPTIONS = ['url', 'headers', 'credentials', 'cacheBytes', 'headerBytes'];
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
const JSON_TYPE = 'application/json';

/** What `LargeImage.open` is given: the one place to hand the shared engine to every image. */
function defaultOpen(url, options) {
  return LargeImage.open(url, options);
}

/** django-large-image's `param_nully`: values it takes for "not given". */
function nully(v) {
  return v == null || ['', 'undefined', 'none', 'null', 'false'].includes(String(v).toLowerCase());
}

function refuseUnknown(what, given, known) {
  for (const k of Object.keys(given ?? {})) {
    if (!known.includes(k)) throw new TypeError(`${what}: unknown option ${JSON.stringify(k)} (known: ${known.join(', ')})`);
  }
}

/** A registration's options, checked: `{ url, headers, credentials, cacheBytes, headerBytes }`. */
function imageEntry(name, value, siteOrigin) {
  const entry = typeof value === 'string' || value instanceof URL ? { url: String(value) } : { ...value };
  refuseUnknown(`image ${JSON.stringify(name)}`, entry, IMAGE_OPTIONS);
  if (!NAME_RE.test(name)) {
    throw new TypeError(`image name ${JSON.stringify(name)}: letters, digits and . _ ~ - only (at most 128), not starting with a symbol`);
  }
  if (typeof entry.url !== 'string' || entry.url === '') throw new TypeError(`image ${JSON.stringify(name)}: url is required`);
  let u;
  try {
    u = siteOrigin ? new URL(entry.url, siteOrigin) : new URL(entry.url);
  } catch {
    throw new TypeError(`image ${JSON.stringify(name)}: ${JSON.stringify(entry.url)} is not a URL (absolute, or relative to the site)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError(`image ${JSON.stringify(name)}: ${u.protocol} URLs are not read (http or https)`);
  }
  entry.url = u.href;
  if (entry.headers != null) entry.headers = Object.fromEntries(Object.entries(entry.headers).map(([k, v]) => [k, String(v)]));
  return entry;
}

/** A short strong validator of a body: two FNV-1a hashes and the length. */
function etagOf(bytes) {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x5bd1e995);
  }
  return `"${bytes.length.toString(36)}-${(a >>> 0).toString(36)}${(b >>> 0).toString(36)}"`;
}

/**
 * JSON text with `<`, `>` and `&` as \u escapes: nothing a path or query brought in can read as markup,
 * whatever a browser or a page later does with the body.
 */
export function safeJson(value) {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function jsonBytes(value) {
  return new TextEncoder().encode(safeJson(value));
}

/** The headers every answer carries (JSON bodies are never sniffed as HTML). */
function baseHeaders(type) {
  return { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' };
}

function errorResponse(err, head) {
  const status = err instanceof HttpError ? err.status : 500;
  const body = { detail: err instanceof HttpError ? err.message : String(err?.message ?? err), ...(err.extra ?? {}) };
  const headers = { ...baseHeaders(JSON_TYPE), 'Cache-Control': 'no-store' };
  if (status === 405) headers.Allow = 'GET, HEAD';
  return new Response(head ? null : safeJson(body), { status, headers });
}

/**
 * An error of the core (a JS `Error` with `kind`, `status`, `url`) as an answer: the bucket's failures
 * 502 with its status and the URL; a refused request (bad option, outside the pyramid, too large) 400;
 * a file the reader cannot read 500, as django-large-image answers a tile source that fails.
 */
function coreError(err, { opening }) {
  const detail = String(err?.message ?? err);
  const kind = err?.kind;
  if (kind === 'fetch') {
    return new HttpError(502, detail, { upstreamStatus: err.status ?? null, url: err.url ?? null });
  }
  if (!opening && (kind === 'usage' || kind === 'limit')) return new HttpError(400, detail);
  return new HttpError(500, detail, err?.url ? { url: err.url } : {});
}

/** Query parameters as the route declares them: typed, checked, defaults applied; `all` keeps repeats. */
function readParams(query, specs, routePath) {
  const out = {};
  for (const s of specs) {
    if (s.in === 'path') continue;
    const values = query.getAll(s.name);
    const raw = values.length ? values[values.length - 1] : undefined;
    if (raw === undefined || raw === '') {
      if (s.required) throw badParameter(s.name, `${s.name} is required for ${routePath}`);
      if (s.default !== undefined) out[s.name] = s.default;
      continue;
    }
    if (s.repeat) {
      out[s.name] = values.flatMap((v) => v.split(s.name === 'bidx' ? ',' : ';')).filter((v) => v !== '');
      continue;
    }
    out[s.name] = typedParam(s, raw);
  }
  return out;
}

function typedParam(s, raw) {
  const say = (what) => badParameter(s.name, `${s.name}=${JSON.stringify(raw)}: ${what}`);
  switch (s.type) {
    case 'integer': {
      if (!/^[+-]?\d+$/.test(raw.trim())) throw say('a whole number is expected');
      const v = Number(raw);
      if (s.min != null && v < s.min) throw say(`at least ${s.min}`);
      if (s.max != null && v > s.max) throw say(`at most ${s.max}`);
      return v;
    }
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw say('a finite number is expected');
      return v;
    }
    case 'boolean':
      return !nully(raw);
    default:
      if (s.enum && !s.enum.some((e) => e.toLowerCase() === raw.toLowerCase())) throw say(`one of ${s.enum.join(', ')}`);
      return raw;
  }
}

/**
 * The large_image style of a request, as django-large-image's `get_style` reads it: `style` (JSON) wins;
 * else `band` (0 or absent: the default style) with `min`, `max`, `palette`/`cmap`, `nodata`, `scheme`.
 */
export function styleOf(q) {
  if (q.style !== undefined) {
    try {
      return JSON.parse(q.style);
    } catch (e) {
      throw badParameter('style', `\`style\` query parameter is malformed and likely not properly URL encoded: ${e.message}`);
    }
  }
  if (!q.band) return null;
  const style = { band: q.band };
  const num = (v) => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v) ? Number(v) : v);
  if (!nully(q.min)) style.min = num(q.min);
  if (!nully(q.max)) style.max = num(q.max);
  const palette = q.palette ?? q.cmap;
  if (!nully(palette)) style.palette = palette;
  if (!nully(q.nodata)) style.nodata = num(q.nodata);
  if (!nully(q.scheme)) style.scheme = q.scheme;
  return style;
}

/** TiTiler's parameters as one query string, when any of them is given (they win over the style). */
function titilerOf(query, q) {
  const names = ['bidx', 'expression', 'rescale', 'colormap_name', 'colormap'];
  if (!names.some((n) => query.has(n))) return null;
  const out = new URLSearchParams();
  for (const n of [...names, 'nodata', 'resampling']) for (const v of query.getAll(n)) out.append(n, v);
  return out.toString();
}

function formatOf(fmt) {
  const f = String(fmt).toLowerCase();
  if (!(f in FORMATS)) throw badParameter('fmt', `format ${JSON.stringify(fmt)} is not offered (${Object.keys(FORMATS).join(', ')})`);
  return { format: f === 'jpg' ? 'jpeg' : f === 'tif' ? 'tiff' : f, type: FORMATS[f] };
}

function projectionOf(q, alias) {
  const p = q.projection ?? alias?.projectionDefault;
  if (nully(p)) return null;
  const known = PROJECTIONS.find((k) => k.toLowerCase() === String(p).toLowerCase());
  if (!known) throw badParameter('projection', `projection=${JSON.stringify(p)}: one of ${PROJECTIONS.join(', ')} (or none: pixel space)`);
  return known;
}

/** Routes whose answer a projection would change but the core answers only in pixel space. */
function refuseProjection(q, routePath) {
  if (!nully(q.projection)) {
    throw badParameter('projection', `projection is not supported on ${routePath} (pixel space only); tiles, corners and metadata take it`);
  }
}

const json = (value) => ({ json: value });
const image = (bytes, type) => ({ bytes, type });

/** What each detail route answers, from the image and the checked parameters. */
const VIEWS = {
  metadata: async (img, q, m) => json(await img.metadata({ projection: projectionOf(q, m.alias) })),
  metadataInternal: async (img, q) => json(await img.internalMetadata()),
  bands: async (img) => json(await img.bands()),
  band: async (img, q) => {
    const bands = await img.bands();
    const info = bands[String(q.band)];
    if (info === undefined) throw badParameter('band', `band=${q.band}: the image has bands 1 to ${Object.keys(bands).length}`);
    return json(info);
  },
  frames: async (img) => json(await img.frames()),
  tiffdump: async (img) => json(await img.tiffdump()),
  validate: async (img, q) => json(await img.validate({ fullCheck: q.full_check })),
  tilesMetadata: async (img, q) => json(await img.tilesMetadata({ projection: projectionOf(q) })),
  tile: async (img, q, m, query) => {
    const { format, type } = formatOf(m.groups.fmt);
    const options = { projection: projectionOf(q) ?? undefined, format };
    const titiler = titilerOf(query, q);
    if (titiler) options.titiler = titiler;
    else {
      const style = styleOf(q);
      if (style) options.style = style;
      if (q.resampling) options.resampling = q.resampling.toLowerCase();
    }
    return image(await img.tile(+m.groups.z, +m.groups.x, +m.groups.y, options), type);
  },
  tileCorners: async (img, q, m) => json(await img.tileCorners(+m.groups.z, +m.groups.x, +m.groups.y, { projection: projectionOf(q) ?? undefined })),
  thumbnail: async (img, q, m) => {
    // Kitware's viewer pages ask for `?projection=EPSG:3857` here: the thumbnail comes in the image's
    // own grid (large_image would warp it first; README, deliberate differences).
    projectionOf(q);
    const { format, type } = formatOf(m.groups.fmt ?? m.alias?.fmt ?? 'png');
    const style = styleOf(q);
    return image(await img.thumbnail({ maxWidth: q.max_width, maxHeight: q.max_height, format, ...(style ? { style } : {}) }), type);
  },
  region: async (img, q, m) => {
    refuseProjection(q, 'data/region');
    const { format, type } = formatOf(m.groups.fmt ?? 'tiff');
    let { left, right, top, bottom } = q;
    const units = nully(q.units) ? undefined : q.units;
    if (units && ['pixels', 'pixel'].includes(units.toLowerCase())) {
      // As django-large-image: pixel boxes are taken whichever way round their edges come.
      [left, right] = [Math.min(left, right), Math.max(left, right)];
      [top, bottom] = [Math.min(top, bottom), Math.max(top, bottom)];
      const pixels = (right - left) * (bottom - top);
      const w = Math.min(q.width ?? Infinity, right - left);
      const h = Math.min(q.height ?? Infinity, bottom - top);
      if (pixels > MAX_REGION_PIXELS && w * h > MAX_REGION_PIXELS) {
        throw badParameter('right', `a region of ${right - left} × ${bottom - top} pixels is more than the ${MAX_REGION_PIXELS} pixels answered at once (ask for width/height, or a smaller box)`);
      }
    }
    const style = styleOf(q);
    const options = { left, right, top, bottom, format, ...(units ? { units } : {}), ...(style ? { style } : {}) };
    if (q.width) options.width = q.width;
    if (q.height) options.height = q.height;
    const bytes = await img.region(options);
    return image(bytes, format === 'tiff' ? 'image/tiff' : type);
  },
  pixel: async (img, q) => {
    refuseProjection(q, 'data/pixel');
    const units = nully(q.units) ? undefined : q.units;
    if (!units || /^pixels?$/i.test(units)) {
      for (const k of ['left', 'top']) if (!Number.isInteger(q[k])) throw badParameter(k, `${k}=${q[k]}: a whole pixel is expected`);
    }
    return json(await img.pixel({ left: q.left, top: q.top, ...(units ? { units } : {}) }));
  },
  histogram: async (img, q) => {
    refuseProjection(q, 'data/histogram');
    const o = { bins: q.bins, density: q.density, onlyMinMax: q.onlyMinMax, resolution: HISTOGRAM_RESOLUTION };
    if (q.kind) o.kind = q.kind.toLowerCase();
    if (q.band) o.band = q.band;
    if (q.resolution !== undefined) {
      const r = q.resolution.toLowerCase();
      if (r === 'exact') o.resolution = 'exact';
      else if (/^\d+$/.test(r) && +r >= 1) o.resolution = +r;
      else throw badParameter('resolution', `resolution=${JSON.stringify(q.resolution)}: a number of pixels or exact`);
    }
    return json(await img.histogram(o));
  },
};

const COMPILED = DETAIL_ROUTES.flatMap((route) => [
  { route, re: patternRegExp(route.path), alias: null },
  ...route.aliases.map((alias) => ({ route, re: patternRegExp(alias.path), alias })),
]);

/** Which detail route a path after `{id}/` names, with its path groups (or null). */
export function matchRoute(routePath) {
  for (const c of COMPILED) {
    const m = c.re.exec(routePath);
    if (m) return { route: c.route, alias: c.alias, groups: m.groups ?? {} };
  }
  return null;
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
  const open = options.open ?? defaultOpen;
  const maxImages = options.maxImages ?? 16;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const fixedOrigin = options.origin ?? globalThis.location?.origin ?? null;
  const allowOrigins = options.allowOrigins == null ? null : options.allowOrigins.map((o) => new URL(o).origin);
  const store = options.store ?? defaultStore() ?? memoryStore();

  const registry = new Map();
  for (const [name, value] of Object.entries(options.images ?? {})) registry.set(name, imageEntry(name, value, fixedOrigin));
  const given = new Set(registry.keys());
  // Registrations persisted by an earlier life of this worker join the given ones (given ones win).
  let loaded = null;
  const ready = () =>
    (loaded ??= (async () => {
      try {
        for (const [name, entry] of Object.entries((await store.load()) ?? {})) {
          if (!given.has(name)) registry.set(name, entry);
        }
      } catch (e) {
        console.warn(`large-image-wasm router: registrations could not be read (${e?.message ?? e})`);
      }
    })());
  const persist = () => {
    const all = {};
    for (const [name, entry] of registry) if (!given.has(name)) all[name] = entry;
    return store.save(all);
  };

  // Open images, least recently used first; an entry is closed once evicted and no request uses it.
  const opened = new Map();
  function release(entry) {
    entry.users -= 1;
    if (entry.evicted && entry.users === 0) entry.promise.then((img) => img.close(), () => {});
  }
  function evict(key) {
    const entry = opened.get(key);
    if (!entry) return;
    opened.delete(key);
    entry.evicted = true;
    entry.users += 1;
    release(entry);
  }
  function acquire(key, url, openOptions) {
    let entry = opened.get(key);
    if (entry) opened.delete(key);
    else {
      entry = { promise: open(url, openOptions), users: 0, evicted: false };
      entry.promise.catch(() => {
        if (opened.get(key) === entry) opened.delete(key);
      });
    }
    opened.set(key, entry);
    entry.users += 1;
    while (opened.size > maxImages) evict(opened.keys().next().value);
    return entry;
  }

  function siteOrigin(url) {
    return fixedOrigin ?? url.origin;
  }

  function allowed(origin, site) {
    if (allowOrigins) return allowOrigins.includes(origin);
    if (origin === site) return true;
    for (const entry of registry.values()) if (new URL(entry.url).origin === origin) return true;
    return false;
  }

  /** The image an `{id}` names: a registration (with its options) or an allowed URL (with none). */
  function resolveImage(rawId, requestUrl) {
    let id;
    try {
      id = decodeURIComponent(rawId);
    } catch {
      throw badParameter('id', `image id ${JSON.stringify(rawId)} is not valid percent-encoding`);
    }
    const reg = registry.get(id);
    if (reg) {
      const { url, ...openOptions } = reg;
      return { key: `name:${id}`, url, openOptions };
    }
    const site = siteOrigin(requestUrl);
    const looksLikeUrl = id.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(id);
    if (!looksLikeUrl) {
      throw new HttpError(404, `no image named ${JSON.stringify(id)}: register it, or give the COG's URL URL-encoded (absolute, or relative to the site)`);
    }
    let u;
    try {
      u = new URL(id, site);
    } catch {
      throw badParameter('id', `image id ${JSON.stringify(id)} is neither a registered name nor a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw badParameter('id', `image id ${JSON.stringify(id)}: only http and https URLs are read`);
    }
    if (!allowed(u.origin, site)) {
      throw new HttpError(403, `images from ${u.origin} are not allowed here (allowOrigins: ${(allowOrigins ?? [site, ...new Set([...registry.values()].map((e) => new URL(e.url).origin))]).join(', ')})`, { url: u.href });
    }
    // Never a registration's headers or credentials: only what any page's fetch would send.
    return { key: `url:${u.href}`, url: u.href, openOptions: { credentials: 'same-origin' } };
  }

  async function detail(request, url, rest, head) {
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
    await ready();
    const target = resolveImage(rawId, url);
    const entry = acquire(target.key, target.url, target.openOptions);
    try {
      let img;
      try {
        img = await entry.promise;
      } catch (e) {
        throw coreError(e, { opening: true });
      }
      try {
        return await VIEWS[m.route.name](img, q, m, url.searchParams);
      } catch (e) {
        throw e instanceof HttpError ? e : coreError(e, { opening: false });
      }
    } finally {
      release(entry);
    }
  }

  async function lists(name) {
    if (name === 'sources') return json({ large_image_wasm: 'large-image-wasm: Cloud Optimized GeoTIFFs read with HTTP range requests, in WebAssembly' });
    if (name === 'formats') return json(Object.fromEntries(Object.entries(FORMATS).map(([k, v]) => [k.toUpperCase(), v])));
    if (name === 'colormaps') {
      const names = await colormapNames();
      return json({ matplotlib: [...names, ...names.map((n) => `${n}_r`)], simple: ['red', 'green', 'blue'] });
    }
    throw new HttpError(404, `Not found: ${listsPrefix}/${name} (sources, colormaps, formats)`);
  }

  async function answer(request, url, head) {
    const path = url.pathname;
    if (path === `${prefix}/openapi.json`) return json(openapiDocument({ prefix, listsPrefix }));
    if (path.startsWith(`${listsPrefix}/`)) return lists(path.slice(listsPrefix.length + 1));
    if (path.startsWith(`${prefix}/`)) return detail(request, url, path.slice(prefix.length + 1), head);
    throw new HttpError(404, `Not found: ${path} is outside ${prefix}/ and ${listsPrefix}/`);
  }

  function respond(result, request, head) {
    const bytes = result.json !== undefined ? jsonBytes(result.json) : result.bytes;
    const etag = etagOf(bytes);
    const headers = { ...baseHeaders(result.json !== undefined ? JSON_TYPE : result.type), 'Cache-Control': 'no-cache', ETag: etag };
    const inm = request.headers.get('If-None-Match');
    if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': 'no-cache' } });
    }
    headers['Content-Length'] = String(bytes.length);
    return new Response(head ? null : bytes, { status: 200, headers });
  }

  const route = async (request) => {
    const head = request.method === 'HEAD';
    try {
      if (request.method !== 'GET' && !head) throw new HttpError(405, `Method "${request.method}" not allowed.`);
      const url = new URL(request.url);
      let timer;
      const late = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new HttpError(504, `no answer within ${timeoutMs} ms for ${url.pathname}${url.search}`)), timeoutMs);
      });
      try {
        return respond(await Promise.race([answer(request, url, head), late]), request, head);
      } finally {
        clearTimeout(timer);
      }
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
    await ready();
    const entry = imageEntry(name, { ...imageOptions, url }, fixedOrigin);
    registry.set(name, entry);
    given.delete(name);
    evict(`name:${name}`);
    await persist();
    return { name, url: entry.url };
  };

  /** Forget image `name`; true when it was registered. */
  route.unregister = async (name) => {
    await ready();
    const had = registry.delete(name);
    given.delete(name);
    evict(`name:${name}`);
    await persist();
    return had;
  };

  /** The registered images: `{ name: url }` (their headers stay inside). */
  route.images = async () => {
    await ready();
    return Object.fromEntries([...registry].map(([name, e]) => [name, e.url]));
  };

  route.prefix = prefix;
  route.listsPrefix = listsPrefix;
  return route;
}

export default createRouter;

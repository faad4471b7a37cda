// What each of django-large-image's detail routes answers: its query parameters read and checked as
// routes.js declares them (400 naming the parameter), the large_image style and TiTiler parameters turned
// into the core's options, the core's errors given their HTTP status, and the view called.

import { DETAIL_ROUTES, FORMATS, MAX_REGION_PIXELS, PROJECTIONS, patternRegExp } from './routes.js';
import { HttpError, badParameter, nully } from './http.js';

/**
 * The level `data/histogram` reads unless `resolution` says otherwise: the coarsest whose larger side has
 * at least this many pixels. Full resolution for images up to 4096 pixels, as django-large-image reads
 * them; an overview for larger ones, so that a histogram never reads gigapixels.
 */
export const HISTOGRAM_RESOLUTION = 4096;

/**
 * An error of the core (a JS `Error` with `kind`, `status`, `url`) as an answer: the bucket's failures
 * 502 with its status and the URL; a refused request (bad option, outside the pyramid, too large) 400;
 * a file the reader cannot read 500, as django-large-image answers a tile source that fails.
 */
export function coreError(err, { opening }) {
  const detail = String(err?.message ?? err);
  const kind = err?.kind;
  if (kind === 'fetch') {
    return new HttpError(502, detail, { upstreamStatus: err.status ?? null, url: err.url ?? null });
  }
  if (!opening && (kind === 'usage' || kind === 'limit')) return new HttpError(400, detail);
  return new HttpError(500, detail, err?.url ? { url: err.url } : {});
}

/** Query parameters as the route declares them: typed, checked, defaults applied; `all` keeps repeats. */
export function readParams(query, specs, routePath) {
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
export const VIEWS = {
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


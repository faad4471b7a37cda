// The routes of django-large-image 0.10.5 that the router answers, as data: paths (with the 0.1.0
// spellings beside them), query parameters with their types, defaults and caps, and what each answers.
// One table drives both the router's dispatch and parameter checks (router.js) and the OpenAPI
// document (openapi.js), so the two cannot drift apart.

/** Largest thumbnail side and largest region output side, in pixels (a larger ask is a 400). */
export const MAX_IMAGE_SIDE = 8192;
/** Largest region output, in pixels (a larger ask is a 400 naming the size). */
export const MAX_REGION_PIXELS = 64 * 1024 * 1024;
/** Largest histogram bin count. */
export const MAX_BINS = 65536;

/** Tile and image formats the router encodes, with their content types (django-large-image's). */
export const FORMATS = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
};

/** Tile projections: none (pixel space), web mercator, geographic. */
export const PROJECTIONS = ['EPSG:3857', 'EPSG:900913', 'EPSG:4326'];

const p = (name, type, description, extra = {}) => ({ name, type, description, ...extra });

const projection = p('projection', 'string', 'Tile in this projection (`EPSG:3857` web mercator, `EPSG:4326` geographic); absent: pixel space.', { enum: PROJECTIONS });
const source = p('source', 'string', 'The reader (see `large-image/sources`); only `large_image_wasm` exists here.', { enum: ['large_image_wasm'] });

/** large_image style parameters (every image route), read as django-large-image's `get_style` reads them. */
export const STYLE = [
  p('band', 'integer', 'The band to show (1-based); with it `min`, `max`, `palette`, `nodata` and `scheme` apply.', { min: 0 }),
  p('min', 'string', 'Lowest value of the colour ramp: a number, `auto`, `min`, `max` or `full`.'),
  p('max', 'string', 'Highest value of the colour ramp: a number, `auto`, `min`, `max` or `full`.'),
  p('palette', 'string', 'A named colormap (see `large-image/colormaps`) or a CSS colour; `cmap` is an alias.'),
  p('cmap', 'string', 'Alias of `palette`.'),
  p('nodata', 'string', 'The value shown transparent.'),
  p('scheme', 'string', '`linear` (default) or `discrete`.', { enum: ['linear', 'discrete'] }),
  p('style', 'string', 'URL-encoded large_image style JSON; wins over the parameters above.'),
  p('frame', 'integer', 'Frame index (a COG has one frame: 0).', { min: 0, max: 0 }),
];

/** TiTiler's parameters (tile routes); when any is given they win over the style. */
export const TITILER = [
  p('bidx', 'string', 'TiTiler: band indexes (repeat the parameter or comma-separate).', { repeat: true }),
  p('expression', 'string', 'TiTiler: band math, e.g. `(b4-b3)/(b4+b3)`.'),
  p('rescale', 'string', 'TiTiler: `min,max` (one per output band; repeat the parameter).', { repeat: true }),
  p('colormap_name', 'string', 'TiTiler: a named colormap.'),
  p('colormap', 'string', 'TiTiler: a JSON colormap.'),
  p('resampling', 'string', '`nearest` (default), `bilinear` or `cubic`.', { enum: ['nearest', 'bilinear', 'cubic'] }),
];

const z = p('z', 'integer', 'Zoom level (0 = the whole image in one tile).', { in: 'path', min: 0, max: 40 });
const x = p('x', 'integer', 'Tile column.', { in: 'path', min: 0 });
const y = p('y', 'integer', 'Tile row.', { in: 'path', min: 0 });
const fmt = (def) => p('fmt', 'string', 'Image format.', { in: 'path', enum: Object.keys(FORMATS), default: def });
const side = (name) => p(name, 'integer', `Largest ${name === 'max_width' ? 'width' : 'height'} in pixels.`, { default: 256, min: 1, max: MAX_IMAGE_SIDE });
const edge = (name) => p(name, 'number', `Region ${name} edge, in \`units\`.`, { required: true });
const boolean = (name, description) => p(name, 'boolean', description, { default: false });

const JSON_ANSWER = { type: 'json' };
const IMAGE_ANSWER = { type: 'image' };

/**
 * Every detail route under `{prefix}/{id}/`. `path` is a pattern: `{z}`, `{x}`, `{y}` are whole numbers,
 * `{fmt}` one of FORMATS. `aliases` are the 0.1.0 spellings (`projectionDefault`: what they assume).
 */
export const DETAIL_ROUTES = [
  { name: 'metadata', path: 'info/metadata', aliases: [{ path: 'metadata', projectionDefault: 'EPSG:3857' }],
    summary: 'large_image metadata: levels, sizes, tile size, bounds, bands.', params: [projection, source], answer: JSON_ANSWER },
  { name: 'metadataInternal', path: 'info/metadata_internal', aliases: [{ path: 'internal_metadata' }],
    summary: 'Everything the reader knows: TIFF tags per IFD, GeoKeys, GDAL metadata.', params: [projection, source], answer: JSON_ANSWER },
  { name: 'bands', path: 'info/bands', aliases: [{ path: 'bands' }],
    summary: 'Band information keyed by band number (1-based).', params: [projection, source], answer: JSON_ANSWER },
  { name: 'band', path: 'info/band', aliases: [{ path: 'band' }],
    summary: "One band's information.", params: [projection, source, p('band', 'integer', 'Band number (1-based).', { default: 1, min: 1 })], answer: JSON_ANSWER },
  { name: 'frames', path: 'info/frames', aliases: [{ path: 'frames' }],
    summary: 'Frames and their bands (a COG has one frame).', params: [projection, source], answer: JSON_ANSWER },
  { name: 'tiffdump', path: 'info/tiffdump', aliases: [{ path: 'tiffdump' }],
    summary: "The raw IFD dump in tifftools' JSON shape.", params: [], answer: JSON_ANSWER },
  { name: 'validate', path: 'info/validate', aliases: [{ path: 'validate' }],
    summary: "COG validation with the rules and words of GDAL's validate_cloud_optimized_geotiff.py.",
    params: [boolean('full_check', "Also read every block's leader and trailer bytes.")], answer: JSON_ANSWER },
  { name: 'tilesMetadata', path: 'tiles/metadata', aliases: [],
    summary: 'Tile metadata: levels, size_x, size_y, tile_size, geospatial, additional_metadata.', params: [projection, source], answer: JSON_ANSWER },
  { name: 'tile', path: 'tiles/{z}/{x}/{y}.{fmt}', aliases: [],
    summary: 'One tile; outside the image it is transparent, beyond the pyramid a 400.',
    params: [z, x, y, fmt('png'), projection, source, ...STYLE, ...TITILER], answer: IMAGE_ANSWER },
  { name: 'tileCorners', path: 'tiles/{z}/{x}/{y}/corners', aliases: [],
    summary: "The tile's box: full-resolution pixels, or the projection's units.", params: [z, x, y, projection, source], answer: JSON_ANSWER },
  { name: 'thumbnail', path: 'data/thumbnail.{fmt}', aliases: [{ path: 'thumbnail', fmt: 'png' }, { path: 'thumbnail.{fmt}' }],
    summary: 'The whole image within max_width × max_height.',
    params: [fmt('png'), side('max_width'), side('max_height'), projection, source, ...STYLE], answer: IMAGE_ANSWER },
  { name: 'region', path: 'data/region.{fmt}', aliases: [{ path: 'region.{fmt}' }],
    summary: 'A region: GeoTIFF of band values for tif/tiff (styled colours with a style), else the styled image.',
    params: [fmt('tiff'), edge('left'), edge('right'), edge('top'), edge('bottom'),
      p('units', 'string', '`pixels`, `fraction` or `EPSG:nnnn` (default EPSG:4326 for georeferenced images, else pixels).'),
      p('width', 'integer', 'Largest output width (aspect kept); default the region\'s own resolution.', { min: 1, max: MAX_IMAGE_SIDE }),
      p('height', 'integer', 'Largest output height.', { min: 1, max: MAX_IMAGE_SIDE }),
      projection, source, ...STYLE], answer: IMAGE_ANSWER },
  { name: 'pixel', path: 'data/pixel', aliases: [{ path: 'pixel' }],
    summary: "Every band's value at a pixel and its default colour; `{}` outside the image.",
    params: [p('left', 'number', 'x (pixels, or `units`).', { required: true }), p('top', 'number', 'y (pixels, or `units`).', { required: true }),
      p('units', 'string', '`pixels` (default) or `EPSG:nnnn`.'), projection, source], answer: JSON_ANSWER },
  { name: 'histogram', path: 'data/histogram', aliases: [{ path: 'histogram' }],
    summary: "Histograms of the rendered 8-bit RGBA (django-large-image's answer), or of band values with `kind=bands`.",
    params: [boolean('onlyMinMax', 'Only the min, max, mean and stdev lists.'), p('bins', 'integer', 'Number of bins.', { default: 256, min: 1, max: MAX_BINS }),
      boolean('density', 'Density instead of counts.'), p('format', 'string', 'Accepted and ignored (large_image: the encoding histogrammed).'),
      p('kind', 'string', '`rendered` (default) or `bands` (band values of valid pixels, numpy.histogram\'s bins).', { enum: ['rendered', 'bands'] }),
      p('band', 'integer', 'One band (1-based); implies `kind=bands`.', { min: 1 }),
      p('resolution', 'string', 'Largest side of the level read (default 256), or `exact`.'),
      projection, source], answer: JSON_ANSWER },
];

/** The standalone lists, under the lists prefix (`/api/large-image` by default). */
export const LIST_ROUTES = [
  { name: 'sources', path: 'sources', summary: 'Readers: `{name: description}`.' },
  { name: 'colormaps', path: 'colormaps', summary: 'Named colormaps: `{matplotlib: [...], simple: [...]}`.' },
  { name: 'formats', path: 'formats', summary: 'Output formats: `{FORMAT: content type}`.' },
];

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A path pattern as a RegExp with named groups (`z`, `x`, `y`: digits; `fmt`: any word, checked later). */
export function patternRegExp(pattern) {
  const src = escapeRegExp(pattern)
    .replace(/\\\{(z|x|y)\\\}/g, '(?<$1>\\d+)')
    .replace(/\\\{fmt\\\}/g, '(?<fmt>[A-Za-z0-9]+)');
  return new RegExp(`^${src}$`);
}

// The demo page: a COG explorer with no backend. A Cesium globe shows a Cloud Optimized GeoTIFF tiled in
// the page by large-image-wasm: open one by URL (`?url=`), from the sample list or from a local file
// (read in place with Blob.slice, never uploaded); see its metadata and COG validation; style it (band,
// RGB composite, stretch, colormap, nodata, band math) without reloading the layer; see a band's
// histogram and drag its min/max; click to inspect every band's value; export the view as PNG or
// GeoTIFF; copy the service worker's XYZ URL template. The URL bar follows the state (file, style,
// camera, view mode) so a link can be shared. Tiles are made in the page's shared worker pool;
// `?pool=off` makes them on the main thread, `?tilingScheme=webmercator` switches the tiling scheme.
//
// For tests, `window.demo` exposes { ready, firstTile, firstTileMs, firstTileStats, stats(), errors,
// viewer, provider, layer, image, metadata, url, tilingScheme, lastExport, lastInspect, xyzTemplate,
// renders, tiles }.

import { LargeImage, WorkerPool, colormapNames, paletteColors } from './lib/index.js';
import { LargeImageImageryProvider } from './lib/cesium.js';
import { registerLargeImageWorker } from './lib/service-worker.js';
import { HistogramPlot } from './demo-histogram.js';
import { $, ErrorPanel, Progress, copyText, download, errorText, fmtBytes, fmtInt, fmtNum } from './demo-ui.js';

const Cesium = globalThis.Cesium;
const params = new URLSearchParams(location.search);
const DEFAULT_COG = 'data/bmng.tif';
const tilingScheme = params.get('tilingScheme') === 'webmercator' ? 'webmercator' : 'geographic';
const usePool = params.get('pool') !== 'off';
const PROJECTION = { geographic: 'EPSG:4326', webmercator: 'EPSG:3857' }[tilingScheme];
const HISTOGRAM_BINS = 64;
const EXPORT_MAX_PX = 4096;

const SAMPLES = [
  { label: 'Blue Marble, NASA (embedded: 5400 × 2700, RGB, JPEG)', url: DEFAULT_COG },
  {
    label: 'Sentinel-2 true colour, Red Sea coast (AWS open data, RGB)',
    url: 'https://sentinel-cogs.s3.us-west-2.amazonaws.com/sentinel-s2-l2a-cogs/36/Q/WD/2020/7/S2A_36QWD_20200701_0_L2A/TCI.tif',
  },
  {
    label: 'Sentinel-2 band 4, red reflectance (AWS open data, uint16)',
    url: 'https://sentinel-cogs.s3.us-west-2.amazonaws.com/sentinel-s2-l2a-cogs/36/Q/WD/2020/7/S2A_36QWD_20200701_0_L2A/B04.tif',
  },
  {
    label: 'Copernicus DEM 30 m, Swiss Alps (AWS open data, float32)',
    url: 'https://copernicus-dem-30m.s3.amazonaws.com/Copernicus_DSM_COG_10_N46_00_E007_00_DEM/Copernicus_DSM_COG_10_N46_00_E007_00_DEM.tif',
  },
];

// Colormaps offered in the picker (each drawn from the palette the style uses), when the core knows them.
const PALETTES = ['viridis', 'magma', 'inferno', 'plasma', 'cividis', 'Greys_r', 'terrain', 'gist_earth', 'RdYlGn', 'Spectral', 'coolwarm', 'turbo'];

let resolveFirstTile;
const firstTile = new Promise((resolve) => {
  resolveFirstTile = resolve;
});

const errors = new ErrorPanel($('error-panel'), $('errors'), $('errors-clear'));
const progress = new Progress($('progress'), $('progress-text'));

/** The image shown now: its source, the opened image, its provider and layer. */
let current = null;
let openSeq = 0;
let worker = null;

const demo = {
  url: null,
  tilingScheme,
  ready: null,
  firstTile,
  firstTileMs: null,
  firstTileStats: null,
  get errors() {
    return errors.messages;
  },
  viewer: null,
  provider: null,
  layer: null,
  image: null,
  metadata: null,
  lastExport: null,
  lastInspect: null,
  xyzTemplate: null,
  renders: 0,
  // Every tile the provider delivered: [level, x, y].
  tiles: [],
  stats() {
    try {
      return current?.image ? current.image.stats() : { requests: 0, bytes: 0 };
    } catch {
      return { requests: 0, bytes: 0 };
    }
  },
};
window.demo = demo;

function setStatus(text) {
  $('status').textContent = text;
}

function updateStats() {
  const s = demo.stats();
  $('stat-requests').textContent = fmtInt(s.requests);
  $('stat-bytes').textContent = fmtBytes(s.bytes);
}

// Errors outside the explorer's own paths still reach the panel, not only the console.
window.addEventListener('error', (e) => errors.show('Unexpected error', e.error ?? e.message, current?.url));
window.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  errors.show('Unexpected error', e.reason, current?.url);
});

// ---------------------------------------------------------------------------------------------------
// The globe

function makeViewer() {
  if (!Cesium) throw new Error('Cesium.js did not load (expected in vendor/cesium/ beside this page)');
  Cesium.Ion.defaultAccessToken = '';
  const viewer = new Cesium.Viewer('cesiumContainer', {
    baseLayer: false,
    baseLayerPicker: false,
    geocoder: false,
    homeButton: false,
    sceneModePicker: false,
    navigationHelpButton: false,
    animation: false,
    timeline: false,
    fullscreenButton: false,
    infoBox: false,
    selectionIndicator: false,
    terrainProvider: new Cesium.EllipsoidTerrainProvider(),
    // Draw a frame only when something changed (the camera, a tile, a style): an idle globe costs no
    // CPU, which on a laptop's battery or a software renderer is most of the page's work.
    requestRenderMode: true,
    maximumRenderTimeChange: Infinity,
  });
  const { globe } = viewer.scene;
  globe.baseColor = Cesium.Color.fromCssColorString('#1b2733');
  // Show the data's own colours: no ground atmosphere tint or fog over the imagery.
  globe.showGroundAtmosphere = false;
  viewer.scene.fog.enabled = false;
  return viewer;
}

const viewer = makeViewer();
demo.viewer = viewer;

// Tile progress: tiles delivered since the queue was last empty, against those still queued.
let tilesSinceIdle = 0;
let tilesQueued = 0;
function showTileProgress() {
  if (tilesQueued === 0) {
    progress.done(`Tiles: ${fmtInt(tilesSinceIdle)} loaded, none waiting`);
    tilesSinceIdle = 0;
  } else {
    progress.set('Tiles loaded', tilesSinceIdle, tilesSinceIdle + tilesQueued);
  }
}
viewer.scene.globe.tileLoadProgressEvent.addEventListener((queued) => {
  tilesQueued = queued;
  showTileProgress();
});

function onTile({ x, y, level }) {
  demo.tiles.push([level, x, y]);
  tilesSinceIdle += 1;
  if (demo.firstTileMs == null) {
    // performance.now() counts from the start of the page's navigation.
    demo.firstTileMs = performance.now();
    demo.firstTileStats = demo.stats();
    $('first-tile').textContent = `${demo.firstTileMs.toFixed(0)} ms after page load`;
    resolveFirstTile(demo.firstTileMs);
  }
}

const SCENE_MODES = {
  '3d': () => viewer.scene.morphTo3D(0),
  '2d': () => viewer.scene.morphTo2D(0),
  columbus: () => viewer.scene.morphToColumbusView(0),
};
let sceneMode = SCENE_MODES[params.get('view')] ? params.get('view') : '3d';
function setSceneMode(mode) {
  sceneMode = mode;
  SCENE_MODES[mode]();
  for (const b of document.querySelectorAll('#scene-modes button')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  syncUrl();
}
for (const b of document.querySelectorAll('#scene-modes button')) b.addEventListener('click', () => setSceneMode(b.dataset.mode));

// ---------------------------------------------------------------------------------------------------
// The URL bar follows the state: the COG, the style, the camera and the view mode.

function cameraParam() {
  const c = viewer.camera.positionCartographic;
  const deg = Cesium.Math.toDegrees;
  return [deg(c.longitude), deg(c.latitude), c.height].map((v, i) => v.toFixed(i < 2 ? 4 : 0)).join(',');
}

function syncUrl() {
  const p = new URLSearchParams();
  if (current?.source.kind === 'url' && current.source.url !== DEFAULT_COG) p.set('url', current.source.url);
  if (tilingScheme !== 'geographic') p.set('tilingScheme', tilingScheme);
  for (const [k, v] of Object.entries(styleParams())) p.set(k, v);
  if (sceneMode !== '3d') p.set('view', sceneMode);
  if (cameraMoved) p.set('camera', cameraParam());
  const q = p.toString();
  history.replaceState(null, '', q ? `?${q}` : location.pathname);
}

let cameraMoved = false;
viewer.camera.moveEnd.addEventListener(() => {
  if (!current) return;
  cameraMoved = true;
  syncUrl();
});

function restoreCamera() {
  const cam = (params.get('camera') ?? '').split(',').map(Number);
  if (cam.length === 3 && cam.every(Number.isFinite)) {
    viewer.camera.setView({ destination: Cesium.Cartesian3.fromDegrees(cam[0], cam[1], cam[2]) });
    cameraMoved = true;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// Style: what the form says, as the tile options the core takes

const styleForm = $('style-form');
const field = (id) => $(`style-${id}`);

/** The form's state as URL parameters (only what differs from drawing the file's own colours). */
function styleParams() {
  const mode = field('mode').value;
  if (mode === 'file') return {};
  const p = { mode, min: field('min').value, max: field('max').value };
  if (mode === 'band') p.band = field('band').value;
  if (mode === 'rgb') p.rgb = ['r', 'g', 'b'].map((c) => field(c).value).join(',');
  if (mode === 'expression') p.expression = field('expression').value;
  if (mode !== 'rgb') p.palette = selectedPalette();
  if (field('nodata').value.trim()) p.nodata = field('nodata').value.trim();
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== '' && v != null));
}

function selectedPalette() {
  return document.querySelector('input[name="palette"]:checked')?.value ?? '';
}

const BOUND_WORDS = ['auto', 'min', 'max', 'full'];

/** A min/max field: a number, one of large_image's words, or (band math) a number only. */
function readBound(id, { numbersOnly }) {
  const text = field(id).value.trim();
  if (text === '') return { value: numbersOnly ? undefined : 'auto' };
  const n = Number(text);
  if (Number.isFinite(n)) return { value: n };
  if (!numbersOnly && BOUND_WORDS.includes(text.toLowerCase())) return { value: text.toLowerCase() };
  return { error: numbersOnly ? `${id} must be a number for band math (or empty)` : `${id} must be a number or one of ${BOUND_WORDS.join(', ')}` };
}

/**
 * The tile options of the form: `{}` for the file's colours, `{ style }` (large_image's style JSON) for a
 * band or a composite, TiTiler's `expression`/`rescale`/`colormapName` for band math. Field errors are
 * shown beside their fields, and the answer is null.
 */
function renderOptions() {
  for (const id of ['style-range-error', 'style-nodata-error', 'style-expression-error', 'style-error']) $(id).textContent = '';
  for (const id of ['min', 'max', 'nodata', 'expression']) field(id).removeAttribute('aria-invalid');
  const mode = field('mode').value;
  if (mode === 'file') return {};
  const numbersOnly = mode === 'expression';
  const min = readBound('min', { numbersOnly });
  const max = readBound('max', { numbersOnly });
  let bad = false;
  for (const [id, b] of [['min', min], ['max', max]]) {
    if (b.error) {
      $('style-range-error').textContent = b.error;
      field(id).setAttribute('aria-invalid', 'true');
      bad = true;
    }
  }
  const nodataText = field('nodata').value.trim();
  const nodata = nodataText === '' ? undefined : Number(nodataText);
  if (nodataText !== '' && !Number.isFinite(nodata)) {
    $('style-nodata-error').textContent = 'nodata must be a number (or empty for the file’s own)';
    field('nodata').setAttribute('aria-invalid', 'true');
    bad = true;
  }
  if (bad) return null;
  const palette = selectedPalette();
  const withNodata = (o) => (nodata === undefined ? o : { ...o, nodata });
  if (mode === 'band') {
    const s = { band: Number(field('band').value), min: min.value, max: max.value };
    if (palette) s.palette = palette;
    return { style: withNodata(s) };
  }
  if (mode === 'rgb') {
    const colours = ['#ff0000', '#00ff00', '#0000ff'];
    const bands = ['r', 'g', 'b'].map((c, i) => withNodata({ band: Number(field(c).value), min: min.value, max: max.value, palette: ['#000000', colours[i]] }));
    return { style: { bands } };
  }
  const expression = field('expression').value.trim();
  if (!expression) {
    $('style-expression-error').textContent = 'type an expression, e.g. (b3-b1)/(b3+b1)';
    field('expression').setAttribute('aria-invalid', 'true');
    return null;
  }
  const o = { expression };
  if (min.value !== undefined || max.value !== undefined) {
    if (min.value === undefined || max.value === undefined) {
      $('style-range-error').textContent = 'band math needs both min and max, or neither';
      return null;
    }
    o.rescale = [min.value, max.value];
  }
  if (palette) o.colormapName = palette.toLowerCase();
  if (nodata !== undefined) o.nodata = nodata;
  return o;
}

/** A render's TiTiler parameters (band math) as one query string; '' when it has none. */
function titilerQuery(render) {
  const q = new URLSearchParams();
  if (render.expression) q.set('expression', render.expression);
  if (render.rescale) q.set('rescale', render.rescale.join(','));
  if (render.colormapName) q.set('colormap_name', render.colormapName);
  if (render.expression && render.nodata !== undefined) q.set('nodata', String(render.nodata));
  return q.toString();
}

/** The query string of the same style for the service worker's tile URLs. */
function renderQuery(render) {
  const q = new URLSearchParams({ projection: 'EPSG:3857' });
  if (render.style) q.set('style', JSON.stringify(render.style));
  const titiler = titilerQuery(render);
  return titiler ? `${q}&${titiler}` : q.toString();
}

/** Shows the fields of the chosen mode (the others are hidden, not left dead). */
function showModeFields() {
  const mode = field('mode').value;
  for (const el of document.querySelectorAll('[data-modes]')) el.hidden = !el.dataset.modes.split(' ').includes(mode);
}

/**
 * Applies the form's style: checked by the core on one tile first, so a bad expression or band is told
 * beside its field and the map keeps its last good style.
 */
async function applyStyle() {
  const c = current;
  if (!c) return false;
  const render = renderOptions();
  if (render == null) return false;
  try {
    await c.image.tile(0, 0, 0, { projection: PROJECTION, format: 'rgba', ...render });
  } catch (err) {
    const text = errorText(err);
    const target = render.expression && /expression|band|b\d/i.test(text) ? 'style-expression' : 'style';
    $(`${target}-error`).textContent = text;
    if (target === 'style-expression') field('expression').setAttribute('aria-invalid', 'true');
    return false;
  }
  if (c !== current) return false;
  c.render = render;
  // The same layer draws again in the new render (the provider's setRender: no new layer).
  c.provider.setRender(render);
  demo.renders += 1;
  updateXyz();
  syncUrl();
  refreshHistogram();
  return true;
}

styleForm.addEventListener('submit', (e) => {
  e.preventDefault();
  applyStyle();
});
field('mode').addEventListener('change', () => {
  showModeFields();
  fillRangeFromBand();
  if (field('mode').value === 'file') applyStyle();
});
for (const id of ['band', 'r', 'g', 'b']) field(id).addEventListener('change', () => {
  if (id === 'band' || id === 'r') fillRangeFromBand();
  applyStyle();
});
$('palettes').addEventListener('change', () => applyStyle());

/** When a band is picked, its stretch starts at its own min/max (numbers the markers can show). */
function fillRangeFromBand() {
  const info = current?.bands?.[String(histogramBand())];
  if (!info || field('mode').value === 'file') return;
  if (Number.isFinite(info.min)) field('min').value = fmtNum(info.min);
  if (Number.isFinite(info.max)) field('max').value = fmtNum(info.max);
}

async function buildPalettePicker() {
  const known = new Set((await colormapNames()).map((n) => n.toLowerCase()));
  const list = $('palettes');
  const add = (value, label, colours) => {
    const id = `palette-${value || 'none'}`;
    const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'palette', value, id });
    const lab = Object.assign(document.createElement('label'), { htmlFor: id });
    const swatch = document.createElement('canvas');
    swatch.width = 96;
    swatch.height = 12;
    swatch.setAttribute('aria-hidden', 'true');
    const g = swatch.getContext('2d');
    const n = colours.length / 4;
    const grad = g.createLinearGradient(0, 0, swatch.width, 0);
    for (let i = 0; i < n; i++) {
      const [r, gr, b, a] = colours.slice(i * 4, i * 4 + 4);
      grad.addColorStop(n === 1 ? 0 : i / (n - 1), `rgba(${r},${gr},${b},${a / 255})`);
    }
    g.fillStyle = grad;
    g.fillRect(0, 0, swatch.width, swatch.height);
    lab.append(swatch, document.createTextNode(label));
    list.append(input, lab);
  };
  add('', 'grey (black → white)', [0, 0, 0, 255, 255, 255, 255, 255]);
  for (const name of PALETTES) {
    const colours = await paletteColors(name);
    // Band math's colormap is TiTiler's (rio-tiler's tables), by the same lower-case name.
    if (colours && known.has(name.toLowerCase())) add(name, name, Array.from(colours));
  }
  const wanted = params.get('palette') ?? '';
  (list.querySelector(`input[value="${CSS.escape(wanted)}"]`) ?? list.querySelector('input')).checked = true;
}

// ---------------------------------------------------------------------------------------------------
// Histogram

const histogram = new HistogramPlot($('histogram'), {
  onChange: (which, v) => {
    field(which).value = fmtNum(v, 4);
  },
  onCommit: (which, v) => {
    field(which).value = fmtNum(v, 4);
    applyStyle();
  },
});

demo.histogramPlot = histogram;

function histogramBand() {
  const mode = field('mode').value;
  if (mode === 'band') return Number(field('band').value) || 1;
  if (mode === 'rgb') return Number(field('r').value) || 1;
  return 1;
}

let histogramSeq = 0;
async function refreshHistogram() {
  const c = current;
  if (!c) return;
  const band = histogramBand();
  const mode = field('mode').value;
  const markers = mode === 'band' || mode === 'rgb';
  const key = `${band}`;
  const seq = ++histogramSeq;
  if (c.histogramKey !== key) {
    progress.busy(`Histogram of band ${band}`);
    let answer;
    try {
      answer = await c.image.histogram({
        kind: 'bands',
        band,
        bins: HISTOGRAM_BINS,
        onProgress: (done, total) => {
          if (seq === histogramSeq) progress.set(`Histogram of band ${band}: windows read`, done, total);
        },
      });
    } catch (err) {
      if (seq === histogramSeq && c === current) {
        progress.done('Histogram failed');
        errors.show(`Histogram of band ${band} failed`, err, c.url);
      }
      return;
    }
    if (seq !== histogramSeq || c !== current) return;
    const entry = Array.isArray(answer) ? answer[0] : answer;
    c.histogramKey = key;
    histogram.setData(entry);
    $('hist-caption').textContent = `Band ${band}: ${fmtInt(entry.samples)} valid samples in ${entry.bins} bins, ${fmtNum(entry.range[0])} … ${fmtNum(entry.range[1])}`;
    demo.histogram = { band, bins: entry.bins, range: entry.range };
    showTileProgress();
  }
  const num = (id) => {
    const v = Number(field(id).value);
    return field(id).value.trim() !== '' && Number.isFinite(v) ? v : null;
  };
  histogram.setMarkers(num('min'), num('max'), markers);
}

// ---------------------------------------------------------------------------------------------------
// Metadata and validation

function crsName(internal, code) {
  const keys = Object.fromEntries((internal?.geoKeys ?? []).map((k) => [k.name, k.value]));
  const cite = keys.GTCitationGeoKey ?? keys.PCSCitationGeoKey ?? keys.GeogCitationGeoKey;
  if (typeof cite === 'string' && cite.trim()) return cite.replace(/\|+$/, '').trim();
  return { 'EPSG:4326': 'WGS 84', 'EPSG:3857': 'WGS 84 / Pseudo-Mercator' }[code] ?? null;
}

function showMetadata(c) {
  const m = c.metadata;
  $('meta-size').textContent = `${fmtInt(m.sizeX)} × ${fmtInt(m.sizeY)} px, ${m.levels} levels (${c.sourceLevels ?? '?'} in the file)`;
  $('meta-tiles').textContent = `${m.tileWidth} × ${m.tileHeight} (file: ${c.layout})`;
  const interp = Object.values(m.bands ?? {}).map((b) => b.interpretation).filter(Boolean);
  $('meta-bands').textContent = `${m.bandCount} × ${m.dtype ?? '?'}${interp.length ? ` (${interp.join(', ')})` : ''}`;
  const code = c.crs;
  const name = crsName(c.internal, code);
  $('meta-crs').textContent = code ? `${code}${name ? ` — ${name}` : ''}` : 'none (not georeferenced)';
  const b = m.bounds;
  const f = (v) => (Number.isFinite(v) ? v.toFixed(4) : '?');
  $('meta-bounds').textContent = b ? `lon ${f(b.xmin)} … ${f(b.xmax)}, lat ${f(b.ymin)} … ${f(b.ymax)}` : '–';
  $('meta-compression').textContent = c.compression ?? '–';
}

function showValidation(report) {
  const list = $('validation');
  list.replaceChildren();
  const { errors: errs = [], warnings = [] } = report;
  $('validation-summary').textContent = report.valid
    ? `A valid Cloud Optimized GeoTIFF${warnings.length ? `, with ${warnings.length} warning(s)` : ''}.`
    : `Not a valid Cloud Optimized GeoTIFF: ${errs.length} error(s), ${warnings.length} warning(s).`;
  for (const [kind, items] of [['Error', errs], ['Warning', warnings]]) {
    for (const text of items) {
      const li = document.createElement('li');
      li.className = kind.toLowerCase();
      li.textContent = `${kind}: ${text}`;
      list.append(li);
    }
  }
}

/** The file's own layout (its first IFD), its CRS code and its pyramid's level count. */
function layoutOf(internal) {
  const ifd = internal?.ifds?.[0] ?? {};
  const layout = ifd.tiled ? `${ifd.blockWidth} × ${ifd.blockHeight} tiles` : `strips of ${ifd.blockHeight ?? '?'} rows`;
  const compression = ifd.compressionName ?? (ifd.compression != null ? `code ${ifd.compression}` : null);
  const crs = typeof internal?.Projection === 'string' ? internal.Projection.toUpperCase() : null;
  const sourceLevels = (internal?.ifds ?? []).filter((i) => /^level /.test(i.role)).length || null;
  return { layout, compression, crs, sourceLevels, affine: internal?.Affine ?? null };
}

// ---------------------------------------------------------------------------------------------------
// Opening a COG

/** Reads a local file's byte ranges in place (Blob.slice): nothing leaves the page. */
function fileReader(file) {
  return (ranges) => Promise.all(ranges.map(([start, end]) => file.slice(start, end).arrayBuffer().then((b) => new Uint8Array(b))));
}

function sourceUrl(source) {
  return source.kind === 'file' ? `file:${source.file.name}` : new URL(source.url, location.href).href;
}

async function openSource(source) {
  const seq = ++openSeq;
  const url = sourceUrl(source);
  $('cog-url').textContent = source.kind === 'file' ? `${source.file.name} (local file, ${fmtBytes(source.file.size)})` : url;
  setStatus('opening…');
  progress.busy(`Opening ${source.kind === 'file' ? source.file.name : url}`);
  const openOptions = source.kind === 'file' ? { read: fileReader(source.file) } : {};
  // Tiles are made in the page's shared worker pool (off the main thread) unless `?pool=off`.
  if (usePool) openOptions.pool = WorkerPool.shared();
  let image;
  try {
    image = await LargeImage.open(url, openOptions);
    progress.set('Opening: header read, metadata', 1, 3);
    const metadata = await image.metadata();
    const levels = (await image.metadata({ projection: PROJECTION })).levels;
    progress.set('Opening: pyramid, bands', 2, 3);
    const [internal, bands] = await Promise.all([image.internalMetadata(), image.bands()]);
    if (seq !== openSeq) {
      image.close();
      return null;
    }
    // `scene`: tiles nearest the view's centre first, and those the camera left cancelled.
    const provider = new LargeImageImageryProvider({ Cesium, image, metadata, levels, tilingScheme, onTile, scene: viewer.scene });
    const layer = new Cesium.ImageryLayer(provider);
    const previous = current;
    current = { source, url, image, render: {}, provider, layer, metadata, bands, internal, ...layoutOf(internal) };
    if (previous) {
      viewer.imageryLayers.remove(previous.layer, true);
      previous.provider.destroy();
    }
    viewer.imageryLayers.add(layer);
    provider.errorEvent.addEventListener((tileError) => errors.show('A tile failed (the map keeps running)', tileError, url));
    Object.assign(demo, { url, provider, layer, image, metadata });
  } catch (err) {
    image?.close();
    if (seq === openSeq) {
      // The map keeps the image it had, and says so.
      setStatus('failed');
      if (current) $('cog-url').textContent = `${current.url} (still shown)`;
      progress.done('Opening failed');
      errors.show(`Could not open ${source.kind === 'file' ? source.file.name : url}`, err, url);
    }
    throw err;
  }
  const c = current;
  showMetadata(c);
  fillBandSelects(c);
  const pool = c.image.pool;
  const where = pool ? `${pool.size} worker${pool.size > 1 ? 's' : ''}` : 'main thread';
  setStatus(`ready (${tilingScheme} tiles, levels ${c.provider.minimumLevel}–${c.provider.maximumLevel}, ${where})`);
  updateStats();
  const r = c.provider.rectangle;
  if (!restoreCameraOnce() && r.width < Math.PI / 2 && r.height < Math.PI / 4) viewer.camera.setView({ destination: r });
  syncUrl();
  updateXyz();
  if (field('mode').value !== 'file') await applyStyle();
  refreshHistogram();
  c.image.validate().then(
    (report) => c === current && showValidation(report),
    (err) => c === current && errors.show('COG validation failed', err, url),
  );
  return c.provider;
}

let cameraRestored = false;
function restoreCameraOnce() {
  if (cameraRestored) return false;
  cameraRestored = true;
  return restoreCamera();
}

function fillBandSelects(c) {
  const n = c.metadata.bandCount;
  for (const [id, def] of [['band', 1], ['r', 1], ['g', Math.min(2, n)], ['b', Math.min(3, n)]]) {
    const sel = field(id);
    const keep = Number(sel.value);
    sel.replaceChildren(
      ...Array.from({ length: n }, (_, i) => {
        const interp = c.bands?.[String(i + 1)]?.interpretation;
        return new Option(`${i + 1}${interp ? ` (${interp})` : ''}`, String(i + 1));
      }),
    );
    sel.value = String(keep >= 1 && keep <= n ? keep : def);
  }
  current.histogramKey = null;
}

function openUrl(url) {
  return openSource({ kind: 'url', url }).catch(() => null);
}

$('open-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const url = $('url-input').value.trim();
  if (url) openUrl(url);
});

const samples = $('samples');
samples.append(new Option('Pick a sample…', ''), ...SAMPLES.map((s) => new Option(s.label, s.url)));
samples.addEventListener('change', () => {
  if (!samples.value) return;
  $('url-input').value = new URL(samples.value, location.href).href;
  openUrl(samples.value);
});

function openFile(file) {
  if (!file) return;
  openSource({ kind: 'file', file }).catch(() => null);
}
$('file-input').addEventListener('change', (e) => openFile(e.target.files?.[0]));

// Dropping a file anywhere on the page opens it (read in place, not uploaded).
const overlay = $('drop-overlay');
window.addEventListener('dragover', (e) => {
  if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
  e.preventDefault();
  overlay.hidden = false;
});
window.addEventListener('dragleave', (e) => {
  if (e.relatedTarget == null) overlay.hidden = true;
});
window.addEventListener('drop', (e) => {
  e.preventDefault();
  overlay.hidden = true;
  openFile(e.dataTransfer?.files?.[0]);
});

// ---------------------------------------------------------------------------------------------------
// Inspect a point

async function inspect(lon, lat) {
  const c = current;
  if (!c) return;
  $('inspect-lon').value = lon.toFixed(6);
  $('inspect-lat').value = lat.toFixed(6);
  const out = $('inspect');
  let px;
  let native;
  try {
    const point = { left: lon, top: lat, units: 'EPSG:4326' };
    [px, native] = await Promise.all([c.image.pixel(point), c.image.locate(point)]);
  } catch (err) {
    errors.show('Inspecting the point failed', err, c.url);
    return;
  }
  if (c !== current) return;
  const rows = [['EPSG:4326', `lon ${lon.toFixed(6)}, lat ${lat.toFixed(6)}`]];
  // The point in the file's own CRS and the full-resolution pixel holding it (the core's transform).
  if (native.x != null && c.crs !== 'EPSG:4326') {
    const digits = Math.abs(native.x) > 1000 || Math.abs(native.y) > 1000 ? 2 : 6;
    rows.push([c.crs ?? 'File CRS', `x ${native.x.toFixed(digits)}, y ${native.y.toFixed(digits)}`]);
  }
  rows.push(['Pixel', `row ${fmtInt(native.row)}, column ${fmtInt(native.column)}${native.inside ? '' : ' (outside)'}`]);
  if (!px.bands) {
    rows.push(['Values', 'outside the image']);
  } else {
    for (const [band, v] of Object.entries(px.bands)) rows.push([`Band ${band}`, v == null ? 'nodata / masked' : fmtNum(v, 10)]);
  }
  out.replaceChildren(
    ...rows.flatMap(([k, v]) => [Object.assign(document.createElement('dt'), { textContent: k }), Object.assign(document.createElement('dd'), { textContent: v })]),
  );
  demo.lastInspect = { lon, lat, bands: px.bands ?? null, native };
}

const clicks = new Cesium.ScreenSpaceEventHandler(viewer.scene.canvas);
clicks.setInputAction((e) => {
  const cartesian = viewer.camera.pickEllipsoid(e.position, viewer.scene.globe.ellipsoid);
  if (!cartesian) return;
  const g = Cesium.Cartographic.fromCartesian(cartesian);
  inspect(Cesium.Math.toDegrees(g.longitude), Cesium.Math.toDegrees(g.latitude));
}, Cesium.ScreenSpaceEventType.LEFT_CLICK);

$('inspect-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const lon = Number($('inspect-lon').value);
  const lat = Number($('inspect-lat').value);
  if (Number.isFinite(lon) && Number.isFinite(lat)) inspect(lon, lat);
});

// ---------------------------------------------------------------------------------------------------
// Export the view, and the XYZ template

/** The box on screen (degrees), cut to the data's bounds. */
function viewBox(c) {
  const deg = Cesium.Math.toDegrees;
  const v = viewer.camera.computeViewRectangle(viewer.scene.globe.ellipsoid);
  const b = c.metadata.bounds;
  let [west, south, east, north] = v ? [deg(v.west), deg(v.south), deg(v.east), deg(v.north)] : [b.xmin, b.ymin, b.xmax, b.ymax];
  if (east < west) [west, east] = [b.xmin, b.xmax];
  return {
    left: Math.max(west, b.xmin),
    right: Math.min(east, b.xmax),
    top: Math.min(north, b.ymax),
    bottom: Math.max(south, b.ymin),
  };
}

async function exportView(format) {
  const c = current;
  if (!c) return;
  const box = viewBox(c);
  const m = c.metadata;
  const b = m.bounds;
  // Full resolution unless that is larger than EXPORT_MAX_PX on a side.
  const w = ((box.right - box.left) / (b.xmax - b.xmin)) * m.sizeX;
  const h = ((box.top - box.bottom) / (b.ymax - b.ymin)) * m.sizeY;
  const opts = { ...box, units: 'EPSG:4326', format };
  if (w > EXPORT_MAX_PX || h > EXPORT_MAX_PX) Object.assign(opts, { width: EXPORT_MAX_PX, height: EXPORT_MAX_PX });
  // The PNG is drawn as the map is: the style, or the band math's TiTiler parameters.
  const titiler = titilerQuery(c.render);
  if (format === 'png' && c.render.style) opts.style = c.render.style;
  if (format === 'png' && titiler) opts.titiler = titiler;
  progress.busy(`Exporting the view as ${format.toUpperCase()}`);
  try {
    const bytes = await c.image.region(opts);
    const stem = (c.source.kind === 'file' ? c.source.file.name : new URL(c.url).pathname.split('/').pop()).replace(/\.tiff?$/i, '') || 'view';
    download(bytes, `${stem}-view.${format === 'tiff' ? 'tif' : 'png'}`, format === 'tiff' ? 'image/tiff' : 'image/png');
    demo.lastExport = { format, options: opts, bytes: bytes.byteLength };
    progress.done(`Exported ${fmtBytes(bytes.byteLength)} (${format.toUpperCase()})`);
  } catch (err) {
    progress.done('Export failed');
    errors.show(`Export as ${format.toUpperCase()} failed`, err, c.url);
  }
}
$('export-png').addEventListener('click', () => exportView('png'));
$('export-tiff').addEventListener('click', () => exportView('tiff'));

const SNIPPETS = {
  leaflet: (t) => `L.tileLayer('${t}', {\n  maxZoom: 18, attribution: 'large-image-wasm',\n}).addTo(map);`,
  openlayers: (t) => `map.addLayer(new ol.layer.Tile({\n  source: new ol.source.XYZ({ url: '${t}' }),\n}));`,
  maplibre: (t) => `map.addSource('cog', { type: 'raster', tiles: ['${t}'], tileSize: 256 });\nmap.addLayer({ id: 'cog', type: 'raster', source: 'cog' });`,
};

function imageName(url) {
  const stem = new URL(url).pathname.split('/').pop().replace(/\.tiff?$/i, '').toLowerCase();
  return stem.replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'cog';
}

/** Registers the current COG with the service worker and shows its XYZ template and a snippet. */
async function updateXyz() {
  const c = current;
  const box = $('xyz');
  if (!c) return;
  if (c.source.kind === 'file') {
    box.hidden = true;
    $('xyz-note').textContent = 'A local file is read by this page only, so no XYZ URL serves it: open a COG by URL for one.';
    demo.xyzTemplate = null;
    return;
  }
  if (!worker) {
    box.hidden = true;
    $('xyz-note').textContent = 'Starting the service worker…';
    return;
  }
  try {
    const name = imageName(c.url);
    if (c.swName !== name) {
      await worker.register(name, c.url);
      c.swName = name;
    }
    const template = `${location.origin}${worker.prefix}/${name}/tiles/{z}/{x}/{y}.png?${renderQuery(c.render)}`;
    if (c !== current) return;
    $('xyz-template').value = template;
    $('snippet').value = SNIPPETS[$('snippet-kind').value](template);
    box.hidden = false;
    $('xyz-note').textContent = 'Tiles in web mercator, from this site’s service worker: use them in pages of this site.';
    demo.xyzTemplate = template;
  } catch (err) {
    box.hidden = true;
    $('xyz-note').textContent = 'The service worker could not register this COG.';
    errors.show('Service worker', err, c.url);
  }
}

$('snippet-kind').addEventListener('change', () => updateXyz());
$('xyz-copy').addEventListener('click', async () => {
  const ok = await copyText($('xyz-template').value, $('xyz-template'));
  $('xyz-note').textContent = ok ? 'XYZ template copied.' : 'Copying was refused: the template is selected, press Ctrl+C.';
});
$('snippet-copy').addEventListener('click', async () => {
  const ok = await copyText($('snippet').value, $('snippet'));
  $('xyz-note').textContent = ok ? 'Snippet copied.' : 'Copying was refused: the snippet is selected, press Ctrl+C.';
});

async function startWorker() {
  const base = new URL('.', location.href).pathname;
  try {
    worker = await registerLargeImageWorker(new URL('sw.js', location.href), { prefix: `${base}api/image`, listsPrefix: `${base}api/large-image` });
  } catch (err) {
    $('xyz-note').textContent = `No service worker here (${errorText(err)}): the XYZ template needs one.`;
    return;
  }
  updateXyz();
}

// ---------------------------------------------------------------------------------------------------
// Start: the form from the URL, then the COG.

function restoreForm() {
  const mode = params.get('mode');
  if (['band', 'rgb', 'expression'].includes(mode)) field('mode').value = mode;
  for (const id of ['min', 'max', 'nodata', 'expression']) if (params.has(id)) field(id).value = params.get(id);
  showModeFields();
}

async function start() {
  restoreForm();
  if (sceneMode !== '3d') setSceneMode(sceneMode);
  // Bands named in the URL are set once the image's bands are known.
  const band = params.get('band');
  const rgb = (params.get('rgb') ?? '').split(',');
  const first = params.get('url') || DEFAULT_COG;
  $('url-input').value = new URL(first, location.href).href;
  await buildPalettePicker().catch((err) => errors.show('Colormaps', err));
  startWorker();
  setInterval(updateStats, 1000);
  const pending = openSource({ kind: 'url', url: first });
  if (band || rgb.length === 3) {
    pending.then(() => {
      if (band) field('band').value = band;
      if (rgb.length === 3) ['r', 'g', 'b'].forEach((c, i) => (field(c).value = rgb[i]));
      if (field('mode').value !== 'file') applyStyle();
    }, () => {});
  }
  return pending;
}

demo.ready = start();
// The promise is there for tests to await; failing is shown on the page, not unhandled.
demo.ready.catch(() => {});

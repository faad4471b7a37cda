// The demo page: a Cesium globe showing a Cloud Optimized GeoTIFF tiled in the page by
// large-image-wasm. `?url=` picks the COG (default: the embedded Blue Marble),
// `?tilingScheme=webmercator` switches the tiling scheme, `?pool=off` makes the tiles on the page's
// main thread instead of the shared worker pool. A click on the globe shows the values there.
//
// For tests, `window.demo` exposes { ready, firstTile, firstTileMs, firstTileStats,
// stats(), errors, viewer, provider, layer, metadata, picked }.

import { LargeImageImageryProvider } from './lib/cesium.js';

const Cesium = globalThis.Cesium;
const params = new URLSearchParams(location.search);
const cogUrl = new URL(params.get('url') || 'data/bmng.tif', location.href).href;
const tilingScheme = params.get('tilingScheme') === 'webmercator' ? 'webmercator' : 'geographic';
const usePool = params.get('pool') !== 'off';

const $ = (id) => document.getElementById(id);
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fmtBytes = (n) => {
  if (!Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
};

let provider = null;
let resolveFirstTile;
const firstTile = new Promise((resolve) => {
  resolveFirstTile = resolve;
});

const demo = {
  url: cogUrl,
  tilingScheme,
  ready: null,
  firstTile,
  firstTileMs: null,
  firstTileStats: null,
  errors: [],
  viewer: null,
  provider: null,
  layer: null,
  metadata: null,
  picked: null,
  // Every tile the provider delivered: [level, x, y].
  tiles: [],
  stats() {
    try {
      return provider ? provider.image.stats() : { requests: 0, bytes: 0 };
    } catch {
      return { requests: 0, bytes: 0 };
    }
  },
};
window.demo = demo;

$('cog-url').textContent = cogUrl;

function showError(message) {
  const text = String(message);
  demo.errors.push(text);
  const li = document.createElement('li');
  li.textContent = text;
  $('errors').appendChild(li);
}

function errorText(err) {
  if (err == null) return 'unknown error';
  if (err instanceof Error) return err.message || String(err);
  if (typeof err === 'object') {
    // Cesium's TileProviderError: message plus the underlying error.
    if ('message' in err && 'error' in err && err.error) {
      return `${err.message} ${errorText(err.error)}`;
    }
    if (typeof err.message === 'string') return err.message;
  }
  return String(err);
}

function setStatus(text) {
  $('status').textContent = text;
}

function updateStats() {
  const s = demo.stats();
  $('stat-requests').textContent = fmtInt(s.requests);
  $('stat-bytes').textContent = fmtBytes(s.bytes);
}

function showMetadata(m) {
  $('meta-size').textContent = `${fmtInt(m.sizeX)} × ${fmtInt(m.sizeY)} px, ${m.levels} levels`;
  $('meta-tiles').textContent = `${m.tileWidth} × ${m.tileHeight}`;
  $('meta-bands').textContent = `${m.bandCount} × ${m.dtype ?? '?'}`;
  const b = m.bounds;
  if (b) {
    const f = (v) => (Number.isFinite(v) ? v.toFixed(3) : '?');
    $('meta-bounds').textContent = `lon ${f(b.xmin)} … ${f(b.xmax)}, lat ${f(b.ymin)} … ${f(b.ymax)}`;
  }
}

// Errors outside the provider's paths still reach the page, not just the console.
window.addEventListener('error', (e) => showError(errorText(e.error ?? e.message)));
window.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  showError(errorText(e.reason));
});

function onTile({ x, y, level }) {
  demo.tiles.push([level, x, y]);
  if (demo.firstTileMs == null) {
    // performance.now() counts from the start of the page's navigation.
    demo.firstTileMs = performance.now();
    demo.firstTileStats = demo.stats();
    $('first-tile').textContent = `${demo.firstTileMs.toFixed(0)} ms after page load`;
    resolveFirstTile(demo.firstTileMs);
  }
  updateStats();
}

/** A click on the globe: the values of every imagery layer's pixel there (`pickFeatures`). */
function watchClicks(viewer) {
  const handler = new Cesium.ScreenSpaceEventHandler(viewer.scene.canvas);
  handler.setInputAction(async (click) => {
    const ray = viewer.camera.getPickRay(click.position);
    const features = ray && (await viewer.imageryLayers.pickImageryLayerFeatures(ray, viewer.scene));
    demo.picked = features ?? [];
    $('picked').textContent = demo.picked.length
      ? demo.picked.map((f) => `${f.name}: ${Object.entries(f.properties).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('; ')
      : 'no data here';
  }, Cesium.ScreenSpaceEventType.LEFT_CLICK);
}

async function start() {
  if (!Cesium) throw new Error('Cesium.js did not load (expected at /vendor/cesium/Cesium.js)');
  // No Cesium ion: no token, no ion assets.
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
  });
  const { globe } = viewer.scene;
  globe.baseColor = Cesium.Color.fromCssColorString('#1b2733');
  // Show the data's own colours: no ground atmosphere tint or fog over the imagery.
  globe.showGroundAtmosphere = false;
  viewer.scene.fog.enabled = false;
  demo.viewer = viewer;

  const providerPromise = LargeImageImageryProvider.fromUrl(cogUrl, {
    Cesium,
    tilingScheme,
    onTile,
    // Tiles nearest the view's centre first; those the camera leaves are cancelled.
    scene: viewer.scene,
    ...(usePool ? {} : { pool: false }),
  });
  const layer = Cesium.ImageryLayer.fromProviderAsync(providerPromise);
  demo.layer = layer;

  const layerReady = new Promise((resolve, reject) => {
    layer.readyEvent.addEventListener((p) => resolve(p));
    layer.errorEvent.addEventListener((err) => reject(err));
  });
  viewer.imageryLayers.add(layer);

  try {
    provider = await layerReady;
  } catch (err) {
    // A layer without a provider would keep the globe from drawing: drop it.
    viewer.imageryLayers.remove(layer, true);
    demo.layer = null;
    throw err;
  }
  demo.provider = provider;
  demo.metadata = provider.metadata;
  provider.errorEvent.addEventListener((tileError) => {
    showError(errorText(tileError));
  });
  showMetadata(provider.metadata);
  const pool = provider.image.pool;
  setStatus(
    `ready (${tilingScheme} tiles, levels ${provider.minimumLevel}–${provider.maximumLevel}, ` +
      `${pool ? `${pool.size} worker${pool.size > 1 ? 's' : ''}` : 'main thread'})`,
  );
  watchClicks(viewer);
  updateStats();
  setInterval(updateStats, 1000);

  // A small image: look at it rather than at the whole globe.
  const r = provider.rectangle;
  if (r.width < Math.PI / 2 && r.height < Math.PI / 4) {
    viewer.camera.setView({ destination: r });
  }
  return provider;
}

demo.ready = start().catch((err) => {
  const message = errorText(err);
  setStatus('failed');
  showError(message);
  throw err instanceof Error ? err : new Error(message);
});
// The promise is there for tests to await; failing is shown on the page, not unhandled.
demo.ready.catch(() => {});

// The Cesium benchmark's page script: a Viewer with one imagery layer (?kind= ours | tiff | static | floor, a
// number after ours or floor its tile size, e.g. ours256), driven by
// benches/bench_cesium.mjs through window.bench: ready(), then step(name) for each view of the fixed path;
// each step resolves when the globe has said it is fully loaded on 3 frames in a row (the time of the first), with the time it took
// and the long tasks seen meanwhile.

const params = new URLSearchParams(location.search);
const [, kind, digits] = params.get('kind').match(/^(.*?)(\d*)$/);
const tileSize = Number(digits || 512);
const COG = '/data/bmng.tif';

const longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, ms: e.duration });
}).observe({ type: 'longtask', buffered: true });

async function oursProvider() {
  const { LargeImageImageryProvider } = await import('/lib/cesium.js');
  return LargeImageImageryProvider.fromUrl(COG, { Cesium, scene: window.bench.viewer.scene, tileSize });
}

async function makeProvider() {
  if (kind === 'ours') return oursProvider();
  if (kind === 'floor') {
    // Not a real provider: ours (the same tiling scheme, rectangle, levels and tile size), but every tile is
    // one picture made once, handed over at once: what no data at all would cost Cesium on this renderer.
    const ours = await oursProvider();
    const canvas = new OffscreenCanvas(ours.tileWidth, ours.tileHeight);
    const g = canvas.getContext('2d');
    g.fillStyle = '#2a5d8f';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = '#c8b27a';
    g.fillRect(canvas.width / 4, canvas.height / 4, canvas.width / 2, canvas.height / 2);
    const floor = Object.create(ours);
    floor.requestImage = () => createImageBitmap(canvas);
    return floor;
  }
  if (kind === 'tiff') {
    const { TIFFImageryProvider } = await import('/vendor/tip/index.js');
    return TIFFImageryProvider.fromUrl(COG, {});
  }
  if (kind === 'static') {
    return new Cesium.UrlTemplateImageryProvider({
      url: '/tiles/{z}/{x}/{y}.png',
      tilingScheme: new Cesium.GeographicTilingScheme(),
      maximumLevel: Number(params.get('maxLevel')),
    });
  }
  throw new Error(`unknown kind ${kind}`);
}

/** The time globe.tilesLoaded began to hold for 3 rendered frames in a row (rejects after `ms`). */
function loaded(scene, ms = 120_000) {
  return new Promise((resolve, reject) => {
    let streak = 0;
    let first = 0;
    const t0 = performance.now();
    const off = scene.postRender.addEventListener(() => {
      if (scene.globe.tilesLoaded) {
        if (streak++ === 0) first = performance.now();
        if (streak >= 3) {
          off();
          resolve(first);
        }
      } else {
        streak = 0;
      }
      if (performance.now() - t0 > ms) {
        off();
        reject(new Error(`not loaded within ${ms} ms`));
      }
    });
  });
}

function flyTo(camera, lon, lat, height, duration) {
  return new Promise((resolve) =>
    camera.flyTo({ destination: Cesium.Cartesian3.fromDegrees(lon, lat, height), duration, complete: resolve, cancel: resolve }),
  );
}

/** Each step: its camera move; the time runs from the move's start to a fully loaded globe. */
const STEPS = {
  async first() {
    // The viewer is made here: time to the first fully loaded view, from nothing.
    const viewer = new Cesium.Viewer('globe', {
      baseLayer: false, animation: false, timeline: false, geocoder: false, homeButton: false, sceneModePicker: false,
      baseLayerPicker: false, navigationHelpButton: false, fullscreenButton: false, infoBox: false, selectionIndicator: false,
    });
    window.bench.viewer = viewer;
    viewer.scene.globe.baseColor = Cesium.Color.BLACK;
    const layer = viewer.imageryLayers.addImageryProvider(await makeProvider());
    window.bench.layer = layer;
  },
  flyEurope: () => flyTo(window.bench.viewer.camera, 12, 46, 2_500_000, 2),
  flyAndes: () => flyTo(window.bench.viewer.camera, -70, -20, 1_200_000, 2),
  async pan() {
    // 12° eastwards at the same height in 3 s (Cesium's flight, kept below the start's height: a pan).
    const { camera } = window.bench.viewer;
    const here = camera.positionCartographic;
    const lon = Cesium.Math.toDegrees(here.longitude) + 12;
    await new Promise((resolve) =>
      camera.flyTo({
        destination: Cesium.Cartesian3.fromDegrees(lon, Cesium.Math.toDegrees(here.latitude), here.height),
        duration: 3,
        maximumHeight: here.height,
        complete: resolve,
        cancel: resolve,
      }),
    );
  },
};

window.bench = {
  kind,
  viewer: null,
  async step(name) {
    const t0 = performance.now();
    const n0 = longTasks.length;
    await STEPS[name]();
    const { scene } = window.bench.viewer;
    let frames = 0;
    const count = scene.postRender.addEventListener(() => frames++);
    const done = await loaded(scene);
    count();
    const tasks = longTasks.slice(n0).filter((e) => e.start >= t0);
    return {
      ms: Math.round(done - t0),
      frames,
      maximumLevel: window.bench.layer.imageryProvider.maximumLevel,
      longTasks: tasks.length,
      longTaskMs: Math.round(tasks.reduce((a, e) => a + e.ms, 0)),
      longestTask: Math.round(Math.max(0, ...tasks.map((e) => e.ms))),
    };
  },
  steps: Object.keys(STEPS),
};

// ?auto=URL: the page drives itself (no tool attached to the browser: bench_cesium.mjs --raw, through
// benches/common.mjs's `unattached`): before each step it posts { mark } to URL (so the runner can split
// the server's log by step), at the end { done } with the steps, the page's errors and the globe's canvas
// size, or { failed }.
const auto = params.get('auto');
if (auto) {
  // The globe exactly ?size= (the window, with its title bar, is made larger).
  const [w, h] = params.get('size').split('x');
  Object.assign(document.getElementById('globe').style, { width: `${w}px`, height: `${h}px` });
  const post = (body) => fetch(auto, { method: 'POST', mode: 'no-cors', body: JSON.stringify(body) });
  const errors = [];
  addEventListener('error', (e) => errors.push(String(e.message)));
  addEventListener('unhandledrejection', (e) => errors.push(String(e.reason?.message ?? e.reason)));
  (async () => {
    const out = [];
    for (const name of window.bench.steps) {
      await post({ mark: name });
      out.push({ name, ...(await window.bench.step(name)) });
    }
    const { canvas } = window.bench.viewer;
    await post({ done: { steps: out, errors, viewport: [canvas.width, canvas.height] } });
  })().catch((e) => post({ failed: String(e?.stack ?? e) }));
}

// The Cesium provider (www/lib/cesium.js) on the demo page in headless Chromium, with the worker pool:
// pickFeatures answers GDAL's values (gdallocationinfo); setStyle re-renders the same layer object in the
// new style (screen colours against GDAL's values styled); none of our code runs long on the main thread
// while tiles load; the test server's log shows that panning back reads nothing again and that tiles
// the camera left are cancelled; a failing tile reaches Cesium as a TileProviderError whose retry brings
// it; 20 layer add/remove cycles leave no worker, open image, queued job or WebGL texture behind.
//
// Run: node --test tests/js/provider.test.mjs   (needs /usr/bin/chromium, node_modules, www/pkg, gdal-bin).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer, vendorMounts } from '../../scripts/serve.mjs';
import { BMNG, OUT_DIR, REPO, WWW, decodePng, missingPrerequisites, run } from './helpers.mjs';
import { CHROMIUM_ARGS, READY_TIMEOUT_MS, screenVsGdal, waitForTiles, watch, withTimeout } from './browser-helpers.mjs';

const missing = missingPrerequisites({ browser: true });
const VIEWPORT = { width: 800, height: 600 };
const COG = '/data/bmng.tif';

/** Bands 3, 2, 1 as red, green, blue: a style whose every colour follows from GDAL's values. */
const SWAP = {
  bands: [
    { band: 3, palette: ['#000000', '#ff0000'], min: 0, max: 255 },
    { band: 2, palette: ['#000000', '#00ff00'], min: 0, max: 255 },
    { band: 1, palette: ['#000000', '#0000ff'], min: 0, max: 255 },
  ],
};

/**
 * Before the page's own scripts: long tasks and long animation frames (with the scripts that ran in
 * them) from the start, WebGL textures alive, and the pool's workers made and terminated.
 */
function instrument() {
  const probe = { longTasks: [], longFrames: [], textures: 0, workersMade: 0, workersEnded: 0 };
  window.__probe = probe;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      probe.longFrames.push({
        start: e.startTime,
        ms: e.duration,
        scripts: e.scripts.map((s) => ({ url: s.sourceURL, invoker: s.invoker, ms: s.duration })),
      });
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
  for (const C of [globalThis.WebGLRenderingContext, globalThis.WebGL2RenderingContext]) {
    const { createTexture, deleteTexture } = C.prototype;
    C.prototype.createTexture = function create() {
      const t = createTexture.call(this);
      if (t) {
        probe.textures += 1;
        if (probe.live) probe.live.set(t, new Error().stack.split('\n').slice(2, 9).map((l) => l.trim().replace(/\(.*\//, '(')).join(' < '));
      }
      return t;
    };
    C.prototype.deleteTexture = function remove(t) {
      if (t && !t.__deleted) {
        t.__deleted = true;
        probe.textures -= 1;
        probe.live?.delete(t);
      }
      return deleteTexture.call(this, t);
    };
  }
  const NativeWorker = globalThis.Worker;
  globalThis.Worker = class extends NativeWorker {
    constructor(url, options) {
      super(url, options);
      // The pool's workers and its network worker.
      this.__ours = /\/lib\/(net-)?worker\.js/.test(String(url));
      if (this.__ours) probe.workersMade += 1;
    }

    terminate() {
      if (this.__ours) probe.workersEnded += 1;
      super.terminate();
    }
  };
}

/** Look straight down at lon/lat from `height` metres. */
function setView(page, lon, lat, height) {
  return page.evaluate(
    ([lon, lat, height]) =>
      window.demo.viewer.camera.setView({
        destination: Cesium.Cartesian3.fromDegrees(lon, lat, height),
        orientation: { heading: 0, pitch: -Cesium.Math.PI_OVER_TWO, roll: 0 },
      }),
    [lon, lat, height],
  );
}

/** The requests the server saw for the COG. */
function cogLog(srv, from = 0) {
  return srv.log.slice(from).filter((e) => e.path === COG);
}

describe('the Cesium provider in Chromium', () => {
  let chromium;
  let browser;
  let srv;

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ chromium } = await import('playwright-core'));
    await fsp.mkdir(OUT_DIR, { recursive: true });
    srv = await startServer({
      root: WWW,
      mounts: vendorMounts(REPO),
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  /** A fresh page on the demo, ready, its first view loaded. */
  async function demoPage(t, { query = '', viewport = VIEWPORT } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    await context.addInitScript(instrument);
    const page = await context.newPage();
    const seen = watch(page);
    await page.goto(`${srv.url}/${query}`);
    await withTimeout(page.evaluate(() => window.demo.ready.then(() => true)), READY_TIMEOUT_MS, 'window.demo.ready');
    const ms = await waitForTiles(page);
    t.diagnostic(`first view loaded ${ms} ms after ready; ${await page.textContent('#status')}`);
    return { context, page, seen };
  }

  test('pickFeatures gives GDAL\'s values; setStyle re-renders the same layer; our code never runs long on the main thread', async (t) => {
    const { context, page, seen } = await demoPage(t);
    try {
      // Tiles of a new view load while the pool is up: no long animation frame holds our scripts.
      // The one engine of the workers' reads: the pool's network worker's.
      const engineStats = () => page.evaluate(() => window.demo.provider.image.pool.networkStats());
      const from = await page.evaluate(() => ({
        t: performance.now(),
        delivered: window.demo.provider.stats().delivered,
        done: window.demo.provider.image.pool.stats().done,
      }));
      const engine0 = await engineStats();
      const logMark = srv.log.length;
      await setView(page, 15, 45, 3_000_000);
      await waitForTiles(page);
      const probe = await page.evaluate((t0) => {
        const p = window.__probe;
        return {
          longTasks: p.longTasks.filter((e) => e.start >= t0),
          longFrames: p.longFrames.filter((e) => e.start >= t0),
          delivered: window.demo.provider.stats().delivered,
          done: window.demo.provider.image.pool.stats().done,
        };
      }, from.t);
      const ours = (url) => /\/(lib|pkg)\/|\/demo\.js/.test(url ?? '');
      const ourScripts = probe.longFrames.flatMap((f) => f.scripts.filter((s) => ours(s.url)).map((s) => ({ ...s, frame: f.ms })));
      const engine1 = await engineStats();
      const sent = cogLog(srv, logMark);
      t.diagnostic(`${probe.delivered - from.delivered} tiles made by the pool's workers (${probe.done - from.done} jobs); ` +
        `main thread: ${probe.longTasks.length} long tasks (longest ${Math.round(Math.max(0, ...probe.longTasks.map((e) => e.ms)))} ms), ` +
        `${probe.longFrames.length} long animation frames, their scripts: ` +
        JSON.stringify(probe.longFrames.flatMap((f) => f.scripts.map((s) => `${s.url.split('/').pop()} ${s.invoker} ${Math.round(s.ms)} ms`))));
      assert.ok(probe.delivered - from.delivered >= 4, 'the new view needed tiles');
      assert.ok(probe.done - from.done >= probe.delivered - from.delivered, 'made in the workers');
      // The workers fetched nothing themselves: every request the server saw for the new view was made by
      // the pool's one engine, in its network worker (one per-origin limit, one byte cache).
      t.diagnostic(`the new view: ${sent.length} requests at the server, ${engine1.requests - engine0.requests} by the pool's engine (peak ${engine1.peakActive} at once)`);
      assert.ok(sent.length >= 1, 'the new view needed bytes');
      assert.equal(engine1.requests - engine0.requests, sent.length, "every request was the pool's engine's");
      assert.ok(engine1.peakActive <= 6, 'the per-origin limit held');
      // A long animation frame lists each script of 5 ms or more it ran, with its source: none of ours ran
      // 50 ms. (The page's long tasks, listed above, hold no script at all: on SwiftShader the main thread
      // waits for the software GPU, an empty globe's page too.)
      assert.deepEqual(ourScripts.filter((s) => s.ms >= 50), [], 'no script of ours ran 50 ms in one go');

      // pickFeatures through Cesium's own picking, at a grid of screen points (away from the panel).
      const points = [];
      for (const fx of [0.5, 0.65, 0.8]) for (const fy of [0.3, 0.5, 0.75]) points.push([VIEWPORT.width * fx, VIEWPORT.height * fy]);
      const pick = () =>
        page.evaluate(async (points) => {
          const { viewer } = window.demo;
          const out = [];
          for (const [x, y] of points) {
            const ray = viewer.camera.getPickRay(new Cesium.Cartesian2(x, y));
            const features = await viewer.imageryLayers.pickImageryLayerFeatures(ray, viewer.scene);
            const f = features?.[0];
            out.push(f && {
              lon: Cesium.Math.toDegrees(f.position.longitude),
              lat: Cesium.Math.toDegrees(f.position.latitude),
              isInfo: f instanceof Cesium.ImageryLayerFeatureInfo,
              name: f.name,
              description: f.description,
              data: f.data,
            });
          }
          return out;
        }, points);
      const gdalAt = async (features) => {
        const input = features.map((f) => `${f.lon.toFixed(10)} ${f.lat.toFixed(10)}`).join('\n') + '\n';
        const out = await run('gdallocationinfo', ['-wgs84', '-valonly', BMNG], { input });
        const v = out.split('\n').filter((l) => l.trim() !== '').map(Number);
        assert.equal(v.length, features.length * 3);
        return features.map((_, k) => v.slice(k * 3, k * 3 + 3));
      };
      const picked = await pick();
      assert.ok(picked.every(Boolean), 'every point is on the image');
      const gdal = await gdalAt(picked);
      for (const [k, f] of picked.entries()) {
        assert.ok(f.isInfo, 'an ImageryLayerFeatureInfo');
        assert.deepEqual([f.data.bands['1'], f.data.bands['2'], f.data.bands['3']], gdal[k], `bands at ${f.lon}, ${f.lat}`);
        assert.deepEqual([f.data.r, f.data.g, f.data.b, f.data.a], [...gdal[k], 255], 'the default style\'s colour');
        assert.match(f.description, /band 1.*band 2.*band 3.*colour/s);
      }
      t.diagnostic(`picked ${picked.length} points, e.g. ${picked[0].name}: ${JSON.stringify(picked[0].data)}`);

      // The demo's own click (at a picked point, away from the panel) shows the same values.
      const [cx, cy] = points[4];
      await page.evaluate(() => { window.demo.lastInspect = null; });
      await page.mouse.click(cx, cy);
      await page.waitForFunction(() => window.demo.lastInspect?.bands != null, null, { polling: 100, timeout: 30_000 });
      const clicked = await page.evaluate(() => window.demo.lastInspect);
      const [clickedGdal] = await gdalAt([clicked]);
      assert.deepEqual(Object.values(clicked.bands), clickedGdal, `the explorer's click at ${clicked.lon}, ${clicked.lat}`);
      assert.match(await page.textContent('#inspect'), new RegExp(`Band 1${clickedGdal[0]}Band 2${clickedGdal[1]}Band 3${clickedGdal[2]}`));

      // A new style, the same layer object: Cesium's reload hook first, then the remove/add fallback.
      const rerender = (style, dropReloadHook) =>
        page.evaluate(
          ([style, drop]) => {
            const { viewer, provider, layer } = window.demo;
            const before = { index: viewer.imageryLayers.indexOf(layer), length: viewer.imageryLayers.length, delivered: provider.stats().delivered };
            if (drop) provider._reload = undefined;
            const n = provider.setStyle(style ?? undefined);
            return { n, before, hook: typeof provider._reload };
          },
          [style, dropReloadHook],
        );
      const sameLayer = () =>
        page.evaluate(() => {
          const { viewer, layer } = window.demo;
          return { index: viewer.imageryLayers.indexOf(layer), length: viewer.imageryLayers.length, same: viewer.imageryLayers.get(0) === layer };
        });
      const screenMatches = async (name, expect) => {
        const png = await page.screenshot({ type: 'png' });
        await fsp.writeFile(path.join(OUT_DIR, `provider-${name}.png`), png);
        const results = await screenVsGdal(page, decodePng(png), points.map(([x, y]) => [Math.round(x), Math.round(y)]), BMNG, { expect });
        assert.ok(results.length >= 8, `${name}: points on the globe`);
        for (const r of results) assert.ok(r.meanDiff < 15, `${name}: at ${r.lon}, ${r.lat} the screen shows ${r.screen}, expected ${r.gdal}`);
        return Math.max(...results.map((r) => r.meanDiff));
      };
      const swap = ([r, g, b]) => [b, g, r];
      for (const [name, style, drop, expect] of [['swapped', SWAP, false, swap], ['default', null, true, (c) => c]]) {
        const { n, before } = await rerender(style, drop);
        assert.equal(n, 1, `${name}: one layer re-rendered`);
        await page.waitForFunction((d) => window.demo.provider.stats().delivered >= d + 4, before.delivered, { polling: 100, timeout: 60_000 });
        await waitForTiles(page);
        assert.deepEqual(await sameLayer(), { index: before.index, length: before.length, same: true }, `${name}: the same layer object at the same index`);
        const worst = await screenMatches(name, expect);
        t.diagnostic(`${name} style (${drop ? 'removed and added back' : "Cesium's reload hook"}): worst patch-mean diff ${worst.toFixed(1)}`);
        if (name === 'swapped') {
          const again = await pick();
          for (const [k, f] of again.entries()) {
            const g = (await gdalAt([f]))[0];
            assert.deepEqual([f.data.r, f.data.g, f.data.b], swap(g), `the styled colour at ${f.lon}, ${f.lat}`);
          }
        }
      }
      assert.deepEqual(seen.pageErrors, [], 'no uncaught exception');
      assert.deepEqual(await page.evaluate(() => window.demo.errors), [], 'no error on the page');
    } finally {
      await context.close();
    }
  });

  test('panning back reads nothing again; tiles the camera left are cancelled', async (t) => {
    const { context, page } = await demoPage(t);
    try {
      // Cesium keeps no tile it does not draw: coming back, it asks the provider again.
      await page.evaluate(() => {
        window.demo.viewer.scene.globe.tileCacheSize = 0;
      });
      const requested = () => page.evaluate(() => window.demo.provider.stats().requested);
      await setView(page, 20, 5, 3_000_000);
      await waitForTiles(page);
      await setView(page, -60, -15, 3_000_000);
      await waitForTiles(page);
      const mark = srv.log.length;
      const asked = await requested();
      await setView(page, 20, 5, 3_000_000);
      await waitForTiles(page);
      const again = (await requested()) - asked;
      const before = new Set(cogLog(srv, 0).slice(0, cogLog(srv, 0).length - cogLog(srv, mark).length).map((e) => e.range));
      const back = cogLog(srv, mark);
      t.diagnostic(`back over Africa: the provider was asked ${again} tiles, the server saw ${back.length} requests`);
      assert.ok(again >= 4, 'Cesium asked for the tiles again');
      for (const e of back) assert.ok(!before.has(e.range), `${e.range} was fetched again`);
      assert.equal(back.length, 0, 'no request at all: every byte was in the cache');

      // A slow server; the camera goes to Australia, then away before its tiles come.
      srv.setMode('slow', 1500);
      const slowMark = srv.log.length;
      const s0 = await page.evaluate(() => window.demo.provider.stats());
      await setView(page, 134, -25, 2_500_000);
      await page.waitForFunction((r) => window.demo.provider.stats().requested > r, s0.requested, { polling: 50, timeout: 30_000 });
      await new Promise((r) => setTimeout(r, 300));
      // Away to the other side of the globe, close: none of Australia's tiles, running or queued, is wanted.
      await setView(page, -60, -15, 2_500_000);
      await page.waitForFunction(() => window.demo.provider.stats().pending === 0, null, { polling: 100, timeout: 60_000 });
      srv.setMode('range');
      await waitForTiles(page);
      const s1 = await page.evaluate(() => ({ ...window.demo.provider.stats(), pool: window.demo.provider.image.pool.stats() }));
      const slow = cogLog(srv, slowMark);
      t.diagnostic(`the pool's engine: ${JSON.stringify(await page.evaluate(() => window.demo.provider.image.pool.networkStats()))}`);
      t.diagnostic(`Australia then away: ${s1.requested - s0.requested} tiles asked, ${s1.cancelled - s0.cancelled} cancelled; ` +
        `the server saw ${slow.length} requests (${slow.filter((e) => e.aborted).length} aborted); pool ${JSON.stringify(s1.pool)}`);
      assert.ok(s1.cancelled - s0.cancelled >= 1, 'tiles the camera left were cancelled');
      // Their fetches in flight were aborted by the pool's engine: the server saw the client go.
      assert.ok(slow.some((e) => e.aborted), `a stale tile's request was aborted (${slow.length} requests, none aborted)`);
      assert.equal(s1.pool.queued, 0, 'nothing left in the queue');
      // What Australia needs when it is waited for: more requests than were sent while it was left.
      const fullMark = srv.log.length;
      await setView(page, 134, -25, 2_500_000);
      await waitForTiles(page);
      const full = cogLog(srv, fullMark).length + slow.length;
      t.diagnostic(`Australia waited for: ${full} requests in all`);
      assert.ok(slow.length < full, `cancelling saved requests: ${slow.length} sent of ${full}`);
    } finally {
      srv.setMode('range');
      await context.close();
    }
  });

  test("a failing tile raises Cesium's TileProviderError; its retry brings the tile", async (t) => {
    const { context, page, seen } = await demoPage(t);
    try {
      await page.evaluate(() => {
        window.__tileErrors = [];
        window.demo.provider.errorEvent.addEventListener((e) => {
          window.__tileErrors.push({
            isTileProviderError: e instanceof Cesium.TileProviderError,
            tile: [e.level, e.x, e.y],
            message: e.message,
            error: String(e.error?.message ?? e.error),
            timesRetried: e.timesRetried,
          });
          e.retry = e.timesRetried < 3;
        });
      });
      srv.failNext(2, { status: 404, path: COG });
      await setView(page, -100, 40, 3_000_000);
      await page.waitForFunction(() => window.__tileErrors.length > 0, null, { polling: 100, timeout: 60_000 });
      await waitForTiles(page);
      const errors = await page.evaluate(() => window.__tileErrors);
      const delivered = await page.evaluate(() => window.demo.tiles.map((t) => t.join('/')));
      t.diagnostic(`errors: ${JSON.stringify(errors)}`);
      const first = errors[0];
      assert.ok(first.isTileProviderError, 'a Cesium.TileProviderError');
      assert.match(first.message, new RegExp(`X: ${first.tile[1]} Y: ${first.tile[2]} Level: ${first.tile[0]}`));
      assert.ok(first.error.includes(`${srv.url}${COG}`) && /404/.test(first.error) && /bytes \d+-\d+/.test(first.error), first.error);
      for (const e of errors) assert.ok(delivered.includes(e.tile.join('/')), `tile ${e.tile.join('/')} came on a retry`);
      assert.deepEqual(seen.pageErrors, [], 'no uncaught exception');
    } finally {
      await context.close();
    }
  });

  test('the page fetches and compiles the wasm once; the pool and its network worker are sent the compiled module', async (t) => {
    const mark = srv.log.length;
    const { context, page } = await demoPage(t);
    try {
      const made = await page.evaluate(() => window.__probe.workersMade);
      const pool = await page.evaluate(() => window.demo.provider.image.pool.stats());
      const log = srv.log.slice(mark);
      const count = (file) => log.filter((e) => e.method === 'GET' && e.path === `/pkg/${file}`).length;
      t.diagnostic(`${made} workers of ours (pool size ${pool.size} + the network worker)`);
      // The server sends no-store: a worker that loaded its own module would be seen here.
      assert.ok(made >= 2, `the pool's workers and its network worker ran (${made})`);
      // Chromium has simd128: the SIMD build, and not the plain one as well.
      assert.equal(count('large_image_wasm_simd_bg.wasm'), 1, 'requests for the SIMD build of the wasm module');
      assert.equal(count('large_image_wasm_bg.wasm'), 0, 'requests for the plain build');
      assert.equal(count('epsg.bin'), 1, 'requests for the EPSG table');
      // The workers used it: the first view's tiles came from the pool.
      assert.ok(pool.done > 0, `the pool's jobs done (${pool.done})`);
    } finally {
      await context.close();
    }
  });

  test('20 layer add/remove cycles leave no worker, open image, job, texture or ImageBitmap behind', async (t) => {
    // A small window: few tiles per layer.
    const { context, page } = await demoPage(t, { viewport: { width: 400, height: 300 } });
    try {
      await setView(page, 10, 45, 1_500_000);
      await waitForTiles(page);
      /** `n` rendered frames, or 30 s (asked for: the demo draws only on demand). */
      const frames = (n) =>
        page.evaluate(async (n) => {
          const { scene } = window.demo.viewer;
          const f0 = scene.frameState.frameNumber;
          const t0 = performance.now();
          while (scene.frameState.frameNumber < f0 + n && performance.now() - t0 < 30_000) {
            scene.requestRender();
            await new Promise((r) => setTimeout(r, 20));
          }
          return scene.frameState.frameNumber - f0;
        }, n);
      // The globe without imagery: the demo's layer taken off (kept), the textures that are left counted.
      await page.evaluate(() => {
        window.__pool = window.demo.provider.image.pool;
        window.demo.viewer.imageryLayers.remove(window.demo.layer, false);
      });
      assert.ok((await frames(10)) >= 10, 'the globe renders');
      const snapshot = () =>
        page.evaluate(() => {
          const p = window.__probe;
          return {
            textures: p.textures,
            workersMade: p.workersMade,
            workersEnded: p.workersEnded,
            layers: window.demo.viewer.imageryLayers.length,
            pool: window.__pool.stats(),
          };
        });
      const cdp = await context.newCDPSession(page);
      const start = await snapshot();
      const cycles = await withTimeout(
        page.evaluate(async () => {
          const { LargeImageImageryProvider } = await import('/lib/cesium.js');
          const { viewer } = window.demo;
          const url = window.demo.url;
          const out = [];
          // Every ImageBitmap the cycles' providers handed to Cesium, weakly held: each must end closed or
          // collected.
          window.__bitmaps = [];
          window.__probe.live = new Map();
          for (let i = 0; i < 20; i++) {
            const provider = await LargeImageImageryProvider.fromUrl(url, {
              Cesium,
              scene: viewer.scene,
              tilingScheme: i % 2 ? 'webmercator' : 'geographic',
              style: { band: 1 + (i % 3), palette: 'viridis' },
            });
            const requestImage = provider.requestImage.bind(provider);
            provider.requestImage = (...args) => {
              const p = requestImage(...args);
              p?.then((b) => window.__bitmaps.push(new WeakRef(b)), () => {});
              return p;
            };
            const layer = viewer.imageryLayers.addImageryProvider(provider);
            // Bounded: a few of the layer's tiles come within 30 s; two frames put them on the globe.
            const t0 = performance.now();
            while (provider.tilesLoaded < 3 && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
            const f = viewer.scene.frameState.frameNumber;
            while (viewer.scene.frameState.frameNumber < f + 2 && performance.now() - t0 < 30_000) {
              viewer.scene.requestRender();
              await new Promise((r) => setTimeout(r, 20));
            }
            out.push([provider.tilesLoaded, window.__probe.textures]);
            viewer.imageryLayers.remove(layer, true);
            provider.destroy();
          }
          return out;
        }),
        300_000,
        '20 add/remove cycles',
      );
      // Frames for the globe to let go of the removed layers' tiles, then a garbage collection.
      await frames(10);
      await cdp.send('HeapProfiler.collectGarbage');
      await frames(2);
      await cdp.send('HeapProfiler.collectGarbage');
      const end = await snapshot();
      const left = await page.evaluate(() => {
        const h = {};
        for (const s of window.__probe.live.values()) h[s] = (h[s] ?? 0) + 1;
        const refs = window.__bitmaps;
        const alive = refs.map((r) => r.deref()).filter(Boolean);
        return { textures: h, bitmaps: refs.length, bitmapsOpen: alive.filter((b) => b.width > 0).length, bitmapsHeld: alive.length };
      });
      t.diagnostic(`tiles and live textures per cycle ${JSON.stringify(cycles)}`);
      t.diagnostic(`start ${JSON.stringify(start)}`);
      t.diagnostic(`end   ${JSON.stringify(end)}`);
      t.diagnostic(`ImageBitmaps given to Cesium ${left.bitmaps}: ${left.bitmapsHeld} not collected, ${left.bitmapsOpen} of them open`);
      assert.ok(cycles.every(([n]) => n > 0), 'every cycle showed tiles');
      assert.ok(left.bitmaps >= 60, 'the cycles made tiles');
      assert.equal(end.layers, start.layers, 'no layer left');
      assert.equal(end.workersMade, start.workersMade, 'no worker made for a new layer: one pool');
      assert.equal(end.workersEnded, 0, 'none ended while the page lives');
      assert.equal(end.pool.workers, start.pool.size, 'the pool\'s workers');
      assert.equal(end.pool.openImages, start.pool.openImages, 'every layer\'s image closed in the workers');
      assert.deepEqual([end.pool.queued, end.pool.running], [0, 0], 'no job left');
      assert.deepEqual(left.textures, {}, 'every texture made while the layers were shown was deleted (creation stacks of those left)');
      assert.equal(end.textures, start.textures, 'as many textures as the globe had without imagery');
      assert.equal(left.bitmapsOpen, 0, 'every ImageBitmap closed or collected');
      // Dispose: every worker terminated.
      const ended = await page.evaluate(() => {
        window.__pool.dispose();
        return [window.__probe.workersMade, window.__probe.workersEnded];
      });
      assert.equal(ended[1], ended[0], 'dispose terminates every worker');
    } finally {
      await context.close();
    }
  });
});

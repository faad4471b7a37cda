// The demo page (www/index.html) in headless Chromium: the globe shows www/data/bmng.tif
// with the colours GDAL reads at the same places, nothing is logged as an error, and a bad
// `?url=` shows its error on the page while the globe keeps running.
//
// Run: node --test tests/js/   (needs /usr/bin/chromium, node_modules (playwright-core,
// cesium), www/pkg from scripts/build-wasm, www/data/bmng.tif and gdal-bin).
// Screenshots go to tests/out/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer, vendorMounts } from '../../scripts/serve.mjs';
import {
  BMNG,
  OUT_DIR,
  REPO,
  WWW,
  compareRgba,
  decodePng,
  gdalwarpRgba,
  geographicTileBounds,
  makeSyntheticCog,
  mercatorTileBounds,
  missingPrerequisites,
  run,
  tempDir,
} from './helpers.mjs';
import {
  CHROMIUM_ARGS,
  READY_TIMEOUT_MS,
  VIEWPORT,
  providerTiles,
  assertScreenLikeGdal,
  screenVsGdal,
  waitForTiles,
  watch,
  withTimeout,
} from './browser-helpers.mjs';

/**
 * Per scheme, a tile that reduces bmng's 1/15° pixels and one that magnifies them at the provider's
 * default 512 pixels a side (geographic 2/4/1: 45° in 512 pixels; 4/17/5: 11.25°; web mercator 2/2/1:
 * 19.6 km pixels over 0–66.5° N, where bmng's are 7.4–18 km; 5/17/13: 2.4 km), with the gdalwarp
 * resampling the provider's `resampling: 'auto'` should equal there.
 */
const REFERENCE_TILES = {
  geographic: { srs: 'EPSG:4326', bounds: geographicTileBounds, tiles: [[[2, 4, 1], 'near'], [[4, 17, 5], 'bilinear']] },
  webmercator: { srs: 'EPSG:3857', bounds: mercatorTileBounds, tiles: [[[2, 2, 1], 'near'], [[5, 17, 13], 'bilinear']] },
};

const missing = missingPrerequisites({ browser: true });

describe('demo page in Chromium', () => {
  let chromium;
  let browser;
  let srv;
  let dir;

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ chromium } = await import('playwright-core'));
    dir = await tempDir();
    await fsp.writeFile(path.join(dir, 'blank.html'), '<!doctype html><title>blank</title>\n');
    await fsp.writeFile(path.join(dir, 'notatiff.tif'), '<html><body>Not a TIFF at all.</body></html>\n'.repeat(100));
    // A geographic COG stored from 175° to 185.24° east: across the antimeridian.
    await makeSyntheticCog(dir, { name: 'cross180.tif', width: 1024, height: 600, west: 175, north: -8, res: 0.01, noise: 0 });
    // A ZSTD COG: its tiles need the codec module (pkg/codecs.wasm).
    await makeSyntheticCog(dir, { name: 'zstd.tif', width: 1024, height: 1024, compress: 'ZSTD' });
    await fsp.mkdir(OUT_DIR, { recursive: true });
    srv = await startServer({
      root: WWW,
      mounts: {
        ...vendorMounts(REPO),
        '/fixtures/': dir,
      },
    });
    // launch() gives every run a fresh, temporary user-data-dir.
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  /** A page in a new browser context (`options` are the context's), and what it logs (`watch`). */
  async function openPage(options) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    return { context, page, seen: watch(page) };
  }

  after(async () => {
    await browser?.close();
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  for (const scheme of ['geographic', 'webmercator']) {
  test(`the globe shows bmng.tif with GDAL's colours (${scheme} tiles), and logs no error`, async (t) => {
    const { context, page, seen } = await openPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    try {
      await page.goto(scheme === 'geographic' ? `${srv.url}/` : `${srv.url}/?tilingScheme=${scheme}`);
      assert.equal(await page.evaluate(() => window.demo.tilingScheme), scheme);
      await withTimeout(
        page.evaluate(() => window.demo.ready.then(() => true)),
        READY_TIMEOUT_MS,
        'window.demo.ready',
      );
      const first = await withTimeout(
        page.evaluate(() => window.demo.firstTile.then(() => ({
          firstTileMs: window.demo.firstTileMs,
          firstTileStats: window.demo.firstTileStats,
          metadata: window.demo.metadata,
        }))),
        READY_TIMEOUT_MS,
        'the first tile',
      );
      t.diagnostic(
        `page load -> first tile ${first.firstTileMs.toFixed(0)} ms; requests/bytes then: ${JSON.stringify(first.firstTileStats)}`,
      );

      // A fixed view over Africa and Europe.
      await page.evaluate(() => {
        const { viewer } = window.demo;
        viewer.camera.setView({
          destination: Cesium.Cartesian3.fromDegrees(15, 20, 12_000_000),
          orientation: { heading: 0, pitch: -Cesium.Math.PI_OVER_TWO, roll: 0 },
        });
      });
      const waited = await waitForTiles(page);
      const stats = await page.evaluate(() => window.demo.stats());
      t.diagnostic(`tiles loaded ${waited} ms after setView; totals ${JSON.stringify(stats)}`);

      const png = await page.screenshot({ type: 'png' });
      await fsp.writeFile(path.join(OUT_DIR, `browser-globe-${scheme}.png`), png);
      const shot = decodePng(png);
      assert.equal(shot.width, VIEWPORT.width);
      assert.equal(shot.height, VIEWPORT.height);

      // Not blank: many distinct colours over the globe.
      const colours = new Set();
      for (let i = 0; i < shot.data.length; i += 4 * 7) {
        colours.add((shot.data[i] << 16) | (shot.data[i + 1] << 8) | shot.data[i + 2]);
      }
      t.diagnostic(`distinct colours (every 7th pixel): ${colours.size}`);
      assert.ok(colours.size > 2000, `screenshot looks blank: ${colours.size} colours`);

      // Screen points on the globe, away from the panel (top left) and the credits (bottom).
      const points = [];
      for (const fx of [0.35, 0.5, 0.65]) {
        for (const fy of [0.3, 0.45, 0.6, 0.75]) {
          points.push([Math.round(VIEWPORT.width * fx), Math.round(VIEWPORT.height * fy)]);
        }
      }
      assertScreenLikeGdal(await screenVsGdal(page, shot, points, BMNG), t);

      // The provider's own tiles (made in the pool's worker, handed over as ImageBitmaps) against GDAL's
      // rendering of the same tile bounds: nearest where the tile reduces the source, bilinear where
      // it magnifies it.
      const ref = REFERENCE_TILES[scheme];
      const ours = await providerTiles(page, ref.tiles.map(([tile]) => tile));
      const size = await page.evaluate(() => window.demo.provider.tileWidth);
      assert.equal(size, 512, "the provider's default tile size");
      for (const [k, [tile, resampling]] of ref.tiles.entries()) {
        const gdal = await gdalwarpRgba(BMNG, { srs: ref.srs, te: ref.bounds(...tile), size, resampling, dir });
        const c = compareRgba(ours[k], gdal, { tolerance: 1 });
        t.diagnostic(`tile ${tile.join('/')} vs gdalwarp -r ${resampling} -et 0: ${(c.matchFraction * 100).toFixed(3)}% within 1, ` +
          `mean diff ${c.meanAbsDiff.toFixed(3)}, max ${c.maxDiff}, alpha mismatches ${c.alphaMismatch}`);
        assert.equal(c.alphaMismatch, 0, `tile ${tile.join('/')}: the same footprint`);
        assert.ok(c.matchFraction >= 0.99, `tile ${tile.join('/')}: ${(c.matchFraction * 100).toFixed(2)}% within 1 of gdalwarp -r ${resampling}`);
      }

      const info = JSON.parse(await run('gdalinfo', ['-json', BMNG]));
      const panel = await page.textContent('#panel');
      const sizeText = `${info.size[0].toLocaleString('en-US')} × ${info.size[1].toLocaleString('en-US')}`;
      assert.ok(panel.includes(sizeText), `the panel shows the COG size ${sizeText}: ${panel}`);
      t.diagnostic(`console: ${seen.console.length} lines; errors ${JSON.stringify(seen.consoleErrors)}`);
      assert.deepEqual(seen.pageErrors, [], 'no uncaught exception');
      assert.deepEqual(seen.consoleErrors, [], 'no console error');
      assert.deepEqual(await page.evaluate(() => window.demo.errors), [], 'no error on the page');
    } finally {
      await context.close();
    }
  });
  }

  for (const scheme of ['geographic', 'webmercator']) {
  test(`a COG stored from 175° to 185.24° east shows on both sides of the antimeridian (${scheme} tiles)`, async (t) => {
    const { context, page, seen } = await openPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    try {
      await page.goto(`${srv.url}/?url=/fixtures/cross180.tif&tilingScheme=${scheme}`);
      await withTimeout(page.evaluate(() => window.demo.ready.then(() => true)), READY_TIMEOUT_MS, 'window.demo.ready');
      const [data, rect] = await page.evaluate(() => {
        const p = window.demo.provider;
        return [p.dataRectangle, p.rectangle].map((r) => [r.west, r.south, r.east, r.north].map((v) => Cesium.Math.toDegrees(v)));
      });
      t.diagnostic(`data rectangle ${data.map((v) => v.toFixed(2))}, provider rectangle ${rect.map((v) => v.toFixed(2))}`);
      assert.ok(Math.abs(data[0] - 175) < 1e-6 && Math.abs(data[2] - -174.76) < 1e-6, `west 175, east -174.76: ${data}`);
      assert.deepEqual(rect.map((v) => +v.toFixed(6)), [-180, -14, 180, -8], 'the band of latitudes, all longitudes');
      await page.evaluate(() => {
        window.demo.viewer.camera.setView({
          destination: Cesium.Cartesian3.fromDegrees(180, -11, 400_000),
          orientation: { heading: 0, pitch: -Cesium.Math.PI_OVER_TWO, roll: 0 },
        });
      });
      await waitForTiles(page);
      // The explorer's panel covers the left of the screen: the points there are compared with it out of the way.
      await page.evaluate(() => { document.querySelector('#panel').hidden = true; });
      const png = await page.screenshot({ type: 'png' });
      await fsp.writeFile(path.join(OUT_DIR, `browser-antimeridian-${scheme}.png`), png);
      const shot = decodePng(png);
      const points = [];
      for (let fx = 0.2; fx <= 0.8; fx += 0.05) {
        for (const fy of [0.45, 0.5, 0.55]) points.push([Math.round(VIEWPORT.width * fx), Math.round(VIEWPORT.height * fy)]);
      }
      // On either side of the line (screen pixels smaller than the data's, so that GDAL's values under a
      // patch are what the screen shows); GDAL is asked in the file's own longitudes (past 180°).
      const inside = (lon, lat) => lat < -8.05 && lat > -13.95 && (lon > 175.05 || lon < -174.81);
      const results = await screenVsGdal(page, shot, points, path.join(dir, 'cross180.tif'), {
        keep: inside,
        toFile: (lon, lat) => [lon < 0 ? lon + 360 : lon, lat],
      });
      const west = results.filter((r) => r.lon < 0);
      const east = results.filter((r) => r.lon > 0);
      t.diagnostic(`${east.length} points east of 180°, ${west.length} west; worst patch-mean diff ` +
        `${Math.max(...results.map((r) => r.meanDiff)).toFixed(1)}`);
      assert.ok(west.length >= 5 && east.length >= 5, `points on both sides: ${east.length} east, ${west.length} west`);
      for (const r of results) {
        assert.ok(r.meanDiff < 15, `colour at lon ${r.lon} lat ${r.lat} is ${r.screen}, GDAL says ${r.gdal}`);
      }
      assert.deepEqual(seen.pageErrors, [], 'no uncaught exception');
      assert.deepEqual(await page.evaluate(() => window.demo.errors), [], 'no error on the page');
    } finally {
      await context.close();
    }
  });
  }

  test('the npm entry works in a module worker', async (t) => {
    const { context, page, seen } = await openPage();
    try {
      await page.goto(`${srv.url}/fixtures/blank.html`);
      const result = await withTimeout(
        page.evaluate(async (origin) => {
          const src = `
            import { LargeImage } from '${origin}/lib/index.js';
            try {
              const img = await LargeImage.open('${origin}/data/bmng.tif');
              const m = await img.metadata();
              const tile = await img.tile(1, 2, 0, { projection: 'EPSG:4326', format: 'rgba' });
              postMessage({ sizeX: m.sizeX, sizeY: m.sizeY, tileBytes: tile.length, stats: img.stats() });
              img.close();
            } catch (e) {
              postMessage({ error: String(e && e.message || e) });
            }`;
          const blob = new Blob([src], { type: 'text/javascript' });
          const worker = new Worker(URL.createObjectURL(blob), { type: 'module' });
          return new Promise((resolve) => {
            worker.onmessage = (e) => resolve(e.data);
            worker.onerror = (e) => resolve({ error: e.message || 'worker error' });
          });
        }, srv.url),
        READY_TIMEOUT_MS,
        'the worker',
      );
      t.diagnostic(`worker: ${JSON.stringify(result)}`);
      assert.equal(result.error, undefined);
      const info = JSON.parse(await run('gdalinfo', ['-json', BMNG]));
      assert.equal(result.sizeX, info.size[0]);
      assert.equal(result.sizeY, info.size[1]);
      assert.equal(result.tileBytes, 256 * 256 * 4);
      assert.deepEqual(seen.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test("a pool's workers share the page's compiled codec module: pkg/codecs_simd.wasm (Chromium has simd128) is fetched once", async (t) => {
    const { context, page, seen } = await openPage();
    try {
      await page.goto(`${srv.url}/fixtures/blank.html`);
      const mark = srv.log.length;
      const out = await withTimeout(
        page.evaluate(async () => {
          const { LargeImage, WorkerPool } = await import('/lib/index.js');
          const pool = new WorkerPool({ size: 2, jobsPerWorker: 1 });
          const img = await LargeImage.open('/fixtures/zstd.tif', { pool });
          const { levels } = await img.metadata();
          const z = levels - 1;
          // Eight tiles at once, each with its own affinity: both workers decode ZSTD tiles.
          const tiles = await Promise.all([0, 1, 2, 3].flatMap((x) => [0, 1].map((y) =>
            img.tile(z, x, y, { format: 'rgba', affinity: `${x},${y}` }))));
          const alone = await LargeImage.open('/fixtures/zstd.tif', { pool: false });
          const same = (await alone.tile(z, 3, 1, { format: 'rgba' })).every((v, i) => v === tiles[7][i]);
          const stats = pool.stats();
          pool.dispose();
          const { wasmInfo } = await import('/lib/index.js');
          return { n: tiles.length, same, stats, info: wasmInfo() };
        }),
        READY_TIMEOUT_MS,
        'the pool',
      );
      const codecFetches = srv.log.slice(mark).filter((e) => e.method === 'GET' && /^\/pkg\/codecs/.test(e.path)).map((e) => e.path);
      t.diagnostic(`${out.n} tiles, pool ${JSON.stringify(out.stats)}; codec module fetches ${JSON.stringify(codecFetches)}`);
      assert.deepEqual(out.info, { build: 'simd', codecs: 'simd', simd128: true }, "the page's builds");
      assert.equal(out.stats.workers, 2, 'both workers ran');
      assert.ok(out.same, "the pool's tile equals the page's");
      // The page's own image (pool: false) and both workers use the one compiled module: the SIMD one,
      // fetched once, and never the plain one.
      assert.deepEqual(codecFetches, ['/pkg/codecs_simd.wasm'], 'requests for a codec module');
      assert.deepEqual(seen.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  for (const [label, target, reason] of [
    ['404', () => `${srv.url}/fixtures/missing.tif`, /404|not found/i],
    ['not a TIFF', () => `${srv.url}/fixtures/notatiff.tif`, /not a (valid )?(geo)?tiff|tiff (header|signature|magic)|byte order|magic/i],
  ]) {
    test(`?url= ${label}: the error is shown on the page and the globe keeps running`, async (t) => {
      const { context, page, seen } = await openPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
      try {
        const cog = target();
        await page.goto(`${srv.url}/?url=${encodeURIComponent(cog)}`);
        const outcome = await withTimeout(
          page.evaluate(() => window.demo.ready.then(() => 'resolved', (e) => `rejected: ${e.message}`)),
          READY_TIMEOUT_MS,
          'window.demo.ready to settle',
        );
        t.diagnostic(`ready ${outcome}`);
        assert.match(outcome, /^rejected/);
        // Polled with timers, not animation frames: SwiftShader frames can be slow under load.
        await page.waitForFunction(() => document.querySelectorAll('#errors li').length > 0, null, {
          polling: 200,
          timeout: 30_000,
        });
        const shown = await page.textContent('#errors');
        t.diagnostic(`shown: ${shown}`);
        assert.ok(shown.includes(cog), 'the error names the URL');
        assert.match(shown, reason);
        assert.equal(await page.textContent('#status'), 'failed');

        // Still rendering: frames advance (a render is asked for, in case the page renders
        // on demand) and Cesium shows no error panel.
        const frame0 = await page.evaluate(() => window.demo.viewer.scene.frameState.frameNumber);
        await page.waitForFunction(
          (f0) => {
            window.demo.viewer.scene.requestRender();
            return window.demo.viewer.scene.frameState.frameNumber >= f0 + 2;
          },
          frame0,
          { polling: 200, timeout: 30_000 },
        );
        const frame1 = await page.evaluate(() => window.demo.viewer.scene.frameState.frameNumber);
        t.diagnostic(`frames ${frame0} -> ${frame1}`);
        assert.equal(await page.$('.cesium-widget-errorPanel'), null, 'no Cesium error panel');
        await page.screenshot({ path: path.join(OUT_DIR, `browser-error-${label.replace(/\W+/g, '-')}.png`) });
        assert.deepEqual(seen.pageErrors, [], 'no uncaught exception');
        if (seen.consoleErrors.length) t.diagnostic(`console errors: ${JSON.stringify(seen.consoleErrors)}`);
      } finally {
        await context.close();
      }
    });
  }
});

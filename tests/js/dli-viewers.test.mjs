// The front-ends django-large-image 0.10.5 itself ships — its geojs and Cesium viewer templates, rendered
// to static HTML by Django (tests/oracle/render_viewers.py: unchanged but for CDN URLs, served from pinned
// npm packages) — showing www/data/bmng.tif with no server but the static one: the service worker answers
// their `info/metadata`, `info/frames`, `large-image/colormaps`, thumbnail and tile URLs. Screenshot
// colours at picked points match gdallocationinfo. The geojs page names the image by its registered name,
// the Cesium page by its URL-encoded site-relative URL. Requests leaving 127.0.0.1 (the viewers' base maps)
// are refused.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer, vendorMounts } from '../../scripts/serve.mjs';
import { BMNG, CHROMIUM_ARGS, OUT_DIR, REPO, WWW, decodePng, missingPrerequisites, patchesVsGdal, run, tempDir, withTimeout } from './helpers.mjs';
import { dliPython } from './dli.mjs';

const missing = missingPrerequisites({ browser: true }) ?? (dliPython() ? null : 'the django-large-image virtualenv (bash scripts/setup)');
const VIEWPORT = { width: 1000, height: 700 };

describe("django-large-image's own viewer pages on the service worker", () => {
  let chromium;
  let browser;
  let srv;
  let dir;

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ chromium } = await import('playwright-core'));
    dir = await tempDir('liw-viewers-');
    const script = path.join(REPO, 'tests', 'oracle', 'render_viewers.py');
    const staticDir = (await run(dliPython(), [script, path.join(dir, 'byname'), 'bmng', 'api/image', '/dli-static/'])).trim();
    await run(dliPython(), [script, path.join(dir, 'byurl'), encodeURIComponent('/data/bmng.tif'), 'api/image', '/dli-static/']);
    await fsp.writeFile(path.join(dir, 'setup.html'), '<!doctype html><title>setup</title>\n');
    await fsp.mkdir(OUT_DIR, { recursive: true });
    srv = await startServer({ root: WWW, mounts: { ...vendorMounts(REPO), '/dli-static/': staticDir, '/viewers/': dir } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  /** A context whose worker has bmng registered, refusing every request off this machine. */
  async function contextWithWorker(t) {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, serviceWorkers: 'allow' });
    const refused = new Set();
    await context.route((url) => !url.href.startsWith(srv.url), (r) => {
      refused.add(new URL(r.request().url()).host);
      return r.abort();
    });
    const page = await context.newPage();
    await page.goto(`${srv.url}/viewers/setup.html`);
    await withTimeout(page.evaluate(async () => {
      const { registerLargeImageWorker } = await import('/lib/service-worker.js');
      await registerLargeImageWorker('/sw.js', { images: { bmng: '/data/bmng.tif' } });
    }), 60_000, 'the service worker');
    const ours = [];
    page.on('response', (r) => {
      if (/\/api\/(image|large-image)\//.test(r.url())) ours.push([r.status(), new URL(r.url()).pathname]);
    });
    t.after(() => t.diagnostic(`refused hosts: ${[...refused].join(', ') || 'none'}`));
    return { context, page, ours };
  }

  function checkColours(t, results) {
    for (const r of results) t.diagnostic(`(${r.px},${r.py}) lon ${r.lon} lat ${r.lat}: GDAL ${r.gdal} screen ${r.screen} diff ${r.diff.toFixed(1)}`);
    assert.ok(results.length >= 6, `${results.length} points on the image`);
    for (const r of results) assert.ok(r.diff < 18, `lon ${r.lon} lat ${r.lat}: screen ${r.screen}, GDAL ${r.gdal}`);
    const mean = results.reduce((s, r) => s + r.diff, 0) / results.length;
    t.diagnostic(`mean patch difference ${mean.toFixed(2)}`);
    assert.ok(mean < 7, `mean difference ${mean.toFixed(1)}`);
  }

  test('geojsViewer.html (image by name) shows the COG in web mercator, its colormap list filled', async (t) => {
    const { context, page, ours } = await contextWithWorker(t);
    try {
      await page.goto(`${srv.url}/viewers/byname/geojsViewer.html`);
      await page.waitForFunction(() => window.viewer && window.imageLayer && window.imageLayer.url(), null, { polling: 200, timeout: 60_000 });
      await withTimeout(page.evaluate(() => new Promise((resolve) => window.viewer.onIdle(resolve))), 60_000, 'geojs idle');
      // As a user would: zoom in to level 3, where a tile pixel is a screen pixel (and coarser than the
      // COG's), so that a patch of the screen and GDAL's values under it are the same area.
      await page.evaluate(() => window.viewer.zoom(3));
      await withTimeout(page.evaluate(() => new Promise((resolve) => window.viewer.onIdle(resolve))), 60_000, 'geojs idle at zoom 3');
      await page.waitForTimeout(500);
      const png = await page.screenshot({ type: 'png' });
      await fsp.writeFile(path.join(OUT_DIR, 'dli-geojs-viewer.png'), png);
      const shot = decodePng(png);
      const points = [];
      for (const fx of [0.3, 0.45, 0.6]) for (const fy of [0.3, 0.45, 0.6]) points.push([Math.round(VIEWPORT.width * fx), Math.round(VIEWPORT.height * fy)]);
      const results = await patchesVsGdal(page, shot, points, BMNG, (x, y) => {
        const g = window.viewer.displayToGcs({ x, y }, 'EPSG:4326');
        return [g.x, g.y];
      }, { keep: (lon, lat) => Math.abs(lon) < 179 && Math.abs(lat) < 80 });
      checkColours(t, results);
      assert.ok(ours.some(([s, p]) => s === 200 && /\/tiles\/\d+\/\d+\/\d+\.png$/.test(p)), 'tiles came from the worker');
      assert.ok(ours.some(([s, p]) => s === 200 && p === '/api/large-image/colormaps'));
      assert.ok((await page.$$eval('#colors option', (o) => o.length)) > 100, 'the colormap list is filled');
      assert.ok(ours.every(([s]) => s === 200), JSON.stringify(ours.filter(([s]) => s !== 200)));
    } finally {
      await context.close();
    }
  });

  test('cesiumViewer.html (image by URL-encoded URL) shows the COG on the globe', async (t) => {
    const { context, page, ours } = await contextWithWorker(t);
    try {
      await page.goto(`${srv.url}/viewers/byurl/cesiumViewer.html`);
      await page.waitForFunction(() => window.tileLayer && window.viewer?.scene, null, { polling: 200, timeout: 60_000 });
      // The page flies to the image's rectangle: wait for the flight and the tiles. Cesium 1.87's ground
      // atmosphere tints the globe: turned off here (the test's view, not the page) to compare colours.
      await page.waitForTimeout(4000);
      await page.evaluate(() => {
        window.viewer.scene.globe.showGroundAtmosphere = false;
        window.viewer.scene.requestRender();
      });
      let streak = 0;
      const t0 = Date.now();
      while (streak < 4 && Date.now() - t0 < 90_000) {
        streak = (await page.evaluate(() => window.viewer.scene.globe.tilesLoaded)) ? streak + 1 : 0;
        await page.waitForTimeout(250);
      }
      const png = await page.screenshot({ type: 'png' });
      await fsp.writeFile(path.join(OUT_DIR, 'dli-cesium-viewer.png'), png);
      const shot = decodePng(png);
      const points = [];
      for (const fx of [0.35, 0.5, 0.65]) for (const fy of [0.35, 0.5, 0.65]) points.push([Math.round(VIEWPORT.width * fx), Math.round(VIEWPORT.height * fy)]);
      const results = await patchesVsGdal(page, shot, points, BMNG, (x, y) => {
        const c = window.viewer.camera.pickEllipsoid(new Cesium.Cartesian2(x, y));
        if (!c) return null;
        const g = Cesium.Cartographic.fromCartesian(c);
        return [Cesium.Math.toDegrees(g.longitude), Cesium.Math.toDegrees(g.latitude)];
      }, { keep: (lon, lat) => Math.abs(lat) < 80 });
      checkColours(t, results);
      assert.ok(ours.some(([s, p]) => s === 200 && p.startsWith('/api/image/%2Fdata%2Fbmng.tif/tiles/')), 'tiles by URL id came from the worker');
      assert.ok(ours.every(([s]) => s === 200), JSON.stringify(ours.filter(([s]) => s !== 200)));
    } finally {
      await context.close();
    }
  });
});

// Other maps in headless Chromium, each showing www/data/bmng.tif: Leaflet and OpenLayers on the service
// worker's XYZ URL (`/api/image/bmng/tiles/{z}/{x}/{y}.png?projection=EPSG:3857`), MapLibre GL JS through
// the `cog://` protocol (lib/maplibre.js, tiled in the page) and on the worker's URL. Screenshot colours at
// a grid of points match `gdallocationinfo` at the lon/lat each map puts there; no page error.
// Screenshots go to tests/out/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer, vendorMounts } from '../../scripts/serve.mjs';
import { BMNG, CHROMIUM_ARGS, OUT_DIR, REPO, WWW, decodePng, missingPrerequisites, patchesVsGdal, withTimeout } from './helpers.mjs';

const missing = missingPrerequisites({ browser: true });
const VIEWPORT = { width: 800, height: 600 };

describe('Leaflet, OpenLayers and MapLibre show the COG', () => {
  let chromium;
  let browser;
  let srv;

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ chromium } = await import('playwright-core'));
    await fsp.mkdir(OUT_DIR, { recursive: true });
    srv = await startServer({ root: WWW, mounts: vendorMounts(REPO) });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  for (const [label, page0] of [
    ['Leaflet (service worker XYZ)', 'examples/leaflet.html'],
    ['OpenLayers (service worker XYZ)', 'examples/openlayers.html'],
    ['MapLibre (cog:// protocol)', 'examples/maplibre.html'],
    ['MapLibre (service worker XYZ)', 'examples/maplibre.html?source=worker'],
  ]) {
    test(`${label}: colours at 20 points match gdallocationinfo`, async (t) => {
      const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, serviceWorkers: 'allow' });
      const page = await context.newPage();
      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      try {
        await page.goto(`${srv.url}/${page0}`);
        await withTimeout(page.waitForFunction(() => window.example?.loaded || window.example?.errors.length, null, { polling: 100, timeout: 60_000 }), 65_000, 'the map');
        assert.deepEqual(await page.evaluate(() => window.example.errors), []);
        await withTimeout(page.evaluate(() => window.example.loaded), 90_000, 'tiles loaded');
        await page.waitForTimeout(300);
        const png = await page.screenshot({ type: 'png' });
        const name = `maps-${label.replace(/\W+/g, '-').replace(/-+$/, '').toLowerCase()}.png`;
        await fsp.writeFile(path.join(OUT_DIR, name), png);
        const shot = decodePng(png);
        const points = [];
        for (const fx of [0.2, 0.35, 0.5, 0.65, 0.8]) for (const fy of [0.25, 0.4, 0.55, 0.7]) points.push([Math.round(VIEWPORT.width * fx), Math.round(VIEWPORT.height * fy)]);
        const results = await patchesVsGdal(page, shot, points, BMNG, (x, y) => window.example.lonLatAt(x, y), {
          keep: (lon, lat) => Math.abs(lon) < 179 && Math.abs(lat) < 80,
        });
        for (const r of results) t.diagnostic(`(${r.px},${r.py}) lon ${r.lon} lat ${r.lat}: GDAL ${r.gdal} screen ${r.screen} diff ${r.diff.toFixed(1)}`);
        assert.ok(results.length >= 15, `${results.length} points on the image`);
        // A shifted, flipped or other image gives tens; resampling on screen gives a few.
        for (const r of results) assert.ok(r.diff < 16, `lon ${r.lon} lat ${r.lat}: screen ${r.screen}, GDAL ${r.gdal}`);
        const mean = results.reduce((s, r) => s + r.diff, 0) / results.length;
        t.diagnostic(`mean patch difference ${mean.toFixed(2)}; tiles ${await page.evaluate(() => window.example.tilesLoaded)}`);
        assert.ok(mean < 6, `mean difference ${mean.toFixed(1)}`);
        assert.deepEqual(pageErrors, []);
        assert.deepEqual(await page.evaluate(() => window.example.errors), []);
      } finally {
        await context.close();
      }
    });
  }
});

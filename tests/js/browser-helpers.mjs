// Helpers of the Chromium tests: the browser's flags, bounded waits, a page's errors, and screen colours
// against GDAL's values (gdallocationinfo) at the places Cesium shows.

import assert from 'node:assert/strict';

import { CHROMIUM_ARGS, run, withTimeout } from './helpers.mjs';

export { CHROMIUM_ARGS, withTimeout };

export const VIEWPORT = { width: 1024, height: 768 };
export const READY_TIMEOUT_MS = 60_000;
export const TILES_TIMEOUT_MS = 90_000;

/** Watch a page for errors: console.error lines and uncaught exceptions. */
export function watch(page) {
  const seen = { consoleErrors: [], pageErrors: [], console: [] };
  page.on('console', (msg) => {
    const line = `${msg.type()}: ${msg.text()}`;
    seen.console.push(line);
    if (msg.type() === 'error') seen.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => seen.pageErrors.push(String(err?.stack ?? err)));
  return seen;
}

export async function waitForTiles(page) {
  // tilesLoaded true on several polls in a row, and at least one of our tiles delivered.
  const started = Date.now();
  let streak = 0;
  while (Date.now() - started < TILES_TIMEOUT_MS) {
    const s = await page.evaluate(() => ({
      loaded: window.demo.viewer.scene.globe.tilesLoaded,
      ours: window.demo.provider?.tilesLoaded ?? 0,
    }));
    streak = s.loaded && s.ours > 0 ? streak + 1 : 0;
    if (streak >= 4) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`globe tiles did not finish loading within ${TILES_TIMEOUT_MS} ms`);
}

/**
 * For each screen point, the mean colour of a (2R+1)² patch around it on the screenshot against the mean
 * of GDAL's values (gdallocationinfo) at the lon/lat Cesium picks under each patch pixel. Points off the
 * globe, or (with `keep`) whose centre lon/lat `keep` refuses, are left out. `toFile` maps a lon/lat to the
 * file's coordinates for `gdallocationinfo -geoloc` (default: `-wgs84` with the lon/lat as they are);
 * `expect` maps GDAL's three values at a place to the colour the screen should show there (a style).
 */
export async function screenVsGdal(page, shot, points, file, { keep = () => true, toFile = null, expect = (rgb) => rgb } = {}) {
  const R = 3;
  const picked = await page.evaluate(
    ({ points, R }) => {
      const { viewer } = window.demo;
      return points.map(([px, py]) => {
        const patch = [];
        for (let dy = -R; dy <= R; dy++) {
          for (let dx = -R; dx <= R; dx++) {
            const c = viewer.camera.pickEllipsoid(new Cesium.Cartesian2(px + dx, py + dy));
            if (!c) return null;
            const g = Cesium.Cartographic.fromCartesian(c);
            patch.push([Cesium.Math.toDegrees(g.longitude), Cesium.Math.toDegrees(g.latitude)]);
          }
        }
        return patch;
      });
    },
    { points, R },
  );
  const results = [];
  for (let k = 0; k < points.length; k++) {
    const patch = picked[k];
    if (!patch) continue;
    const [lon, lat] = patch[Math.floor(patch.length / 2)];
    if (!keep(lon, lat)) continue;
    const coords = toFile ? patch.map(([x, y]) => toFile(x, y)) : patch;
    const input = coords.map(([x, y]) => `${x.toFixed(8)} ${y.toFixed(8)}`).join('\n') + '\n';
    const out = await run('gdallocationinfo', [toFile ? '-geoloc' : '-wgs84', '-valonly', file], { input });
    const values = out.split('\n').filter((l) => l.trim() !== '').map(Number);
    assert.equal(values.length, patch.length * 3, 'GDAL gave RGB for every patch pixel');
    // The colour the screen should show for each patch pixel, from GDAL's values there.
    const want = patch.map((_, i) => expect(values.slice(i * 3, i * 3 + 3)));
    const [px, py] = points[k];
    const gdalMean = [0, 0, 0];
    const shotMean = [0, 0, 0];
    let perPixel = 0;
    let i = 0;
    for (let dy = -R; dy <= R; dy++) {
      for (let dx = -R; dx <= R; dx++, i++) {
        const o = ((py + dy) * shot.width + (px + dx)) * 4;
        for (let c = 0; c < 3; c++) {
          gdalMean[c] += want[i][c] / patch.length;
          shotMean[c] += shot.data[o + c] / patch.length;
          perPixel += Math.abs(want[i][c] - shot.data[o + c]) / (patch.length * 3);
        }
      }
    }
    const diff = gdalMean.map((v, c) => Math.abs(v - shotMean[c]));
    results.push({ px, py, lon: +lon.toFixed(2), lat: +lat.toFixed(2), gdal: gdalMean.map(Math.round),
      screen: shotMean.map(Math.round), meanDiff: Math.max(...diff), perPixel });
  }
  return results;
}

/**
 * The tiles `provider.requestImage` gives for `[level, x, y]` in the demo page, as RGBA rows top down (the
 * provider's ImageBitmaps are upside down for WebGL, drawn here on a canvas and read back).
 */
export async function providerTiles(page, tiles) {
  const rows = await page.evaluate(async (list) => {
    const p = window.demo.provider;
    const out = [];
    for (const [level, x, y] of list) {
      const bitmap = await p.requestImage(x, y, level);
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = canvas.getContext('2d');
      g.drawImage(bitmap, 0, 0);
      out.push({ width: bitmap.width, data: Array.from(g.getImageData(0, 0, bitmap.width, bitmap.height).data) });
    }
    return out;
  }, tiles);
  return rows.map(({ width, data }) => {
    const rgba = new Uint8Array(data.length);
    const stride = width * 4;
    for (let y = 0; y < data.length / stride; y++) rgba.set(data.slice(y * stride, (y + 1) * stride), data.length - (y + 1) * stride);
    return rgba;
  });
}

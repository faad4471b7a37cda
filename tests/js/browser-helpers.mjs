// Helpers of the Chromium tests: the browser's flags, bounded waits, a page's errors, and screen colours
// against GDAL's values (gdallocationinfo) at the places Cesium shows.

import { CHROMIUM_ARGS, patchesVsGdal, withTimeout } from './helpers.mjs';

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
 * `patchesVsGdal` on the demo's Cesium globe: each patch pixel's lon/lat is the ellipsoid point Cesium's
 * camera picks under it. Options as `patchesVsGdal`'s (`keep`, `toFile`, `expect`).
 */
export function screenVsGdal(page, shot, points, file, options = {}) {
  const onGlobe = (x, y) => {
    const c = window.demo.viewer.camera.pickEllipsoid(new Cesium.Cartesian2(x, y));
    if (!c) return null;
    const g = Cesium.Cartographic.fromCartesian(c);
    return [Cesium.Math.toDegrees(g.longitude), Cesium.Math.toDegrees(g.latitude)];
  };
  return patchesVsGdal(page, shot, points, file, onGlobe, options);
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

// Helpers of the Chromium tests: the browser's flags, bounded waits, a page's errors, and screen colours
// against GDAL's values (gdallocationinfo) at the places Cesium shows.

import assert from 'node:assert/strict';

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
 * camera picks under it, each pixel's reference the mean of 3×3 samples over its footprint (the globe is
 * mostly seen zoomed out). Options as `patchesVsGdal`'s (`S`, `keep`, `toFile`, `expect`). On a 3D globe a
 * point seen at a grazing angle (more than 60° from the surface's normal, near the limb) is left out: one
 * screen pixel there spans many source pixels along the view, which the GPU averages (mipmaps) and a
 * point sample of GDAL's cannot stand for.
 */
export function screenVsGdal(page, shot, points, file, options = {}) {
  const onGlobe = (x, y) => {
    const { camera, scene } = window.demo.viewer;
    const c = camera.pickEllipsoid(new Cesium.Cartesian2(x, y));
    if (!c) return null;
    if (scene.mode === Cesium.SceneMode.SCENE3D) {
      const normal = Cesium.Ellipsoid.WGS84.geodeticSurfaceNormal(c, new Cesium.Cartesian3());
      const toCamera = Cesium.Cartesian3.normalize(Cesium.Cartesian3.subtract(camera.positionWC, c, new Cesium.Cartesian3()), new Cesium.Cartesian3());
      if (Cesium.Cartesian3.dot(normal, toCamera) < 0.5) return null;
    }
    const g = Cesium.Cartographic.fromCartesian(c);
    return [Cesium.Math.toDegrees(g.longitude), Cesium.Math.toDegrees(g.latitude)];
  };
  return patchesVsGdal(page, shot, points, file, onGlobe, { S: 3, ...options });
}

/**
 * The verdict on `screenVsGdal`'s results: at least 8 points on the image, each patch's mean colour
 * within 15 of GDAL's and their average within 6 (measured on SwiftShader, Cesium 1.145: at most ~4 per
 * point, ~2 on average; a flipped or shifted tile, another image or a tinted globe gives tens). `t`
 * gets a diagnostic line per point. Returns the average.
 */
export function assertScreenLikeGdal(results, t) {
  for (const r of results) {
    t?.diagnostic(
      `(${r.px},${r.py}) lon ${r.lon} lat ${r.lat}: GDAL ${r.gdal} screen ${r.screen} ` +
        `patch-mean max channel diff ${r.meanDiff.toFixed(1)}, per-pixel mean abs diff ${r.perPixel.toFixed(1)}`,
    );
  }
  assert.ok(results.length >= 8, `only ${results.length} points landed on the image`);
  for (const r of results) {
    assert.ok(r.meanDiff < 15, `colour at lon ${r.lon} lat ${r.lat} is ${r.screen}, GDAL says ${r.gdal} (diff ${r.meanDiff.toFixed(1)})`);
  }
  const overall = results.reduce((sum, r) => sum + r.meanDiff, 0) / results.length;
  t?.diagnostic(`mean over points of the patch-mean max channel diff: ${overall.toFixed(1)}`);
  assert.ok(overall < 6, `average colour difference ${overall.toFixed(1)} over ${results.length} points`);
  return overall;
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

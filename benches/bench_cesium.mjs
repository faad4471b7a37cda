// Benchmark (not a test): the embedded Blue Marble COG (www/data/bmng.tif) on a Cesium globe in headless
// Chromium (SwiftShader), through three imagery providers, each in a fresh browser context:
//   ours    LargeImageImageryProvider (www/lib/cesium.js) with the page's worker pool and `scene`
//   tiff    tiff-imagery-provider 2.17.5 (npm, pinned; geotiff.js 3 with its own worker pool)
//   static  PNG tiles gdal2tiles made once (untimed) in Cesium's UrlTemplateImageryProvider
// Per view of a fixed path (the first view from a new Viewer, a fly-to Europe, a fly-to the Andes, a pan
// of 12° east in 3 s): the time from the move's start to a globe fully loaded (tilesLoaded on 3 frames in a
// row, timed at the first), the data requests and bytes the server sent for it (the COG, or the PNG tiles), and the page's
// long tasks (PerformanceObserver 'longtask') meanwhile.
//
//   bash scripts/build-wasm && node benches/bench_cesium.mjs [--runs 1] [--only ours,tiff,static,floor] [--raw]
//
// `floor` is ours with every tile one ready-made picture: the time Cesium itself needs on this renderer for
// the same tiles, the least any provider could take. `--raw`: each page in a Chromium of its own that no tool
// is attached to (the page drives itself and posts its numbers), without Playwright's network instrumentation.
//
// Prints a markdown table (docs/benchmarks.md keeps the last one). The tiles go to target/bench-cesium/.

import { parseArgs } from 'node:util';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer, vendorMounts } from '../scripts/serve.mjs';
import { CHROMIUM_ARGS, run, withTimeout } from '../tests/js/helpers.mjs';
import { unattached } from './common.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: { runs: { type: 'string', default: '1' }, only: { type: 'string', default: 'static,ours,tiff' }, raw: { type: 'boolean', default: false } },
});
const RUNS = Number(opts.runs);
const KINDS = opts.only.split(',');
const BMNG = path.join(REPO, 'www', 'data', 'bmng.tif');
// The static pyramid as deep as ours: Cesium's geographic level L is 512 · 2^L pixels round the world, and
// our provider's maximumLevel (the core's level count) is the first level at or past the file's width, so
// the PNGs go to the same level (gdal2tiles alone would stop one level short, at less than the file's
// resolution, and load fewer tiles).
const { size: [BMNG_WIDTH] } = JSON.parse(execFileSync('gdalinfo', ['-json', BMNG], { encoding: 'utf8' }));
const DEPTH = Math.ceil(Math.log2(BMNG_WIDTH / 512));
const TILES = path.join(REPO, 'target', 'bench-cesium', `tiles-z0-${DEPTH}`);
const VIEWPORT = { width: 1280, height: 720 };

// The static pyramid, made once: geodetic with 2 × 1 tiles at zoom 0 (Cesium's GeographicTilingScheme),
// XYZ numbering, average resampling.
if (!fs.existsSync(path.join(TILES, '0', '0', '0.png'))) {
  fs.mkdirSync(path.dirname(TILES), { recursive: true });
  const t0 = Date.now();
  await run('gdal2tiles.py', ['-p', 'geodetic', '--tmscompatible', '--xyz', '-z', `0-${DEPTH}`, '-r', 'average', '-w', 'none', '--processes', '2', BMNG, TILES], { timeout: 600_000 });
  console.error(`gdal2tiles: ${((Date.now() - t0) / 1000).toFixed(1)} s (untimed)`);
}
const maxLevel = Math.max(...fs.readdirSync(TILES).filter((d) => /^\d+$/.test(d)).map(Number));

const tip = path.join(REPO, 'node_modules', 'tiff-imagery-provider');
const srv = await startServer({
  root: path.join(REPO, 'www'),
  mounts: {
    ...vendorMounts(REPO),
    '/vendor/tip/': path.join(tip, 'dist'),
    // tiff-imagery-provider's geotiff.js 3: its own copy, or the top-level one npm shares with it.
    '/vendor/geotiff/': [path.join(tip, 'node_modules', 'geotiff'), path.join(REPO, 'node_modules', 'geotiff')]
      .map((d) => path.join(d, 'dist-browser')).find((d) => fs.existsSync(d)),
    '/bench/': path.join(REPO, 'benches', 'cesium'),
    '/tiles/': TILES,
  },
});
const browser = opts.raw
  ? null
  : await (await import('playwright-core')).chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

const isData = (e) => e.path === '/data/bmng.tif' || e.path.startsWith('/tiles/');

async function once(kind) {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('requestfailed', (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && errors.push(`${r.url()}: HTTP ${r.status()}`));
  try {
    await page.goto(`${srv.url}/bench/bench.html?kind=${kind}&maxLevel=${maxLevel}`);
    await page.waitForFunction(() => window.bench, null, { timeout: 60_000 });
    const steps = await page.evaluate(() => window.bench.steps);
    const out = [];
    for (const name of steps) {
      const mark = srv.log.length;
      const r = await withTimeout(page.evaluate((n) => window.bench.step(n), name), 180_000, `${kind} ${name}`);
      const log = srv.log.slice(mark).filter(isData);
      out.push({ name, ...r, requests: log.length, bytes: log.reduce((a, e) => a + e.bytes, 0) });
    }
    return { out, errors };
  } finally {
    await context.close();
  }
}

/** `once` in a Chromium no tool is attached to (`unattached`): the page drives itself (bench.js ?auto=). */
async function onceRaw(kind) {
  const marks = [];
  const url = `${srv.url}/bench/bench.html?kind=${kind}&maxLevel=${maxLevel}&size=${VIEWPORT.width}x${VIEWPORT.height}`;
  const m = await unattached(url, { onMark: (name) => marks.push({ name, at: srv.log.length }) });
  if (m.viewport.join('×') !== `${VIEWPORT.width}×${VIEWPORT.height}`) m.errors.push(`viewport ${m.viewport.join('×')}`);
  const out = m.steps.map((s, i) => {
    const log = srv.log.slice(marks[i].at, marks[i + 1]?.at ?? srv.log.length).filter(isData);
    return { ...s, requests: log.length, bytes: log.reduce((a, e) => a + e.bytes, 0) };
  });
  return { out, errors: m.errors };
}

const results = {};
for (let r = 0; r < RUNS; r++) {
  for (const kind of KINDS) {
    const { out, errors } = await (opts.raw ? onceRaw(kind) : once(kind));
    (results[kind] ??= []).push(out);
    console.error(`${kind} (maximumLevel ${out[0].maximumLevel}): ${out.map((s) => `${s.name} ${s.ms} ms`).join(', ')}${errors.length ? `; page errors: ${errors.slice(0, 3).join(' | ')}` : ''}`);
  }
}
await browser?.close();
await srv.close();

/** The median over runs of `field` of step `i`. */
const median = (kind, i, field) => {
  const v = results[kind].map((run) => run[i][field]).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
const steps = results[KINDS[0]][0].map((s) => s.name);
const kb = (b) => (b / 1024).toFixed(0);
console.log(`Headless Chromium (SwiftShader), ${VIEWPORT.width}×${VIEWPORT.height}, ${opts.raw ? 'no tool attached (--raw)' : 'driven by Playwright'}, ${RUNS} run(s), medians; static tiles: gdal2tiles zooms 0–${maxLevel}.\n`);
console.log('| view | provider | ms to loaded | frames after the move | data requests | data KiB | long tasks (total ms, longest) |');
console.log('|---|---|---|---|---|---|---|');
for (const [i, name] of steps.entries()) {
  for (const kind of KINDS) {
    console.log(`| ${name} | ${kind} | ${median(kind, i, 'ms')} | ${median(kind, i, 'frames')} | ${median(kind, i, 'requests')} | ${kb(median(kind, i, 'bytes'))} | ${median(kind, i, 'longTasks')} (${median(kind, i, 'longTaskMs')}, ${median(kind, i, 'longestTask')}) |`);
  }
}
const total = (kind) => steps.reduce((a, _, i) => a + median(kind, i, 'ms'), 0);
console.log('\n| provider | whole path ms | ratio to static | ratio to tiff |');
console.log('|---|---|---|---|');
for (const kind of KINDS) {
  const ratio = (other) => (results[other] ? (total(kind) / total(other)).toFixed(2) : '–');
  console.log(`| ${kind} | ${total(kind)} | ${ratio('static')} | ${ratio('tiff')} |`);
}

#!/usr/bin/env node
// Fetch-engine benchmarks (not part of npm test): requests, round trips and bytes, ours against GDAL's
// /vsicurl/ and geotiff.js on the same files, served by scripts/serve.mjs on 127.0.0.1 in the same run.
//
//   node benches/engine.mjs            (needs www/pkg, gdal-bin + python3-gdal, npm's geotiff)
//
// 1. The first 256² window of a sparse 100 000² COG (10 gigapixels, made by GDAL here): requests to open
//    and for the window, and round trips (elapsed time ÷ the server's fixed 150 ms delay per answer).
// 2. A 4-band band-separate COG: requests for one 256² window (16 tiles, 4 per band).
// 3. 100 simulated viewers of one area behind an edge cache keyed by URL + Range (each viewer a fresh
//    engine, as a fresh browser): bytes the origin sends ÷ bytes the viewers need, requests, hit rate,
//    for each tile-group size.
// LIW_BASELINE_LIB=/path/to/other/www/lib/index.js adds that build's row to 3 (e.g. the main branch's).
// Numbers go to docs/benchmarks.md.

import http from 'node:http';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { startServer } from '../scripts/serve.mjs';
import { BMNG, makeSyntheticCog, mercatorTileAt, run, tempDir } from '../tests/js/helpers.mjs';

const { LargeImage, Engine, initWasm } = await import('../www/lib/index.js');
await initWasm();
const { fromUrl } = await import('geotiff');
const exec = promisify(execFile);
const DELAY = 150;

/**
 * Requests a reader makes, from the server's log, and its round trips: every answer waits DELAY ms, so
 * requests sent together arrive together and a request that needed an answer first arrives ≥ DELAY later.
 */
async function counted(srv, name, fn) {
  srv.log.length = 0;
  await fn();
  const reqs = srv.log.filter((e) => e.path === `/${name}` && e.method !== 'OPTIONS').sort((a, b) => a.at - b.at);
  let roundTrips = 0;
  let wave = -Infinity;
  for (const e of reqs) {
    if (e.at - wave >= DELAY * 0.8) {
      roundTrips++;
      wave = e.at;
    }
  }
  return { requests: reqs.length, bytes: reqs.reduce((s, e) => s + e.bytes, 0), roundTrips };
}

const gdalEnv = { ...process.env, GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR', CPL_VSIL_CURL_ALLOWED_EXTENSIONS: '.tif' };
const gdal = (script, ...args) => exec('/usr/bin/python3', ['-c', `import sys\nfrom osgeo import gdal\n${script}`, ...args], { env: gdalEnv });

async function threeWays(srv, name, window, bands = 1) {
  const url = `${srv.url}/${name}`;
  const [x, y, w, h] = window;
  const ours = {};
  const engine = new Engine();
  let img;
  ours.open = await counted(srv, name, async () => { img = await LargeImage.open(url, { engine }); });
  ours.window = await counted(srv, name, () => img.region({ left: x, top: y, right: x + w, bottom: y + h, units: 'pixels' }));
  img.close();
  const g = {};
  g.open = await counted(srv, name, () => gdal('ds = gdal.Open("/vsicurl/" + sys.argv[1])', url));
  const both = await counted(srv, name, () => gdal(
    'ds = gdal.Open("/vsicurl/" + sys.argv[1]); ds.ReadRaster(*map(int, sys.argv[2:6]))', url, x, y, w, h));
  g.window = { requests: both.requests - g.open.requests, roundTrips: both.roundTrips - g.open.roundTrips };
  const gt = {};
  let image;
  gt.open = await counted(srv, name, async () => { image = await (await fromUrl(url)).getImage(); });
  let failed = null;
  gt.window = await counted(srv, name, () => image.readRasters({ window: [x, y, x + w, y + h] }).catch((e) => { failed = e.message; }));
  const row = (label, r, note = '') => `| ${label} | ${r.open.requests} | ${r.window.requests} | ${r.open.requests + r.window.requests} | ${r.open.roundTrips + r.window.roundTrips} |${note}`;
  const gtNote = failed ? ` then fails: ${failed}` : '';
  return [row('ours', ours), row(`GDAL ${(await run('gdalinfo', ['--version'])).split(',')[0].replace('GDAL ', '')} /vsicurl/`, g), row('geotiff.js 2.1.3', gt, gtNote)].join('\n');
}

/** An edge cache in front of `origin`, keyed by path + Range: counts what the origin sent. */
async function edgeCache(origin) {
  const store = new Map();
  const stats = { originRequests: 0, originBytes: 0, hits: 0, requests: 0 };
  const server = http.createServer(async (req, res) => {
    stats.requests++;
    const key = `${req.url}|${req.headers.range ?? ''}`;
    let hit = store.get(key);
    if (hit) stats.hits++;
    else {
      const r = await fetch(`${origin}${req.url}`, { headers: req.headers.range ? { Range: req.headers.range } : {} });
      const body = Buffer.from(await r.arrayBuffer());
      stats.originRequests++;
      stats.originBytes += body.length;
      hit = { status: r.status, headers: Object.fromEntries([...r.headers].filter(([k]) => !['content-encoding', 'transfer-encoding', 'connection'].includes(k))), body };
      store.set(key, hit);
    }
    res.writeHead(hit.status, hit.headers).end(hit.body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, stats, store, close: () => new Promise((r) => server.close(r)) };
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A build of another version (LIW_BASELINE_LIB=…/www/lib/index.js), for the "before" row. */
const baseline = process.env.LIW_BASELINE_LIB ? await import(process.env.LIW_BASELINE_LIB) : null;

async function viewers(origin, name, area, tileGroup, n) {
  const edge = await edgeCache(origin.url);
  const rand = rng(42);
  const intervals = [];
  let viewerRequests = 0;
  const log0 = origin.log.length;
  for (let v = 0; v < n; v++) {
    const engine = tileGroup === 'baseline' ? null : new Engine();
    const img = engine
      ? await LargeImage.open(`${edge.url}/${name}`, { engine, tileGroup })
      : await baseline.LargeImage.open(`${edge.url}/${name}`);
    const z = area.zooms[Math.floor(rand() * area.zooms.length)];
    const lon = area.lon[0] + rand() * (area.lon[1] - area.lon[0]);
    const lat = area.lat[0] + rand() * (area.lat[1] - area.lat[0]);
    const [cx, cy] = mercatorTileAt(z, lon, lat);
    const tiles = [];
    for (let dy = -1; dy <= 1; dy++) for (let dx = -2; dx <= 1; dx++) tiles.push([cx + dx, cy + dy]);
    await Promise.all(tiles.map(([x, y]) => img.tile(z, x, y, { projection: 'EPSG:3857', format: 'rgba', priority: Math.abs(x - cx) + Math.abs(y - cy) })));
    viewerRequests += (engine ?? img).stats().requests;
    img.close();
  }
  for (const e of origin.log.slice(log0)) {
    const m = /bytes=(\d+)-(\d+)/.exec(e.range ?? '');
    if (m) intervals.push([Number(m[1]), Number(m[2]) + 1]);
  }
  await edge.close();
  return { ...edge.stats, viewerRequests, intervals };
}

/** Bytes in the union of intervals. */
function unionBytes(intervals) {
  const s = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [a, b] = [-1, -1];
  for (const [x, y] of s) {
    if (x > b) { total += b - a; [a, b] = [x, y]; } else b = Math.max(b, y);
  }
  return total + (b - a);
}

const dir = await tempDir('liw-bench-');
try {
  // 1. The sparse 10-gigapixel COG.
  await gdal(`
ds = gdal.GetDriverByName('GTiff').Create(sys.argv[1], 100000, 100000, 1, gdal.GDT_Byte,
    ['TILED=YES', 'SPARSE_OK=TRUE', 'BIGTIFF=YES', 'COMPRESS=DEFLATE', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256'])
ds.SetGeoTransform((0, 1, 0, 0, 0, -1)); ds = None`, path.join(dir, 'sparse-src.tif'));
  await run('gdal_translate', ['-q', '-of', 'COG', '-co', 'OVERVIEWS=NONE', '-co', 'SPARSE_OK=TRUE', '-co', 'BLOCKSIZE=256',
    '-co', 'COMPRESS=DEFLATE', '-co', 'BIGTIFF=YES', path.join(dir, 'sparse-src.tif'), path.join(dir, 'sparse.tif')]);
  // 2. A 4-band band-separate COG (GDAL 3.6's COG driver has no INTERLEAVE: GTiff with copied overviews).
  await gdal(`
import numpy as np
ds = gdal.GetDriverByName('GTiff').Create(sys.argv[1], 2048, 2048, 4, gdal.GDT_Byte)
rng = np.random.default_rng(7)
for b in range(4): ds.GetRasterBand(b + 1).WriteArray(rng.integers(0, 64, (2048, 2048)).astype(np.uint8))
ds.BuildOverviews('AVERAGE', [2, 4, 8]); ds = None`, path.join(dir, 'bands-src.tif'));
  await run('gdal_translate', ['-q', '-co', 'TILED=YES', '-co', 'INTERLEAVE=BAND', '-co', 'COPY_SRC_OVERVIEWS=YES',
    '-co', 'COMPRESS=DEFLATE', path.join(dir, 'bands-src.tif'), path.join(dir, 'bands.tif')]);
  await makeSyntheticCog(dir, { name: 'area.tif', width: 4096, height: 4096, west: 5, north: 52, res: 0.0025 });
  await fsp.copyFile(BMNG, path.join(dir, 'bmng.tif'));

  const slow = await startServer({ root: dir, mode: 'slow', delayMs: DELAY });
  console.log('## The first 256² window (pixels 50128–50383) of a sparse 100 000² COG\n');
  console.log('| reader | requests to open | requests for the window | requests in all | round trips |\n| --- | --- | --- | --- | --- |');
  console.log(await threeWays(slow, 'sparse.tif', [50128, 50128, 256, 256]));
  console.log('\n## A 256² window across 4 tiles of a 4-band band-separate COG (16 tiles)\n');
  console.log('| reader | requests to open | requests for the window | requests in all | round trips |\n| --- | --- | --- | --- | --- |');
  console.log(await threeWays(slow, 'bands.tif', [300, 300, 256, 256], 4));
  await slow.close();

  const origin = await startServer({ root: dir });
  const n = Number(process.env.VIEWERS ?? 100);
  for (const [name, area] of [
    ['bmng.tif', { lon: [0, 20], lat: [40, 52], zooms: [3, 4, 5] }],
    ['area.tif', { lon: [8, 12], lat: [44, 48], zooms: [7, 8, 9] }],
  ]) {
    console.log(`\n## ${n} viewers of one area of ${name} behind an edge cache keyed by range (4×3 web-mercator tiles each)\n`);
    console.log('| tiles per request group | origin bytes ÷ needed | origin requests | viewer requests | requests per view | edge hit rate |\n| --- | --- | --- | --- | --- | --- |');
    const rows = [];
    for (const k of [1, 2, 4]) rows.push([k, await viewers(origin, name, area, k, n)]);
    if (baseline) rows.push(['before (LIW_BASELINE_LIB: merged by a 64 KiB gap)', await viewers(origin, name, area, 'baseline', n)]);
    const needed = unionBytes(rows[0][1].intervals); // one range per tile: exactly the bytes needed
    for (const [k, r] of rows) {
      console.log(`| ${k} | ${(r.originBytes / needed).toFixed(3)} (${r.originBytes} ÷ ${needed}) | ${r.originRequests} | ${r.viewerRequests} | ${(r.viewerRequests / n).toFixed(1)} | ${(100 * r.hits / r.requests).toFixed(1)} % |`);
    }
  }
  await origin.close();
} finally {
  await fsp.rm(dir, { recursive: true, force: true });
}

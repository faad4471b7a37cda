#!/usr/bin/env node
// Per-tile time in headless Chromium (a benchmark, not a test): our wasm (www/lib over www/pkg) vs
// geotiff.js (npm geotiff, its browser bundle) on the same COGs from the same local Range server, both
// in one page, in one run. The passes are benches/tile-passes.mjs's (the Node run is bench_geotiffjs.mjs):
//
//   single:  each tile awaited in turn on the page's main thread — geotiff.js readRasters (pool: null) +
//            a plain JS rescale to RGBA, vs our img.tile(…, { format: 'rgba' }) without a pool;
//   pooled:  every tile of the image asked at once — geotiff.js with its worker Pool (decoding in
//            workers, rescale on the main thread) vs ours with a WorkerPool (decode + style in workers,
//            reads in the pool's network worker, on the default engine, with a query string new to it
//            each pass so that its byte cache is empty); both pools have navigator.hardwareConcurrency
//            workers;
//   fetch:   a bare fetch() of each tile's byte range, in turn and all at once (the transport's share);
//   cached:  our tile() in turn from bytes already in the engine's cache, with the decoded-tile cache
//            off: decode + copy + RGBA on the main thread, no network (compares wasm builds);
//   inflate: DEFLATE files only — the browser's DecompressionStream('deflate') on each tile's bytes
//            (fetched before, untimed), to set against `cached`: does the browser's own inflater pay?
//
//   /usr/bin/python3 benches/make_bench_fixtures.py      # target/bench-fixtures/*.tif
//   bash scripts/build-wasm                               # www/pkg
//   node benches/bench_browser_tiles.mjs [--dir target/bench-fixtures] [--passes 3] [--fixtures a,b]
//        [--wasm www/pkg/large_image_wasm_bg.wasm]        # the page's module (e.g. another build; the
//                                                          # pool's workers load their default one)
//        [--only geotiff,ours,geotiffPooled,oursPooled,fetch,fetchConcurrent,oursCachedBytes,decompressionStream]
//
// Fresh readers on an empty byte cache every pass (untimed open), passes alternate, best pass reported.

import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

import { startServer } from '../scripts/serve.mjs';
import { REPO as repo, blankPage, options } from './common.mjs';

const ISSUE_FIXTURES = 'u8_rgb_deflate,u8_rgb_jpeg,u16_deflate_pred2,u16_zstd,f32_deflate_pred3,f32_lerc,f64_deflate,i16_lzw';
const CODEC = { 1: 'NONE', 5: 'LZW', 7: 'JPEG', 8: 'DEFLATE', 32946: 'DEFLATE', 32773: 'PACKBITS', 34887: 'LERC', 50000: 'ZSTD', 50001: 'WEBP' };

/** The page's side: every fixture's best passes, in ms for all tiles of the image. */
async function inPage({ urls, passes, wasm, only }) {
  const lib = await import('/www/lib/index.js');
  const P = await import('/benches/tile-passes.mjs');
  const { GeoTIFF } = globalThis;
  const t0 = performance.now();
  await lib.initWasm(wasm || undefined);
  const startupMs = performance.now() - t0;
  const size = navigator.hardwareConcurrency;
  const pool = new lib.WorkerPool({ size });
  const gpool = new GeoTIFF.Pool(size);
  const inflate = async (bytes) => {
    const s = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(s).arrayBuffer();
  };
  const rows = [];
  for (const [name, url] of urls) {
    const d = await P.describe(GeoTIFF, url);
    const modes = {
      geotiff: () => P.geotiffPass(GeoTIFF, url, d),
      ours: () => P.oursPass(lib, url, d),
      geotiffPooled: () => P.geotiffPass(GeoTIFF, url, d, { pool: gpool, concurrent: true }),
      oursPooled: () => P.oursPass(lib, url, d, { pool, concurrent: true }),
      fetch: () => P.fetchPass(url, d),
      fetchConcurrent: () => P.fetchPass(url, d, { concurrent: true }),
    };
    const engine = new lib.Engine();
    const { img, z } = await P.oursOpen(lib, url, d.tw, { engine, cacheBytes: 0 });
    for (const { tx, ty } of d.tiles) await img.tile(z, tx, ty, { format: 'rgba', tileSize: d.tw }); // bytes cached
    modes.oursCachedBytes = async () => {
      const s = performance.now();
      for (const { tx, ty } of d.tiles) await img.tile(z, tx, ty, { format: 'rgba', tileSize: d.tw });
      return performance.now() - s;
    };
    if (d.compression === 8 || d.compression === 32946) {
      const bytes = await Promise.all(d.ranges.map(async ([a, b]) =>
        new Uint8Array(await (await fetch(url, { headers: { Range: `bytes=${a}-${b - 1}` } })).arrayBuffer())));
      modes.decompressionStream = async () => {
        const s = performance.now();
        for (const b of bytes) await inflate(b);
        return performance.now() - s;
      };
    }
    for (const k of Object.keys(modes)) if (only.length && !only.includes(k)) delete modes[k];
    const best = await P.bestOf(modes, passes);
    img.close();
    rows.push({ name, d: { ...d, tiles: d.tiles.length, ranges: undefined }, best });
  }
  pool.dispose();
  gpool.destroy();
  return { rows, startupMs, size, ua: navigator.userAgent };
}

async function main() {
  const o = options(process.argv.slice(2),
    { dir: path.join(repo, 'target', 'bench-fixtures'), passes: 3, fixtures: ISSUE_FIXTURES, wasm: '', only: '' }, ['fixtures', 'only']);
  for (const name of o.fixtures) {
    const file = path.join(o.dir, `${name}.tif`);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run benches/make_bench_fixtures.py`);
  }
  const mounts = { '/fx/': o.dir };
  let wasm = '';
  if (o.wasm) {
    mounts['/alt-wasm/'] = path.dirname(path.resolve(o.wasm));
    wasm = `/alt-wasm/${path.basename(o.wasm)}`;
  }
  const srv = await startServer({ root: repo, mounts });
  const { browser, newPage } = await blankPage(srv.url);
  let out;
  try {
    const page = await newPage();
    await page.addScriptTag({ url: '/node_modules/geotiff/dist-browser/geotiff.js' });
    const urls = o.fixtures.map((n) => [n, `${srv.url}/fx/${n}.tif`]);
    out = await page.evaluate(inPage, { urls, passes: o.passes, wasm, only: o.only });
  } finally {
    await browser.close();
    await srv.close();
  }
  const version = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/geotiff/package.json'))).version;
  console.log(`${out.ua.match(/Chrom\w*\/[\d.]+/)?.[0] ?? out.ua}, geotiff ${version}, pools of ${out.size} workers, ` +
    `best of ${o.passes} passes, wasm ${o.wasm || 'www/pkg'} (initWasm ${out.startupMs.toFixed(0)} ms); ` +
    `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('');
  console.log('| fixture | codec | dtype × bands | geotiff.js ms/tile | ours ms/tile | ours ÷ geotiff.js | ' +
    'geotiff.js pooled | ours pooled | ours ÷ geotiff.js pooled | fetch in turn / at once | DecompressionStream | ours from cached bytes |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const f = (ms, n) => (ms === undefined ? '–' : (ms / n).toFixed(2));
  const r = (a, b) => (a === undefined || b === undefined ? '–' : (a / b).toFixed(2));
  for (const { name, d, best: b } of out.rows) {
    const n = d.tiles;
    console.log(`| ${name} | ${CODEC[d.compression] ?? d.compression} | ${d.dtype} | ${f(b.geotiff, n)} | ${f(b.ours, n)} | ` +
      `${r(b.ours, b.geotiff)} | ${f(b.geotiffPooled, n)} | ${f(b.oursPooled, n)} | ` +
      `${r(b.oursPooled, b.geotiffPooled)} | ${f(b.fetch, n)} / ${f(b.fetchConcurrent, n)} | ` +
      `${f(b.decompressionStream, n)} | ${f(b.oursCachedBytes, n)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

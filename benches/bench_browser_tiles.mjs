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
//        [--raw]   # the page in a Chromium no tool is attached to (benches/browser-tiles.html): Playwright's
//                  # network instrumentation copies every body and adds ms to each fetch, for both readers
//
// Fresh readers on an empty byte cache every pass (untimed open), passes alternate, best pass reported.

import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

import { startServer } from '../scripts/serve.mjs';
import { REPO as repo, blankPage, options, unattached } from './common.mjs';

const ISSUE_FIXTURES = 'u8_rgb_deflate,u8_rgb_jpeg,u16_deflate_pred2,u16_zstd,f32_deflate_pred3,f32_lerc,f64_deflate,i16_lzw';
const CODEC = { 1: 'NONE', 5: 'LZW', 7: 'JPEG', 8: 'DEFLATE', 32946: 'DEFLATE', 32773: 'PACKBITS', 34887: 'LERC', 50000: 'ZSTD', 50001: 'WEBP' };

async function main() {
  const o = options(process.argv.slice(2),
    { dir: path.join(repo, 'target', 'bench-fixtures'), passes: 3, fixtures: ISSUE_FIXTURES, wasm: '', only: '', raw: false }, ['fixtures', 'only']);
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
  const urls = o.fixtures.map((n) => [n, `${srv.url}/fx/${n}.tif`]);
  const args = { urls, passes: o.passes, wasm, only: o.only };
  let out;
  try {
    if (o.raw) {
      out = await unattached(`${srv.url}/benches/browser-tiles.html?args=${encodeURIComponent(JSON.stringify(args))}`);
    } else {
      const { browser, newPage } = await blankPage(srv.url);
      try {
        const page = await newPage();
        await page.addScriptTag({ url: '/node_modules/geotiff/dist-browser/geotiff.js' });
        out = await page.evaluate(async (a) => (await import('/benches/browser-tiles-page.mjs')).inPage(a), args);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await srv.close();
  }
  const version = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/geotiff/package.json'))).version;
  console.log(`${out.ua.match(/Chrom\w*\/[\d.]+/)?.[0] ?? out.ua}, geotiff ${version}, pools of ${out.size} workers, ` +
    `${o.raw ? 'no tool attached (--raw)' : 'driven by Playwright'}, best of ${o.passes} passes, wasm ${o.wasm || 'www/pkg'} (initWasm ${out.startupMs.toFixed(0)} ms); ` +
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

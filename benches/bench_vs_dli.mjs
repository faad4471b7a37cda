#!/usr/bin/env node
// End to end against the server we replace (a benchmark, not a test): web-mercator tiles of the same
// COGs from the live django-large-image 0.10.5 (tests/oracle/dli_server.py on 127.0.0.1, as the tests run
// it) and from our library in the page, both in one headless Chromium, in one run, per fixture:
//
//   django-large-image: a page of its origin fetches /api/image/F/tiles/z/x/y.png?projection=EPSG:3857
//                       and decodes each PNG to an ImageBitmap (what a map does with a server's tile);
//   ours (page):        LargeImage.open(url) on a new engine, then img.tile(z, x, y, { projection:
//                       'EPSG:3857', format: 'imagebitmap' }) on the page's thread;
//   ours (pool):        the same with { pool }, a WorkerPool of navigator.hardwareConcurrency workers
//                       (started before, on another file) on the default engine, its network worker's
//                       (the URL with a query string of its own: nothing of the page's reads cached).
//
// Each asks for 9 neighbouring tiles (a 3 × 3 block at --zoom), 6 at a time (a browser's per-host limit).
// "cold": the first block of the file, the open included (django-large-image opens the file on its first
// tile request; ours opens it first); "warm": the next, disjoint blocks, the image already open. Each
// reader has blocks of its own, so no output tile is asked twice (large_image's tile cache is keyed by
// output tile); source tiles on a block's edge may still be in a reader's cache from the block before
// (GDAL's block cache, our decoded-tile cache), as when a map pans. Tiles/s, best of the warm
// blocks; the ratio is ours ÷ theirs in tiles/s (> 1: ours faster).
//
//   /usr/bin/python3 benches/make_bench_fixtures.py      # target/bench-fixtures/*.tif
//   bash scripts/build-wasm && bash scripts/setup         # www/pkg, and the django-large-image virtualenv
//   node benches/bench_vs_dli.mjs [--dir target/bench-fixtures] [--zoom 13] [--blocks 3] [--fixtures a,b]

import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';

import { startServer } from '../scripts/serve.mjs';
import { startDli } from '../tests/js/dli.mjs';
import { REPO as repo, blankPage, options } from './common.mjs';

const FIXTURES = 'u8_rgb_jpeg,u8_rgb_webp,u8_rgb_deflate,u16_deflate_pred2,u16_zstd,i16_lzw,f32_deflate_pred3,f32_lerc,f64_deflate';
const MERC = Math.PI * 6378137;

/** Disjoint 3 × 3 blocks of web-mercator tiles at `z` wholly inside the file's EPSG:3857 bounds. */
function blocksOf(file, z, count) {
  const info = JSON.parse(execFileSync('gdalinfo', ['-json', file], { encoding: 'utf8' }));
  if (!/3857/.test(JSON.stringify(info.coordinateSystem ?? {}))) throw new Error(`${file}: not EPSG:3857`);
  const { upperLeft: [x0, y0], lowerRight: [x1, y1] } = info.cornerCoordinates;
  const n = 2 ** z;
  const tx = (x) => ((x + MERC) / (2 * MERC)) * n;
  const ty = (y) => ((MERC - y) / (2 * MERC)) * n;
  const [ax, bx, ay, by] = [Math.ceil(tx(x0)), Math.floor(tx(x1)), Math.ceil(ty(y0)), Math.floor(ty(y1))];
  const blocks = [];
  for (let y = ay; y + 3 <= by; y += 3) {
    for (let x = ax; x + 3 <= bx; x += 3) {
      const b = [];
      for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) b.push([z, x + i, y + j]);
      blocks.push(b);
    }
  }
  if (blocks.length < count) throw new Error(`${file}: only ${blocks.length} disjoint 3×3 blocks at z=${z} (need ${count}): try another --zoom`);
  return blocks.slice(0, count);
}

/** In a page of django-large-image's origin: the block's PNGs, 6 at a time, decoded. ms. */
async function theirsBlock({ file, block }) {
  const t0 = performance.now();
  const queue = [...block];
  await Promise.all(Array.from({ length: 6 }, async () => {
    for (let t; (t = queue.shift());) {
      const [z, x, y] = t;
      const res = await fetch(`/api/image/${file}/tiles/${z}/${x}/${y}.png?projection=EPSG:3857`);
      if (!res.ok) throw new Error(`django-large-image ${res.status} for ${file} ${t}`);
      (await createImageBitmap(await res.blob())).close();
    }
  }));
  return performance.now() - t0;
}

/** In our page: open (when `open`) and the block's tiles as ImageBitmaps, 6 at a time. ms. */
async function oursBlock({ url, block, pooled, open }) {
  const lib = await import('/www/lib/index.js');
  globalThis.benchPool ??= new lib.WorkerPool({ size: navigator.hardwareConcurrency });
  globalThis.benchImages ??= {};
  const key = `${url} ${pooled}`;
  const t0 = performance.now();
  if (open) {
    // In the pool: the default engine (the pool's network worker's), as a map uses it; in the page: a new one.
    globalThis.benchImages[key] = await (pooled
      ? lib.LargeImage.open(`${url}?pool`, { pool: globalThis.benchPool })
      : lib.LargeImage.open(url, { engine: new lib.Engine(), pool: false }));
  }
  const img = globalThis.benchImages[key];
  const queue = [...block];
  await Promise.all(Array.from({ length: 6 }, async () => {
    for (let t; (t = queue.shift());) {
      const [z, x, y] = t;
      (await img.tile(z, x, y, { projection: 'EPSG:3857', format: 'imagebitmap' })).close();
    }
  }));
  return performance.now() - t0;
}

async function main() {
  const o = options(process.argv.slice(2), { dir: path.join(repo, 'target', 'bench-fixtures'), zoom: 13, blocks: 3, fixtures: FIXTURES }, ['fixtures']);
  const plan = o.fixtures.map((name) => {
    const file = path.join(o.dir, `${name}.tif`);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run benches/make_bench_fixtures.py`);
    // Three readers, each with its own blocks (so no reader's tile cache serves another's request):
    // theirs, ours in the page, ours in the pool; each: one cold block then `blocks` warm ones.
    const all = blocksOf(file, o.zoom, 3 * (1 + o.blocks));
    return { name, theirs: all.slice(0, 1 + o.blocks), page: all.slice(1 + o.blocks, 2 * (1 + o.blocks)), pool: all.slice(2 * (1 + o.blocks)) };
  });
  const [dli, srv] = await Promise.all([startDli(o.dir), startServer({ root: repo, mounts: { '/fx/': o.dir } })]);
  const { browser, newPage } = await blankPage(srv.url);
  const rows = [];
  try {
    const oursPage = await newPage();
    const theirsPage = await newPage();
    await theirsPage.goto(`${dli.base}/api/large-image/sources`);
    // Warm-up, untimed: the wasm and the pool's workers up, on a file not measured.
    const warm = path.basename(o.dir) === 'bench-fixtures' ? 'u8_rgb_none' : o.fixtures[0];
    const warmBlock = blocksOf(path.join(o.dir, `${warm}.tif`), o.zoom, 1)[0];
    for (const pooled of [false, true]) await oursPage.evaluate(oursBlock, { url: `${srv.url}/fx/${warm}.tif`, block: warmBlock, pooled, open: true });
    await theirsPage.evaluate(theirsBlock, { file: `${warm}.tif`, block: warmBlock });
    for (const p of plan) {
      const url = `${srv.url}/fx/${p.name}.tif`;
      const tps = (ms) => 9 / (ms / 1e3);
      const run = async (blocks, f) => {
        const cold = await f(blocks[0], true);
        let best = Infinity;
        for (const b of blocks.slice(1)) best = Math.min(best, await f(b, false));
        return { cold: tps(cold), warm: tps(best) };
      };
      const theirs = await run(p.theirs, (block) => theirsPage.evaluate(theirsBlock, { file: `${p.name}.tif`, block }));
      const page = await run(p.page, (block, open) => oursPage.evaluate(oursBlock, { url, block, pooled: false, open }));
      const pool = await run(p.pool, (block, open) => oursPage.evaluate(oursBlock, { url, block, pooled: true, open }));
      rows.push({ name: p.name, theirs, page, pool });
      console.error(`${p.name}: theirs ${theirs.cold.toFixed(1)}/${theirs.warm.toFixed(1)} tiles/s, ours page ${page.cold.toFixed(1)}/${page.warm.toFixed(1)}, pool ${pool.cold.toFixed(1)}/${pool.warm.toFixed(1)} (cold/warm)`);
    }
  } finally {
    await browser.close();
    await Promise.all([dli.stop(), srv.close()]);
  }
  console.log(`\nweb-mercator z=${o.zoom}, 9 tiles per block, 6 at a time, best of ${o.blocks} warm blocks; ${os.cpus().length} CPUs, ` +
    `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('| fixture | django-large-image tiles/s cold / warm | ours (page) cold / warm | ours (pool) cold / warm | ours (page) ÷ theirs, warm | ours (pool) ÷ theirs, warm | ours (pool) ÷ theirs, cold |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const f = (r) => `${r.cold.toFixed(1)} / ${r.warm.toFixed(1)}`;
  for (const r of rows) {
    console.log(`| ${r.name} | ${f(r.theirs)} | ${f(r.page)} | ${f(r.pool)} | ${(r.page.warm / r.theirs.warm).toFixed(2)} | ` +
      `${(r.pool.warm / r.theirs.warm).toFixed(2)} | ${(r.pool.cold / r.theirs.cold).toFixed(2)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

#!/usr/bin/env node
// Browser-path benchmark under Node 20 (a benchmark, not a test): our wasm (www/lib/index.js over
// www/pkg) vs geotiff.js (npm geotiff) reading the same COGs from the same local Range server
// (scripts/serve.mjs) in one run.
//
//   /usr/bin/python3 benches/make_bench_fixtures.py      # target/bench-fixtures/*.tif
//   bash scripts/build-wasm                               # www/pkg (if not built yet)
//   node benches/bench_geotiffjs.mjs [--dir target/bench-fixtures] [--passes 7]
//        [--fixtures u8_rgb_deflate,u8_rgb_jpeg,u16_deflate_pred2]
//
// One pass reads every full-resolution 512² tile of the image, one after the other (awaited in turn), as
// benches/tile-passes.mjs describes: geotiff.js readRasters + a plain JS rescale to RGBA (decoding on this
// thread, no pool) vs our img.tile(z, x, y, { format: 'rgba', tileSize: 512 }) at the full-resolution
// level, and a bare fetch() of each tile's byte range (the transport's share). Fresh readers on an empty
// byte cache every pass; the passes alternate; the best pass of each is reported, as ms per tile and MB/s
// of decoded samples (10⁶ B). The Chromium run of the same passes is bench_browser_tiles.mjs.

import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

import * as GeoTIFF from 'geotiff';
import { startServer } from '../scripts/serve.mjs';
import * as lib from '../www/lib/index.js';
import { REPO as repo, options } from './common.mjs';
import { bestOf, describe, fetchPass, geotiffPass, oursOpen, oursPass, tag } from './tile-passes.mjs';


/**
 * Same samples? (u8 RGB only: our RGBA without A vs geotiff.js.) geotiff.js's readRasters leaves a
 * YCbCr JPEG's samples in YCbCr (its readRGB converts them); they are converted here, as readRGB does,
 * before comparing. Returns the mismatching byte count and the largest difference.
 */
async function compareFirstTile(url) {
  const tiff = await GeoTIFF.fromUrl(url);
  const image = await tiff.getImage(0);
  if (image.getSamplesPerPixel() !== 3 || image.getBitsPerSample() !== 8) return null;
  const [tw, th] = [image.getTileWidth(), image.getTileHeight()];
  const g = await image.readRasters({ window: [tw, th, 2 * tw, 2 * th], interleave: true, pool: null });
  const { img, z } = await oursOpen(lib, url, tw);
  const o = await img.tile(z, 1, 1, { format: 'rgba', tileSize: tw });
  img.close();
  const ycbcr = Number(await tag(image.fileDirectory, 'PhotometricInterpretation')) === 6;
  if (ycbcr) {
    const c = new Uint8ClampedArray(g.length);
    for (let i = 0; i < g.length; i += 3) {
      const [y, cb, cr] = [g[i], g[i + 1], g[i + 2]];
      c[i] = y + 1.402 * (cr - 0x80);
      c[i + 1] = y - 0.34414 * (cb - 0x80) - 0.71414 * (cr - 0x80);
      c[i + 2] = y + 1.772 * (cb - 0x80);
    }
    g.set(c);
  }
  let bad = 0;
  let maxDiff = 0;
  for (let p = 0; p < tw * th; p++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(o[p * 4 + c] - g[p * 3 + c]);
      if (d) bad++;
      maxDiff = Math.max(maxDiff, d);
    }
  }
  return { bad, maxDiff, of: tw * th * 3, ycbcr };
}

async function main() {
  const args = options(process.argv.slice(2),
    { dir: path.join(repo, 'target', 'bench-fixtures'), passes: 7, fixtures: 'u8_rgb_deflate,u8_rgb_jpeg,u16_deflate_pred2' }, ['fixtures']);
  await lib.initWasm();
  const srv = await startServer({ root: args.dir });
  const rows = [];
  try {
    for (const name of args.fixtures) {
      const file = path.join(args.dir, `${name}.tif`);
      if (!fs.existsSync(file)) throw new Error(`${file} is missing: run benches/make_bench_fixtures.py`);
      const url = `${srv.url}/${name}.tif`;
      const d = await describe(GeoTIFF, url);
      const same = await compareFirstTile(url);
      const best = await bestOf({
        geotiff: () => geotiffPass(GeoTIFF, url, d),
        ours: () => oursPass(lib, url, d),
        fetch: () => fetchPass(url, d),
      }, args.passes);
      const n = d.tiles.length;
      const decoded = d.decodedBytes;
      const row = {
        name,
        compression: d.compression,
        dtype: d.dtype,
        tiles: n,
        compressedMB: d.compressedBytes / 1e6,
        geotiffMsPerTile: best.geotiff / n,
        oursMsPerTile: best.ours / n,
        fetchMsPerTile: best.fetch / n,
        geotiffMBs: decoded / (best.geotiff / 1e3) / 1e6,
        oursMBs: decoded / (best.ours / 1e3) / 1e6,
        same,
      };
      console.error(`${name}: geotiff.js ${row.geotiffMsPerTile.toFixed(2)} ms/tile, ours ${row.oursMsPerTile.toFixed(2)} ms/tile, fetch ${row.fetchMsPerTile.toFixed(2)} ms/tile`);
      rows.push(row);
    }
  } finally {
    await srv.close();
  }
  const codec = { 1: 'NONE', 5: 'LZW', 7: 'JPEG', 8: 'DEFLATE', 32773: 'PACKBITS', 34887: 'LERC', 50000: 'ZSTD', 50001: 'WEBP' };
  console.log('');
  console.log(`Node ${process.version}, geotiff ${JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/geotiff/package.json'))).version}, ` +
    `${os.cpus().length} CPUs, best of ${args.passes} passes; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('');
  console.log('| fixture | codec | dtype × bands | tiles | compressed MB | geotiff.js ms/tile | ours ms/tile (incl. RGBA styling) | ours/geotiff.js time | geotiff.js MB/s | ours MB/s | fetch only ms/tile | same samples (tile 1,1) |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const same = r.same == null ? 'n/a (stretched)' : (r.same.bad === 0 ? 'yes' : `${r.same.bad} of ${r.same.of} differ (max ${r.same.maxDiff})`) +
      (r.same.ycbcr ? ', after YCbCr→RGB of geotiff.js output' : '');
    console.log(`| ${r.name} | ${codec[r.compression] ?? r.compression} | ${r.dtype} | ${r.tiles} | ${r.compressedMB.toFixed(2)} | ` +
      `${r.geotiffMsPerTile.toFixed(2)} | ${r.oursMsPerTile.toFixed(2)} | ${(r.oursMsPerTile / r.geotiffMsPerTile).toFixed(2)} | ` +
      `${r.geotiffMBs.toFixed(1)} | ${r.oursMBs.toFixed(1)} | ${r.fetchMsPerTile.toFixed(2)} | ${same} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

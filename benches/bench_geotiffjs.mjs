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
// One pass reads every full-resolution 512² tile of the image, one after the other (awaited in turn):
//   geotiff.js: image.readRasters({ window: [x, y, x + 512, y + 512], interleave: true, pool: null })
//               (raw samples, pixel-interleaved; decoding on the main thread, no worker pool);
//   ours:       img.tile(z, x, y, { format: 'rgba', tileSize: 512 }) with z the full-resolution level of
//               512² tiles, i.e. large_image's pixel-space tile, which is the file's 512² tile — this
//               INCLUDES our default styling to 8-bit RGBA (u16: linear stretch), which geotiff.js does not
//               do;
//   fetch only: the tile's byte range with a bare fetch(), no decoding (the transport's share).
// Each pass opens fresh readers first (untimed: header fetch and parsing, and for ours the default
// style's min/max from the smallest overview; ours on a new Engine, whose byte cache starts empty), so
// nothing fetched or decoded in an earlier pass is reused and
// every tile's bytes go over HTTP in every pass, for both readers. The passes of the readers alternate;
// the best pass of each is reported, as ms per tile and MB/s of decoded samples (10⁶ B).

import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

import { fromUrl } from 'geotiff';
import { startServer } from '../scripts/serve.mjs';
import { Engine, LargeImage, initWasm } from '../www/lib/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');

function parseArgs(argv) {
  const o = { dir: path.join(repo, 'target', 'bench-fixtures'), passes: 7, fixtures: 'u8_rgb_deflate,u8_rgb_jpeg,u16_deflate_pred2' };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].replace(/^--/, '').split(/=(.*)/s, 2);
    const v = inline ?? argv[++i];
    if (!(k in o)) throw new Error(`unknown option --${k}`);
    o[k] = k === 'passes' ? Number(v) : v;
  }
  o.fixtures = o.fixtures.split(',').filter(Boolean);
  return o;
}

async function geotiffPass(url, tiles) {
  const tiff = await fromUrl(url);
  const image = await tiff.getImage(0);
  const t0 = performance.now();
  for (const { x0, y0, x1, y1 } of tiles) {
    await image.readRasters({ window: [x0, y0, x1, y1], interleave: true, pool: null });
  }
  return performance.now() - t0;
}

/** Our reader on a new engine (nothing in its byte cache), and the full-resolution level of `size`² tiles. */
async function oursOpen(url, size) {
  const img = await LargeImage.open(url, { engine: new Engine() });
  const md = await img.metadata();
  const z = Math.max(0, Math.ceil(Math.log2(Math.max(md.sizeX, md.sizeY) / size)));
  return { img, z };
}

async function oursPass(url, tiles, size) {
  const { img, z } = await oursOpen(url, size);
  await img.tile(0, 0, 0, { format: 'rgba', tileSize: size }); // untimed: default style's band ranges (smallest overview)
  const t0 = performance.now();
  for (const { tx, ty } of tiles) {
    await img.tile(z, tx, ty, { format: 'rgba', tileSize: size });
  }
  const ms = performance.now() - t0;
  img.close();
  return ms;
}

async function fetchPass(url, ranges) {
  const t0 = performance.now();
  for (const [a, b] of ranges) {
    const r = await fetch(url, { headers: { Range: `bytes=${a}-${b - 1}` } });
    await r.arrayBuffer();
  }
  return performance.now() - t0;
}

/**
 * Same samples? (u8 RGB only: our RGBA without A vs geotiff.js.) geotiff.js's readRasters leaves a
 * YCbCr JPEG's samples in YCbCr (its readRGB converts them); they are converted here, as readRGB does,
 * before comparing. Returns the mismatching byte count and the largest difference.
 */
async function compareFirstTile(url) {
  const tiff = await fromUrl(url);
  const image = await tiff.getImage(0);
  if (image.getSamplesPerPixel() !== 3 || image.getBitsPerSample() !== 8) return null;
  const [tw, th] = [image.getTileWidth(), image.getTileHeight()];
  const g = await image.readRasters({ window: [tw, th, 2 * tw, 2 * th], interleave: true, pool: null });
  const { img, z } = await oursOpen(url, tw);
  const o = await img.tile(z, 1, 1, { format: 'rgba', tileSize: tw });
  img.close();
  const ycbcr = image.fileDirectory.PhotometricInterpretation === 6;
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
  const args = parseArgs(process.argv.slice(2));
  await initWasm();
  const srv = await startServer({ root: args.dir });
  const rows = [];
  try {
    for (const name of args.fixtures) {
      const file = path.join(args.dir, `${name}.tif`);
      if (!fs.existsSync(file)) throw new Error(`${file} is missing: run benches/make_bench_fixtures.py`);
      const url = `${srv.url}/${name}.tif`;
      const image = await (await fromUrl(url)).getImage(0);
      const [W, H, tw, th] = [image.getWidth(), image.getHeight(), image.getTileWidth(), image.getTileHeight()];
      const spp = image.getSamplesPerPixel();
      const bps = image.getBitsPerSample() / 8;
      const tiles = [];
      for (let ty = 0; ty * th < H; ty++) {
        for (let tx = 0; tx * tw < W; tx++) {
          tiles.push({ tx, ty, x0: tx * tw, y0: ty * th, x1: Math.min(W, (tx + 1) * tw), y1: Math.min(H, (ty + 1) * th) });
        }
      }
      const fd = image.fileDirectory;
      const ranges = tiles.map((_, i) => [fd.TileOffsets[i], fd.TileOffsets[i] + fd.TileByteCounts[i]]);
      const compressed = fd.TileByteCounts.slice(0, tiles.length).reduce((a, b) => a + b, 0);
      const decoded = W * H * spp * bps;
      const same = await compareFirstTile(url);
      // warm-up (JIT, wasm tiering, page cache), then alternate passes
      await geotiffPass(url, tiles);
      await oursPass(url, tiles, tw);
      await fetchPass(url, ranges);
      const best = { geotiff: Infinity, ours: Infinity, fetch: Infinity };
      for (let p = 0; p < args.passes; p++) {
        best.geotiff = Math.min(best.geotiff, await geotiffPass(url, tiles));
        best.ours = Math.min(best.ours, await oursPass(url, tiles, tw));
        best.fetch = Math.min(best.fetch, await fetchPass(url, ranges));
      }
      const n = tiles.length;
      const row = {
        name,
        compression: fd.Compression,
        dtype: `${['', 'uint', 'int', 'float'][fd.SampleFormat?.[0] ?? 1]}${bps * 8} × ${spp}`,
        tiles: n,
        compressedMB: compressed / 1e6,
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

#!/usr/bin/env node
// Hashes of what www/lib answers over a folder of COGs (not a benchmark: the check that two builds give
// the same bytes). For each file: metadata, band statistics, web-mercator and geographic tiles at four
// zooms × three resamplings, tile corners, `pixel` and `locate` in several units, PNG, GeoTIFF and WebP
// regions, thumbnails, WebP tiles, styles with palettes of CSS colours and named palettes, TiTiler
// colormaps, histograms. Errors count as outputs (their text, without the server's port).
//
//   python3 tests/gdal_oracle.py fixtures /tmp/matrix
//   node benches/hash_outputs.mjs --dir /tmp/matrix [--www www] > a.json
//   node benches/hash_outputs.mjs --dir /tmp/matrix --www /path/to/other/www > b.json
//   node -e "const a=require('./a.json'),b=require('./b.json');console.log(Object.keys(a).filter(k=>a[k]!==b[k]))"
//
// Each run is a child process of its own (one JS realm per build); the folder is served on 127.0.0.1.

import path from 'node:path';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { startServer } from '../scripts/serve.mjs';
import { REPO, options } from './common.mjs';
import { mercatorTileAt } from '../tests/js/helpers.mjs';

/** The child: `node hash_outputs.mjs --child <lib> <base url> <names…>` prints `{ key: sha256 | 'ERR …' }`. */
async function child([lib, base, ...names]) {
  const { createHash } = await import('node:crypto');
  const { LargeImage, initWasm } = await import(lib);
  await initWasm();
  const out = {};
  const put = (k, b) => { out[k] = typeof b === 'string' ? b : createHash('sha256').update(b).digest('hex'); };
  const js = (v) => new TextEncoder().encode(JSON.stringify(v));
  const tryput = async (k, f) => {
    try {
      put(k, await f());
    } catch (e) {
      put(k, 'ERR ' + String(e.message).replace(/127\.0\.0\.1:\d+/g, 'H'));
    }
  };
  for (const name of names) {
    let img;
    try {
      img = await LargeImage.open(base + '/' + name);
    } catch (e) {
      put(name + ' open', 'ERR ' + e.message.replace(/127\.0\.0\.1:\d+/g, 'H'));
      continue;
    }
    const meta = await img.metadata();
    put(name + ' meta', js(meta));
    await tryput(name + ' meta3857', async () => js(await img.metadata({ projection: 'EPSG:3857' })));
    await tryput(name + ' tilesmeta', async () => js(await img.tilesMetadata({ projection: 'EPSG:3857' })));
    await tryput(name + ' bands', async () => js(await img.bands()));
    const m = await img.metadata({ projection: 'EPSG:3857' }).catch(() => null);
    if (m?.bounds) {
      const lon = (m.bounds.xmin + m.bounds.xmax) / 2;
      const lat = (m.bounds.ymin + m.bounds.ymax) / 2;
      for (const resampling of ['nearest', 'bilinear', 'cubic']) {
        for (const z of [m.levels - 3, m.levels - 2, m.levels - 1, m.levels].filter((z) => z >= 0)) {
          const [x, y] = mercatorTileAt(z, lon, lat);
          await tryput(`${name} 3857 ${resampling} ${z}/${x}/${y}`, () => img.tile(z, x, y, { projection: 'EPSG:3857', format: 'rgba', resampling }));
          const g = Math.max(0, z - 1);
          await tryput(`${name} 4326 ${resampling} ${z}`, () => img.tile(g, Math.floor(((lon + 180) / 360) * 2 * 2 ** g), Math.floor(((90 - lat) / 180) * 2 ** g), { projection: 'EPSG:4326', format: 'rgba', resampling }));
        }
      }
      await tryput(name + ' corners', async () => js(await img.tileCorners(m.levels - 1, 0, 0, { projection: 'EPSG:3857' })));
      const units = ['EPSG:4326', 'EPSG:3857', 'EPSG:32633', 'EPSG:3413'];
      if (meta.sourceBounds?.srs) units.push(meta.sourceBounds.srs);
      for (const u of units) {
        await tryput(`${name} pixel ${u}`, async () => js(await img.pixel({ left: lon, top: lat, units: 'EPSG:4326' })));
        await tryput(`${name} locate ${u}`, async () => js(await img.locate({ left: lon, top: lat, units: u })));
      }
      const box = { left: lon - 0.5, top: lat + 0.5, right: lon + 0.5, bottom: lat - 0.5, units: 'EPSG:4326' };
      await tryput(name + ' region4326', () => img.region({ ...box, format: 'png', width: 64, height: 64 }));
      await tryput(name + ' regiontiff', () => img.region(box));
    }
    await tryput(name + ' thumb', () => img.thumbnail({ format: 'png' }));
    const palettes = [['#ff0000', 'rgb(0, 255, 0)', 'blue', 'hsl(120, 50%, 50%)', '#0000ff80', 'rebeccapurple', 'transparent'], 'viridis',
      ['#abc', 'hwb(90 10% 10%)', 'rgba(10%, 20%, 30%, 0.4)', 'nonsense'], 'matplotlib.Plasma_6'];
    for (const palette of palettes) {
      await tryput(name + ' styled ' + JSON.stringify(palette), () => img.tile(meta.levels - 1, 0, 0, { format: 'rgba', style: { band: 1, min: 'min', max: 'max', palette } }));
    }
    await tryput(name + ' titiler', () => img.tile(meta.levels - 1, 0, 0, { format: 'rgba', titiler: 'rescale=0,200&colormap_name=terrain' }));
    const colormap = encodeURIComponent(JSON.stringify({ 0: '#ff0000', 100: [0, 0, 255, 255], 200: 'lime' }));
    await tryput(name + ' colormap', () => img.tile(meta.levels - 1, 0, 0, { format: 'rgba', titiler: 'rescale=0,200&colormap=' + colormap }));
    await tryput(name + ' thumbwebp', () => img.thumbnail({ format: 'webp' }));
    await tryput(name + ' tilewebp', () => img.tile(meta.levels - 1, 0, 0, { format: 'WebP' }));
    await tryput(name + ' regionwebp', () => img.region({ left: 0, top: 0, right: 300, bottom: 200, units: 'pixels', format: 'webp' }));
    await tryput(name + ' hist', async () => js(await img.histogram()));
    img.close();
  }
  process.stdout.write(JSON.stringify(out));
}

async function main() {
  const o = options(process.argv.slice(2), { dir: '', www: path.join(REPO, 'www') });
  if (!o.dir) throw new Error('--dir: a folder of COGs (python3 tests/gdal_oracle.py fixtures /tmp/matrix makes one)');
  const names = fs.readdirSync(o.dir).filter((f) => f.endsWith('.tif')).sort();
  const srv = await startServer({ root: path.resolve(o.dir) });
  try {
    const lib = pathToFileURL(path.join(path.resolve(o.www), 'lib', 'index.js')).href;
    const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), '--child', lib, srv.url, ...names],
      { maxBuffer: 256 << 20, timeout: 1_800_000 });
    process.stdout.write(stdout);
    console.error(`${Object.keys(JSON.parse(stdout)).length} outputs over ${names.length} COGs`);
  } finally {
    await srv.close();
  }
}

(process.argv[2] === '--child' ? child(process.argv.slice(3)) : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});

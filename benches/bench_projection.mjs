#!/usr/bin/env node
// Web-mercator tiles of projected COGs through www/lib in Node (a benchmark, not a test): ms per 256²
// tile at the deepest zoom, nearest and bilinear, from cached decoded tiles (so the warp, with its calls
// into the projection module, is what is timed), best of 5 × 20. Each build in its own child process,
// rounds alternating the builds.
//
//   python3 tests/gdal_oracle.py fixtures /tmp/matrix
//   node benches/bench_projection.mjs --dir /tmp/matrix [--www www,/path/to/other/www] [--rounds 2]
//     [--files u16_utm33_deflate.tif,u8_rgb_polar_3413.tif,u8_rgb_deflate.tif]

import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { startServer } from '../scripts/serve.mjs';
import { REPO, options } from './common.mjs';
import { mercatorTileAt } from '../tests/js/helpers.mjs';

/** The child: `--child <lib> <base url> <names…>` prints one line per file. */
async function child([lib, base, ...names]) {
  const { LargeImage, initWasm } = await import(lib);
  await initWasm();
  for (const name of names) {
    const img = await LargeImage.open(base + '/' + name);
    const m = await img.metadata({ projection: 'EPSG:3857' });
    const lon = (m.bounds.xmin + m.bounds.xmax) / 2;
    const lat = (m.bounds.ymin + m.bounds.ymax) / 2;
    const z = m.levels;
    const [x, y] = mercatorTileAt(z, lon, lat);
    const res = {};
    for (const resampling of ['nearest', 'bilinear']) {
      const o = { projection: 'EPSG:3857', format: 'rgba', resampling };
      for (let i = 0; i < 5; i++) await img.tile(z, x, y, o);
      let best = Infinity;
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        for (let i = 0; i < 20; i++) await img.tile(z, x, y, o);
        best = Math.min(best, (performance.now() - t0) / 20);
      }
      res[resampling] = best.toFixed(2);
    }
    img.close();
    console.log(`| ${name} | ${res.nearest} | ${res.bilinear} |`);
  }
}

async function main() {
  const o = options(process.argv.slice(2), {
    dir: '', www: path.join(REPO, 'www'), rounds: 2, files: 'u16_utm33_deflate.tif,u8_rgb_polar_3413.tif,u8_rgb_deflate.tif',
  }, ['www', 'files']);
  if (!o.dir) throw new Error('--dir: a folder of COGs (python3 tests/gdal_oracle.py fixtures /tmp/matrix makes one)');
  const srv = await startServer({ root: path.resolve(o.dir) });
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const www of o.www) {
        const lib = pathToFileURL(path.join(path.resolve(www), 'lib', 'index.js')).href;
        const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), '--child', lib, srv.url, ...o.files]);
        console.log(`\n${www}, round ${round + 1}\n\n| file | nearest ms | bilinear ms |\n|---|---:|---:|\n${stdout.trim()}`);
      }
    }
  } finally {
    await srv.close();
  }
}

(process.argv[2] === '--child' ? child(process.argv.slice(3)) : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});

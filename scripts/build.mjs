#!/usr/bin/env node
// Writes the demo as one self-contained folder that any static host or bucket serves as it is:
// the page (index.html, demo*.js, demo.css), the npm package's JS (lib/), the wasm (pkg/), the service
// worker (sw.js), the embedded COG (data/), and the browser libraries it loads (vendor/: Cesium's built
// assets, uPlot), copied from node_modules. Every path in it is relative, so it also works below a
// bucket's sub-folder.
//
//   node scripts/build.mjs [--out dist]      (needs www/pkg from scripts/build-wasm, and npm ci)

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { vendorMounts } from './serve.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WWW = path.join(REPO, 'www');

/** What the demo needs from www/ (files or folders, relative to www/). */
const PAGE = ['index.html', 'demo.js', 'demo-ui.js', 'demo-histogram.js', 'demo.css', 'sw.js', 'lib', 'data'];
const PKG = ['large_image_wasm.js', 'large_image_wasm_bg.wasm', 'large_image_wasm_simd_bg.wasm', 'epsg.bin', 'codecs.wasm', 'codecs_simd.wasm', 'large_image_proj.js', 'large_image_proj_bg.wasm', 'colours.wasm', 'colormaps.bin', 'palettes.bin'];
/** The vendor mounts the page loads (see scripts/serve.mjs). */
const VENDOR = ['/vendor/cesium/', '/vendor/uplot/'];

/** Copies without TypeScript declarations (the package's, not the page's). */
const keep = (src) => !src.endsWith('.d.ts');

export async function build(out) {
  const missing = [...PKG.map((f) => path.join(WWW, 'pkg', f)), ...PAGE.map((f) => path.join(WWW, f))].filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`build: missing ${missing.join(', ')} (run scripts/build-wasm, or scripts/setup)`);
  const mounts = vendorMounts(REPO);
  for (const v of VENDOR) {
    if (!fs.existsSync(mounts[v])) throw new Error(`build: ${mounts[v]} is missing (run npm ci)`);
  }
  await fsp.rm(out, { recursive: true, force: true });
  await fsp.mkdir(path.join(out, 'pkg'), { recursive: true });
  for (const f of PAGE) await fsp.cp(path.join(WWW, f), path.join(out, f), { recursive: true, filter: keep });
  for (const f of PKG) await fsp.copyFile(path.join(WWW, 'pkg', f), path.join(out, 'pkg', f));
  for (const v of VENDOR) await fsp.cp(mounts[v], path.join(out, v), { recursive: true });
  return summary(out);
}

async function summary(dir) {
  let files = 0;
  let bytes = 0;
  for (const e of await fsp.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    files += 1;
    bytes += (await fsp.stat(path.join(e.parentPath ?? e.path, e.name))).size;
  }
  return { files, bytes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = path.resolve(i > 0 ? process.argv[i + 1] : path.join(REPO, 'dist'));
  build(out).then(
    ({ files, bytes }) => console.log(`build: ${out}: ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB — serve it from any static host`),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

#!/usr/bin/env node
// Start-up cost of the wasm (a benchmark, not a test): in headless Chromium, fetch + compile +
// instantiate of www/pkg through www/lib's `initWasm()` (the wasm-bindgen `init()`, and the EPSG
// table pkg/epsg.bin fetched alongside where the build has one), each run in a fresh browser
// context (nothing cached; the server sends no-store), plus the wasm's raw and gzip sizes; and in
// Node, compile + instantiate of the same bytes read from disk. Where the build has the codec module
// (pkg/codecs_simd.wasm, else pkg/codecs.wasm), also what the first ZSTD, WebP or LERC image adds: its fetch + compile +
// instantiate through www/lib/codecs.js, after initWasm, in the same context; likewise the projection
// module (pkg/large_image_proj_bg.wasm through www/lib/proj.js), what the first projected image adds.
//
//   bash scripts/build-wasm
//   node benches/bench_startup.mjs [--www www] [--runs 9]
//
// `--www` names another build's www folder (e.g. one with main's www/pkg) to compare builds in one run.
// Reports the median and the best of the runs, in ms.

import path from 'node:path';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';

import { startServer } from '../scripts/serve.mjs';
import { REPO as repo, blankPage, options } from './common.mjs';

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main() {
  const o = options(process.argv.slice(2), { www: path.join(repo, 'www'), runs: 9 });
  o.www = path.resolve(o.www);
  // The build www/lib loads by default where the engine has simd128 (both here), else the plain one.
  const simdPath = path.join(o.www, 'pkg', 'large_image_wasm_simd_bg.wasm');
  const wasmPath = fs.existsSync(simdPath) ? simdPath : path.join(o.www, 'pkg', 'large_image_wasm_bg.wasm');
  const bytes = fs.readFileSync(wasmPath);
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  // The modules loaded on first use that this build has: [file, www/lib module, its loader].
  // The codec module: its SIMD build, which www/lib loads where the engine has simd128, where the build has one.
  const codecs = fs.existsSync(path.join(o.www, 'pkg', 'codecs_simd.wasm')) ? 'codecs_simd.wasm' : 'codecs.wasm';
  const PARTS = [[codecs, '/lib/codecs.js', 'loadCodecs'], ['large_image_proj_bg.wasm', '/lib/proj.js', 'loadProj']];
  const parts = PARTS.filter(([f]) => fs.existsSync(path.join(o.www, 'pkg', f)))
    .map(([file, lib, load]) => ({ file, lib, load, bytes: fs.readFileSync(path.join(o.www, 'pkg', file)), ms: [] }));

  const node = [];
  const { default: init } = await import(path.join(o.www, 'pkg', 'large_image_wasm.js'));
  for (let i = 0; i < o.runs; i++) {
    const t0 = performance.now();
    const module = await WebAssembly.compile(bytes);
    node.push(performance.now() - t0);
    if (i === 0) await init({ module_or_path: module });
  }

  const srv = await startServer({ root: o.www });
  const { browser, newPage } = await blankPage(srv.url);
  const page = [];
  try {
    for (let i = 0; i < o.runs; i++) {
      const p = await newPage(); // a fresh context: nothing cached
      const [start, ...later] = await p.evaluate(async (todo) => {
        const t0 = performance.now();
        const m = await import('/lib/index.js');
        await m.initWasm();
        const times = [performance.now() - t0];
        for (const [file, lib, load] of todo) {
          const t1 = performance.now();
          await (await import(lib))[load](await WebAssembly.compileStreaming(fetch('/pkg/' + file)));
          times.push(performance.now() - t1);
        }
        return times;
      }, parts.map((q) => [q.file, q.lib, q.load]));
      page.push(start);
      later.forEach((ms, k) => parts[k].ms.push(ms));
      await p.context().close();
    }
  } finally {
    await browser.close();
    await srv.close();
  }
  const f = (v) => `${median(v).toFixed(1)} (best ${Math.min(...v).toFixed(1)})`;
  const kb = (b) => `${(b.length / 1e3).toFixed(0)} KB | ${(zlib.gzipSync(b, { level: 9 }).length / 1e3).toFixed(0)} KB`;
  console.log('| wasm | raw | gzip -9 | Chromium start-up ms, median (best) | Node compile ms |');
  console.log(`| ${path.relative(repo, wasmPath) || wasmPath} | ${(bytes.length / 1e3).toFixed(0)} KB | ${(gz / 1e3).toFixed(0)} KB | ` +
    `${f(page)} | ${f(node)} |`);
  console.log('\n| loaded on first use | raw | gzip -9 | first load in Chromium ms, median (best) |');
  for (const q of parts) console.log(`| ${q.file} | ${kb(q.bytes)} | ${f(q.ms)} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

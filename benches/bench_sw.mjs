// Benchmark (not a test): tiles/s through the service worker (www/sw.js, `fetch` of django-large-image's
// tile URL) against the same tiles from the library directly in the page, and the first `<img>` tile's
// latency after the worker was stopped (a cold start: the worker's script, the wasm, the image's header,
// then the tile). Headless Chromium (SwiftShader, no GPU needed), www/ on a local static server.
//
//   bash scripts/build-wasm && node benches/bench_sw.mjs [--passes 3] [--concurrency 6] [--cold 5]
//
// Prints a markdown table (docs/benchmarks.md keeps the last one).

import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer, vendorMounts } from '../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../tests/js/helpers.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({ options: { passes: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '6' }, cold: { type: 'string', default: '5' } } });
const PASSES = Number(opts.passes);
const CONCURRENCY = Number(opts.concurrency);
const COLD = Number(opts.cold);

// Every web-mercator tile of zooms 2 and 3 (80 tiles): a whole world view, two levels.
const TILES = [];
for (const z of [2, 3]) for (let x = 0; x < 2 ** z; x++) for (let y = 0; y < 2 ** z; y++) TILES.push([z, x, y]);

const { chromium } = await import('playwright-core');
const srv = await startServer({ root: path.join(REPO, 'www'), mounts: vendorMounts(REPO) });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const context = await browser.newContext({ serviceWorkers: 'allow' });
const page = await context.newPage();
await page.goto(`${srv.url}/examples/leaflet.html`); // registers the worker with bmng
await page.waitForFunction(() => window.example?.loaded, null, { timeout: 60_000 });

/** In the page: `tiles` fetched `concurrency` at a time by `how`; seconds taken. */
const timed = (how, fresh) =>
  page.evaluate(
    async ({ tiles, concurrency, how, fresh }) => {
      const { LargeImage } = await import('/lib/index.js');
      const img = how === 'library' ? await LargeImage.open('/data/bmng.tif') : null;
      const one = async ([z, x, y]) => {
        if (img) return (await img.tile(z, x, y, { projection: 'EPSG:3857', format: 'png' })).length;
        const r = await fetch(`/api/image/${fresh}/tiles/${z}/${x}/${y}.png?projection=EPSG:3857`);
        return (await r.arrayBuffer()).byteLength;
      };
      const t0 = performance.now();
      let next = 0;
      let bytes = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < tiles.length) bytes += await one(tiles[next++]);
      }));
      const s = (performance.now() - t0) / 1000;
      img?.close();
      return { s, bytes };
    },
    { tiles: TILES, concurrency: CONCURRENCY, how, fresh },
  );

const rows = [];
for (let p = 0; p < PASSES; p++) {
  // A new name per pass: the worker opens the image afresh, as the library does.
  const name = `bench${p}`;
  await page.evaluate(async (name) => {
    const { registerLargeImageWorker } = await import('/lib/service-worker.js');
    await (await registerLargeImageWorker('/sw.js')).register(name, '/data/bmng.tif');
  }, name);
  const lib = await timed('library');
  const sw = await timed('worker', name);
  rows.push({ lib: TILES.length / lib.s, sw: TILES.length / sw.s });
}

// Cold starts: stop the worker, then time one <img> of a tile not rendered before.
const cdp = await context.newCDPSession(page);
await cdp.send('ServiceWorker.enable');
const cold = [];
for (let i = 0; i < COLD; i++) {
  await cdp.send('ServiceWorker.stopAllWorkers');
  await new Promise((r) => setTimeout(r, 300));
  cold.push(
    await page.evaluate(async (i) => {
      const img = new Image();
      const t0 = performance.now();
      img.src = `/api/image/bmng/tiles/5/${10 + i}/12.png?projection=EPSG:3857`;
      await img.decode();
      return performance.now() - t0;
    }, i),
  );
}
await browser.close();
await srv.close();

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`| path | tiles/s (median of ${PASSES} passes, ${TILES.length} web-mercator PNG tiles, ${CONCURRENCY} at a time) |`);
console.log('|---|---|');
console.log(`| library in the page (\`img.tile\`) | ${median(rows.map((r) => r.lib)).toFixed(1)} |`);
console.log(`| service worker (\`fetch\` of \`…/tiles/{z}/{x}/{y}.png?projection=EPSG:3857\`) | ${median(rows.map((r) => r.sw)).toFixed(1)} |`);
console.log();
console.log(`First \`<img>\` tile after the worker was stopped (${COLD} cold starts): median ${median(cold).toFixed(0)} ms, min ${Math.min(...cold).toFixed(0)} ms, max ${Math.max(...cold).toFixed(0)} ms.`);

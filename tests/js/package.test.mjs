// The npm package as users get it: `npm pack` of this checkout installed into a scratch project outside
// it, then used there from Node (the core API and the router, over a real range server, answers checked
// against gdalinfo) and type-checked with `tsc --noEmit` on a small typed example (typescript pinned in
// devDependencies). A misuse of the types must fail to compile, so the declarations are not `any`.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer } from '../../scripts/serve.mjs';
import { BMNG, REPO, gdalinfo, missingPrerequisites, run, tempDir } from './helpers.mjs';

const missing = missingPrerequisites();
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

const TYPED_EXAMPLE = `
import { LargeImage, Engine, WorkerPool, colormapNames, type Metadata, type LargeImageError, type EngineStats, type RangeReader } from 'large-image-wasm';
import { createRouter, type Router } from 'large-image-wasm/router';
import { LargeImageImageryProvider } from 'large-image-wasm/cesium';
import { addLargeImageProtocol, type RasterSource } from 'large-image-wasm/maplibre';
import { registerLargeImageWorker } from 'large-image-wasm/service-worker';

export async function main(url: string): Promise<number> {
  const img: LargeImage = await LargeImage.open(url, { headers: { 'X-Test': '1' }, credentials: 'omit' });
  const m: Metadata = await img.metadata({ projection: 'EPSG:3857' });
  const engine = new Engine({ concurrency: 4, cacheBytes: 1 << 20, timeoutMs: 5000, retries: 2, readWholeUpTo: 0 });
  const ctl = new AbortController();
  const viaEngine = await LargeImage.open(url, { engine, signal: ctl.signal, headerBytes: 16384 });
  const bytes: Uint8Array[] = await Engine.shared().read(url, [[0, 8], [8, 16]], { priority: 1, signal: ctl.signal, kind: 'header', credentials: 'omit' });
  const read: RangeReader = (ranges, hints) => engine.read(url, ranges, { priority: hints.priority, signal: hints.signal, kind: hints.kind });
  const viaRead = await LargeImage.open(url, { read });
  const tileBytes: Uint8Array = await viaEngine.tile(0, 0, 0, { priority: 2, signal: ctl.signal });
  const st: EngineStats = engine.stats();
  viaEngine.close(); viaRead.close();
  void bytes; void tileBytes; void st.requests;
  const png: Uint8Array = await img.tile(0, 0, 0, { projection: 'EPSG:3857', format: 'png', style: { band: 1, palette: 'viridis' } });
  const h = await img.histogram({ bins: 8 });
  const names: string[] = await colormapNames();
  const route: Router = createRouter({ prefix: '/api/image', images: { bmng: url }, allowOrigins: ['https://bucket.example'] });
  const res: Response = await route(new Request('http://site.example/api/image/bmng/info/metadata'));
  const handled: boolean = route.handles('http://site.example/api/image/bmng/tiles/0/0/0.png');
  await route.register('other', url, { headers: { Authorization: 'Bearer x' } });
  const start: (u: string) => Promise<LargeImageImageryProvider> = (u) => LargeImageImageryProvider.fromUrl(u, { tilingScheme: 'webmercator', pool: true, resampling: 'auto', maxQueued: 32 });
  const pooled = async (u: string, pool: WorkerPool) => {
    const p = await LargeImage.open(u, { pool });
    const bitmap: ImageBitmap = await p.tile(0, 0, 0, { format: 'imagebitmap', flipY: true, priority: () => 1, signal: new AbortController().signal });
    const provider = await LargeImageImageryProvider.fromUrl(u, { pool, scene: undefined });
    const rerendered: number = provider.setStyle({ band: 1, palette: 'viridis' });
    const picked: Promise<unknown[]> | undefined = provider.pickFeatures(0, 0, 0, 0.1, 0.2);
    return bitmap.width + rerendered + pool.stats().queued + (picked ? 1 : 0) + (p.pool === pool ? 1 : 0);
  };
  const adapter = addLargeImageProtocol({ addProtocol() {} });
  const source: Promise<RasterSource> = adapter.source(url, { query: { band: 1 } });
  const sw: typeof registerLargeImageWorker = registerLargeImageWorker;
  try { await img.pixel({ left: 1, top: 2 }); } catch (e) { const err = e as LargeImageError; console.log(err.kind, err.status); }
  img.close();
  void start; void source; void sw; void h; void handled; void pooled;
  return m.levels + png.length + names.length + res.status;
}
`;

// Each line a misuse the declarations must refuse.
const MISUSES = [
  "import { LargeImage } from 'large-image-wasm'; export const a = (i: LargeImage) => i.tile('0', 0, 0);",
  "import { createRouter } from 'large-image-wasm/router'; export const r = createRouter({ prefix: 42 });",
  "import { LargeImage } from 'large-image-wasm'; export const b = LargeImage.open('u', { credentials: 'sometimes' });",
  "import { WorkerPool } from 'large-image-wasm'; export const p = new WorkerPool({ workers: 2 });",
  "import { LargeImageImageryProvider } from 'large-image-wasm/cesium'; export const q = LargeImageImageryProvider.fromUrl('u', { resampling: 'smooth' });",
  "import { Engine } from 'large-image-wasm'; export const c = new Engine({ concurrency: 'six' });",
  "import { Engine } from 'large-image-wasm'; export const d = Engine.shared().read('u', [0, 8]);",
  "import { LargeImage } from 'large-image-wasm'; export const e = LargeImage.open('u', { read: (r: number) => r });",
  "import { LargeImage } from 'large-image-wasm'; export const f = (i: LargeImage) => i.tile(0, 0, 0, { priority: 'high' });",
];

describe('the npm package, packed and installed elsewhere', () => {
  let dir;
  let scratch;
  let srv;
  let packed;

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    dir = await tempDir('liw-pack-');
    scratch = path.join(dir, 'scratch');
    await fsp.mkdir(scratch);
    const out = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', dir], { timeout: 120_000 }));
    packed = out[0];
    await fsp.writeFile(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(dir, packed.filename)], { timeout: 120_000, cwd: scratch });
    srv = await startServer({ root: path.dirname(BMNG) });
  });

  after(async () => {
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  test('the tarball holds every entry, its declarations, the wasm and the service worker, and nothing of the tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ['www/lib/index.js', 'www/lib/index.d.ts', 'www/lib/cesium.js', 'www/lib/cesium.d.ts', 'www/lib/router.js', 'www/lib/router.d.ts',
      'www/lib/maplibre.js', 'www/lib/maplibre.d.ts', 'www/lib/service-worker.js', 'www/lib/service-worker.d.ts', 'www/sw.js',
      'www/pkg/large_image_wasm.js', 'www/pkg/large_image_wasm_bg.wasm', 'www/pkg/large_image_wasm_simd_bg.wasm', 'www/pkg/epsg.bin', 'www/pkg/codecs.wasm', 'www/pkg/codecs_simd.wasm', 'www/pkg/large_image_proj.js', 'www/pkg/large_image_proj_bg.wasm', 'www/pkg/colours.wasm',
      'www/pkg/colormaps.bin', 'www/pkg/palettes.bin', 'package.json']) {
      assert.ok(files.includes(f), `${f} is packed (${files.join(', ')})`);
    }
    assert.ok(!files.some((f) => f.startsWith('tests/') || f.startsWith('src/') || f.startsWith('www/data/')), 'no tests, sources or data');
  });

  test('installed in a scratch project, the core API and the router answer as gdalinfo says', async () => {
    const use = `
      import { LargeImage } from 'large-image-wasm';
      import { createRouter } from 'large-image-wasm/router';
      const url = process.argv[2];
      const img = await LargeImage.open(url);
      const m = await img.metadata();
      const route = createRouter({ images: { bmng: url } });
      const res = await route(new Request('http://site.example/api/image/bmng/tiles/0/0/0.png?projection=EPSG:3857'));
      const tile = new Uint8Array(await res.arrayBuffer());
      console.log(JSON.stringify({ sizeX: m.sizeX, sizeY: m.sizeY, status: res.status, type: res.headers.get('content-type'), png: [...tile.subarray(1, 4)] }));
    `;
    await fsp.writeFile(path.join(scratch, 'use.mjs'), use);
    const out = JSON.parse(await run(process.execPath, [path.join(scratch, 'use.mjs'), `${srv.url}/bmng.tif`], { cwd: scratch }));
    const info = await gdalinfo(BMNG);
    assert.deepEqual([out.sizeX, out.sizeY], info.size);
    assert.deepEqual([out.status, out.type, String.fromCharCode(...out.png)], [200, 'image/png', 'PNG']);
  });

  test("every entry's declarations name exactly what the module exports", async () => {
    const pkg = JSON.parse(await fsp.readFile(path.join(scratch, 'node_modules', 'large-image-wasm', 'package.json'), 'utf8'));
    let checked = 0;
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target !== 'object') continue;
      const dts = await fsp.readFile(path.join(scratch, 'node_modules', 'large-image-wasm', target.types), 'utf8');
      const declared = new Set([...dts.matchAll(/^export (?:declare )?(?:function|class|const|let) (\w+)/gm)].map((m) => m[1]));
      if (/^export default /m.test(dts)) declared.add('default');
      const specifier = entry === '.' ? 'large-image-wasm' : `large-image-wasm/${entry.slice(2)}`;
      const out = await run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m)))`], { cwd: scratch });
      assert.deepEqual([...declared].sort(), JSON.parse(out).sort(), `${entry}: ${target.types} against the module`);
      checked++;
    }
    assert.equal(checked, 5);
  });

  test('tsc --noEmit accepts a typed example of every entry, and refuses misuses', async () => {
    const tsconfig = { compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], skipLibCheck: false, types: [] }, files: ['example.ts'] };
    await fsp.writeFile(path.join(scratch, 'tsconfig.json'), JSON.stringify(tsconfig));
    await fsp.writeFile(path.join(scratch, 'example.ts'), TYPED_EXAMPLE);
    await run(process.execPath, [TSC, '-p', scratch], { cwd: scratch, timeout: 180_000 });
    for (const [i, misuse] of MISUSES.entries()) {
      const file = `misuse${i}.ts`;
      await fsp.writeFile(path.join(scratch, file), misuse);
      await fsp.writeFile(path.join(scratch, `tsconfig.${i}.json`), JSON.stringify({ ...tsconfig, files: [file] }));
      await assert.rejects(run(process.execPath, [TSC, '-p', path.join(scratch, `tsconfig.${i}.json`)], { cwd: scratch, timeout: 180_000 }), /error TS/, misuse);
    }
  });
});

// The two builds of the main wasm and of the codec module (scripts/build-wasm): the plain ones and the
// SIMD ones (JPEG decoding and the float stretch, and lossy WebP's hot loops, compiled for simd128),
// which www/lib loads by default where the engine has simd128. They must give the same bytes: each pair
// runs in its own Node process over the same COGs (JPEG YCbCr and grey, floats with NaN, ±inf and
// nodata, 32-bit integers, 8-bit RGB, lossy WebP RGB and RGBA at two qualities, lossless WebP, ZSTD,
// LERC) and the outputs' hashes are compared; binaryen's text of each module shows that the plain ones
// have no SIMD instruction.
//
// Run: node --test tests/js/simd.test.mjs   (needs www/pkg from scripts/build-wasm and gdal-bin)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';

import { startServer } from '../../scripts/serve.mjs';
import { BMNG, PKG_CODECS_SIMD_WASM, PKG_CODECS_WASM, PKG_SIMD_WASM, PKG_WASM, REPO, makeSyntheticCog, missingPrerequisites, run, tempDir } from './helpers.mjs';

const missing = missingPrerequisites();
const execFileP = promisify(execFile);

/** One-band COGs of every sample type the float path draws, and 8-bit JPEGs (GDAL writes them). */
const FLOATS = `
import sys
import numpy as np
from osgeo import gdal, osr
out = sys.argv[1]
h, w = 600, 700
yy, xx = np.mgrid[0:h, 0:w]
rng = np.random.default_rng(7)
base = np.sin(xx / 37.0) * 1000 + yy * 3.5 + rng.normal(0, 40, (h, w))
def write(name, dtype, arr, nodata, co):
    drv = gdal.GetDriverByName('MEM')
    ds = drv.Create('', w, h, 1, dtype)
    ds.SetGeoTransform((-20.0, 0.05, 0, 35.0, 0, -0.05))
    srs = osr.SpatialReference(); srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    b = ds.GetRasterBand(1)
    b.WriteArray(arr)
    if nodata is not None:
        b.SetNoDataValue(nodata)
    gdal.Translate(f'{out}/{name}', ds, format='COG', creationOptions=['BLOCKSIZE=256'] + co)
f = base.astype(np.float32)
f[100:140, 200:260] = np.nan
f[300:310, :] = np.inf
f[310:315, :] = -np.inf
f[400:450, 400:500] = -9999
f[0, 0] = np.float32(1e-42)
write('f32.tif', gdal.GDT_Float32, f, -9999, ['COMPRESS=DEFLATE', 'PREDICTOR=3'])
write('f32-plain.tif', gdal.GDT_Float32, base.astype(np.float32), None, ['COMPRESS=DEFLATE'])
d = base * 1e3
d[50:90, 50:90] = np.nan
write('f64.tif', gdal.GDT_Float64, d, None, ['COMPRESS=DEFLATE'])
write('i32.tif', gdal.GDT_Int32, (base * 1e4).astype(np.int32), None, ['COMPRESS=LZW'])
write('u32.tif', gdal.GDT_UInt32, (base * 1e4 + 5e7).astype(np.uint32), 50000000, ['COMPRESS=LZW'])
grey = np.clip(xx * 255 // w + rng.integers(0, 40, (h, w)), 0, 255).astype(np.uint8)
write('grey-jpeg.tif', gdal.GDT_Byte, grey, None, ['COMPRESS=JPEG', 'QUALITY=85'])
# Lossy WebP with an alpha band (a circle of opaque pixels, a soft edge, the rest transparent).
ds = gdal.GetDriverByName('MEM').Create('', w, h, 4, gdal.GDT_Byte)
ds.SetGeoTransform((-20.0, 0.05, 0, 35.0, 0, -0.05))
srs = osr.SpatialReference(); srs.ImportFromEPSG(4326)
ds.SetProjection(srs.ExportToWkt())
r = np.hypot(xx - w / 2, yy - h / 2)
for i, band in enumerate([grey, (yy * 255 // h).astype(np.uint8), ((xx // 20 + yy // 20) % 2 * 200).astype(np.uint8), np.clip((260 - r) * 4, 0, 255).astype(np.uint8)]):
    ds.GetRasterBand(i + 1).WriteArray(band)
ds.GetRasterBand(4).SetColorInterpretation(gdal.GCI_AlphaBand)
gdal.Translate(f'{out}/rgba-webp.tif', ds, format='COG', creationOptions=['BLOCKSIZE=256', 'COMPRESS=WEBP', 'QUALITY=75'])
`;

/** What each pair of builds computes, in its own process: `node <this> <lib> <wasm file> <codec module
 * file> <server> <names…>` (`default` for either file: what the package chooses) prints
 * `{ info, outputs: { key: sha256 } }`. */
const CHILD = `
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
const [lib, wasm, codecs, base, ...names] = process.argv.slice(2);
const { LargeImage, initWasm, wasmInfo } = await import(lib);
const file = async (f) => (f === 'default' ? undefined : fs.readFile(f));
await initWasm(await file(wasm), undefined, await file(codecs));
const outputs = {};
const put = (key, bytes) => { outputs[key] = createHash('sha256').update(bytes).digest('hex'); };
for (const name of names) {
  const img = await LargeImage.open(base + '/' + name);
  try {
    const meta = await img.metadata();
    for (let z = 0; z < meta.levels; z++) {
      const n = 2 ** (meta.levels - 1 - z);
      const [nx, ny] = [Math.ceil(meta.sizeX / 256 / n), Math.ceil(meta.sizeY / 256 / n)];
      for (let x = 0; x < nx; x++) for (let y = 0; y < ny; y++) put(name + ' ' + z + '/' + x + '/' + y, await img.tile(z, x, y, { format: 'rgba' }));
    }
    const top = meta.levels - 1;
    put(name + ' styled', await img.tile(top, 0, 0, { format: 'rgba', style: { band: 1, min: 'min', max: 'max', palette: 'viridis' } }));
    put(name + ' 512', await img.tile(0, 0, 0, { format: 'rgba', tileSize: 512 }));
    const m = await img.metadata({ projection: 'EPSG:3857' });
    for (const resampling of ['nearest', 'bilinear', 'cubic']) {
      for (const z of [m.levels - 3, m.levels - 2, m.levels - 1]) {
        const lon = (m.bounds.xmin + m.bounds.xmax) / 2, lat = (m.bounds.ymin + m.bounds.ymax) / 2;
        const nz = 2 ** z;
        const x = Math.floor(((lon + 180) / 360) * nz);
        const r = (lat * Math.PI) / 180;
        const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * nz);
        put(name + ' 3857 ' + resampling + ' ' + z, await img.tile(z, x, y, { projection: 'EPSG:3857', format: 'rgba', resampling }));
      }
    }
    put(name + ' thumbnail', await img.thumbnail({ format: 'png' }));
    put(name + ' histogram', new TextEncoder().encode(JSON.stringify(await img.histogram())));
  } finally {
    img.close();
  }
}
process.stdout.write(JSON.stringify({ info: wasmInfo(), outputs }));
`;

describe('the plain and SIMD builds of the wasm and of the codec module', () => {
  let dir;
  let srv;
  const names = ['f32.tif', 'f32-plain.tif', 'f64.tif', 'i32.tif', 'u32.tif', 'grey-jpeg.tif', 'rgb-jpeg.tif', 'rgb.tif', 'bmng.tif',
    'webp-q60.tif', 'webp-q90.tif', 'rgba-webp.tif', 'webp-lossless.tif', 'zstd.tif', 'lerc.tif'];

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    dir = await tempDir();
    await run('/usr/bin/python3', ['-c', FLOATS, dir]);
    await makeSyntheticCog(dir, { name: 'rgb-jpeg.tif', compress: 'JPEG', creation: ['QUALITY=90'] });
    await makeSyntheticCog(dir, { name: 'rgb.tif' });
    // Lossy WebP at two qualities (noisy and smooth: the loop filter does more and less), lossless WebP,
    // ZSTD and LERC: the codec module's decoders.
    await makeSyntheticCog(dir, { name: 'webp-q60.tif', compress: 'WEBP', creation: ['QUALITY=60'], noise: 96 });
    await makeSyntheticCog(dir, { name: 'webp-q90.tif', compress: 'WEBP', creation: ['QUALITY=90'], noise: 8 });
    await makeSyntheticCog(dir, { name: 'webp-lossless.tif', compress: 'WEBP', creation: ['WEBP_LOSSLESS=TRUE'] });
    await makeSyntheticCog(dir, { name: 'zstd.tif', compress: 'ZSTD', creation: ['PREDICTOR=2'] });
    await makeSyntheticCog(dir, { name: 'lerc.tif', compress: 'LERC', creation: ['MAX_Z_ERROR=0'] });
    await fsp.copyFile(BMNG, path.join(dir, 'bmng.tif'));
    await fsp.writeFile(path.join(dir, 'child.mjs'), CHILD);
    srv = await startServer({ root: dir });
  });

  after(async () => {
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  /** What `child.mjs` prints for the builds `wasm` and `codecs` (`default`: what the package at `lib`
   * chooses here) over `files`, with its standard error. */
  async function outputsOf(wasm, codecs, { lib = path.join(REPO, 'www', 'lib', 'index.js'), files = names } = {}) {
    const { stdout, stderr } = await execFileP(process.execPath,
      [path.join(dir, 'child.mjs'), pathToFileURL(lib).href, wasm, codecs, srv.url, ...files], { maxBuffer: 64 << 20, timeout: 300_000 });
    return { ...JSON.parse(stdout), stderr };
  }

  test('www/lib loads the SIMD builds where the engine has simd128, and they give the plain builds\' bytes for every tile, warp, style, thumbnail and histogram', async (t) => {
    const [simd, plain] = await Promise.all([outputsOf('default', 'default'), outputsOf(PKG_WASM, PKG_CODECS_WASM)]);
    assert.deepEqual(simd.info, { build: 'simd', codecs: 'simd', simd128: true }, 'Node 20 has simd128: the SIMD builds are the default');
    assert.deepEqual(plain.info, { build: 'given', codecs: 'given', simd128: true });
    const keys = Object.keys(plain.outputs);
    assert.ok(keys.length > 150, `${keys.length} outputs`);
    assert.deepEqual(Object.keys(simd.outputs), keys);
    const differ = keys.filter((k) => simd.outputs[k] !== plain.outputs[k]);
    assert.deepEqual(differ, [], 'outputs that differ between the builds');
    // Not every output the same picture: the fixtures are not blank.
    assert.ok(new Set(Object.values(plain.outputs)).size > keys.length / 2, 'distinct outputs');
    t.diagnostic(`${keys.length} outputs equal over ${names.length} COGs`);
  });

  test('a copy of the package without the SIMD files loads the plain builds, says so once for each, and tiles as before', async () => {
    // www/lib and www/pkg copied without pkg/large_image_wasm_simd_bg.wasm and pkg/codecs_simd.wasm (a
    // host that copied only the plain files).
    const copy = path.join(dir, 'copy');
    const simdFiles = [PKG_SIMD_WASM, PKG_CODECS_SIMD_WASM].map((f) => path.basename(f));
    await fsp.cp(path.join(REPO, 'www', 'lib'), path.join(copy, 'lib'), { recursive: true });
    await fsp.cp(path.join(REPO, 'www', 'pkg'), path.join(copy, 'pkg'), { recursive: true, filter: (f) => !simdFiles.includes(path.basename(f)) });
    const files = ['rgb-jpeg.tif', 'webp-q60.tif', 'zstd.tif'];
    const [a, b] = await Promise.all([
      outputsOf('default', 'default', { lib: path.join(copy, 'lib', 'index.js'), files }),
      outputsOf('default', 'default', { files }),
    ]);
    assert.deepEqual(a.info, { build: 'plain', codecs: 'plain', simd128: true });
    assert.deepEqual(b.info, { build: 'simd', codecs: 'simd', simd128: true });
    assert.match(a.stderr, /large_image_wasm_simd_bg\.wasm.*loading the plain build instead/);
    assert.match(a.stderr, /codecs_simd\.wasm.*loading the plain build instead/);
    assert.equal(a.stderr.match(/loading the plain build instead/g).length, 2, a.stderr);
    assert.equal(b.stderr, '');
    assert.deepEqual(a.outputs, b.outputs);
  });

  test('binaryen: the plain modules hold no SIMD instruction, the SIMD ones hundreds to thousands', async (t) => {
    const wasmOpt = path.join(REPO, 'node_modules', '.bin', 'wasm-opt');
    // Every instruction of the module as text, its vector ones counted as they stream by.
    const simdOps = (file) => new Promise((resolve, reject) => {
      const child = spawn(wasmOpt, ['--all-features', file, '--print'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let n = 0;
      let tail = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        const text = tail + chunk;
        const cut = text.lastIndexOf('\n') + 1;
        n += (text.slice(0, cut).match(/\((?:v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\./g) ?? []).length;
        tail = text.slice(cut);
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(n) : reject(new Error(`wasm-opt ${file}: exit ${code}`))));
    });
    const [plain, simd, codecsPlain, codecsSimd] = await Promise.all([PKG_WASM, PKG_SIMD_WASM, PKG_CODECS_WASM, PKG_CODECS_SIMD_WASM].map(simdOps));
    assert.equal(plain, 0, 'vector instructions in the plain build');
    assert.ok(simd > 1000, `vector instructions in the SIMD build: ${simd}`);
    assert.equal(codecsPlain, 0, 'vector instructions in the plain codec module');
    assert.ok(codecsSimd > 300, `vector instructions in the SIMD codec module: ${codecsSimd}`);
    t.diagnostic(`SIMD build: ${simd} vector instructions; SIMD codec module: ${codecsSimd}`);
  });
});

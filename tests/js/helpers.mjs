// Shared helpers for the JS tests: GDAL fixtures and references, a small PNG decoder,
// pixel comparisons. Expected values come from GDAL, never from our own output.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WWW = path.join(REPO, 'www');
export const BMNG = path.join(WWW, 'data', 'bmng.tif');
export const PKG_WASM = path.join(WWW, 'pkg', 'large_image_wasm_bg.wasm');
/** The SIMD build beside it (the default where the engine has simd128). */
export const PKG_SIMD_WASM = path.join(WWW, 'pkg', 'large_image_wasm_simd_bg.wasm');
/** The codec module's two builds (ZSTD, WebP, LERC): plain, and with lossy WebP's hot loops in simd128. */
export const PKG_CODECS_WASM = path.join(WWW, 'pkg', 'codecs.wasm');
export const PKG_CODECS_SIMD_WASM = path.join(WWW, 'pkg', 'codecs_simd.wasm');
export const OUT_DIR = path.join(REPO, 'tests', 'out');

/** Run a command; resolve with stdout (a Buffer when `encoding: 'buffer'`). */
export function run(cmd, args, { input, encoding = 'utf8', timeout = 120_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { encoding, maxBuffer: 256 * 1024 * 1024, timeout, cwd },
      (err, stdout, stderr) => {
        if (err) {
          const out = typeof stdout === 'string' ? stdout.slice(-4000) : '';
          err.message = `${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}${out}`;
          reject(err);
        } else {
          resolve(stdout);
        }
      },
    );
    if (input != null) child.stdin.end(input);
  });
}

export function hasCommand(cmd) {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, cmd)));
}

/** Why a test cannot run here (null when it can). */
export function missingPrerequisites({ browser = false } = {}) {
  const missing = [];
  for (const cmd of ['gdal_translate', 'gdalwarp', 'gdalinfo', 'gdallocationinfo']) {
    if (!hasCommand(cmd)) missing.push(cmd);
  }
  if (![PKG_WASM, PKG_SIMD_WASM, PKG_CODECS_WASM, PKG_CODECS_SIMD_WASM].every((f) => fs.existsSync(f))) missing.push('www/pkg (run bash scripts/build-wasm)');
  if (!fs.existsSync(BMNG)) missing.push('www/data/bmng.tif (run bash scripts/setup)');
  if (browser) {
    if (!fs.existsSync('/usr/bin/chromium')) missing.push('/usr/bin/chromium');
    if (!fs.existsSync(path.join(REPO, 'node_modules', 'playwright-core'))) missing.push('playwright-core');
    if (!fs.existsSync(path.join(REPO, 'node_modules', 'cesium', 'Build', 'Cesium', 'Cesium.js'))) {
      missing.push('node_modules/cesium');
    }
  }
  return missing.length ? `missing: ${missing.join(', ')}` : null;
}

/** The error `promise` rejects with; a test failure when it resolves. */
export async function rejectionOf(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export async function tempDir(prefix = 'liw-test-') {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export async function gdalinfo(file) {
  return JSON.parse(await run('gdalinfo', ['-json', file]));
}

/**
 * A synthetic RGB u8 EPSG:4326 COG (DEFLATE, 256×256 blocks, overviews): per-pixel noise (up to
 * `noise`) over gradients and a checkerboard, so that a one-pixel shift shows. `compress` and the
 * `creation` options (`KEY=VALUE`) are the COG driver's.
 */
export async function makeSyntheticCog(dir, { name = 'synthetic.tif', width = 800, height = 640,
  west = 10, north = 48, res = 0.0125, compress = 'DEFLATE', noise = 96, creation = [] } = {}) {
  const raw = path.join(dir, `${name}.raw.tif`);
  const out = path.join(dir, name);
  const script = `
import sys
import numpy as np
from osgeo import gdal, osr
raw, w, h, west, north, res, amp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
rng = np.random.default_rng(12345)
yy, xx = np.mgrid[0:h, 0:w]
noise = rng.integers(0, amp, size=(3, h, w)) if amp > 0 else np.zeros((3, h, w), dtype=np.int64)
bands = [
    (xx * 160 // max(w - 1, 1)) + noise[0],
    (yy * 160 // max(h - 1, 1)) + noise[1],
    ((xx // 16 + yy // 16) % 2) * 150 + noise[2],
]
ds = gdal.GetDriverByName('GTiff').Create(raw, w, h, 3, gdal.GDT_Byte)
ds.SetGeoTransform((west, res, 0, north, 0, -res))
srs = osr.SpatialReference(); srs.ImportFromEPSG(4326)
ds.SetProjection(srs.ExportToWkt())
for i, b in enumerate(bands):
    ds.GetRasterBand(i + 1).WriteArray(np.clip(b, 0, 255).astype(np.uint8))
    ds.GetRasterBand(i + 1).SetColorInterpretation([gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand][i])
ds = None
`;
  await run('/usr/bin/python3', ['-c', script, raw, width, height, west, north, res, noise].map(String));
  await run('gdal_translate', ['-q', '-of', 'COG', '-co', `COMPRESS=${compress}`, '-co', 'BLOCKSIZE=256',
    ...creation.flatMap((c) => ['-co', c]), raw, out]);
  await fsp.rm(raw);
  return out;
}

export const MERCATOR_ORIGIN = 20037508.342789244;

/** XYZ web-mercator tile bounds in metres: [xmin, ymin, xmax, ymax]. */
export function mercatorTileBounds(z, x, y) {
  const size = (2 * MERCATOR_ORIGIN) / 2 ** z;
  const xmin = -MERCATOR_ORIGIN + x * size;
  const ymax = MERCATOR_ORIGIN - y * size;
  return [xmin, ymax - size, xmin + size, ymax];
}

/** The XYZ tile holding a lon/lat at zoom z. */
export function mercatorTileAt(z, lon, lat) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [x, y];
}

/** Cesium GeographicTilingScheme tile bounds in degrees (level 0 is 2×1): [west, south, east, north]. */
export function geographicTileBounds(level, x, y) {
  const size = 180 / 2 ** level;
  const west = -180 + x * size;
  const north = 90 - y * size;
  return [west, north - size, west + size, north];
}

/**
 * GDAL's rendering of a tile: gdalwarp to `srs` over `te` (xmin ymin xmax ymax) at size×size,
 * nearest neighbour, exact transforms, with an alpha band; `ovr` is gdalwarp's overview choice
 * (AUTO, NONE, or an overview index). Returns RGBA bytes (size²×4).
 */
export async function gdalwarpRgba(src, { srs, te, size = 256, resampling = 'near', ovr = 'AUTO', dir }) {
  const out = path.join(dir, `warp-${process.hrtime.bigint()}.bin`);
  await run('gdalwarp', [
    '-q', '-overwrite', '-t_srs', srs, '-te', ...te.map((v) => v.toPrecision(17)),
    '-ts', String(size), String(size), '-r', resampling, '-et', '0', '-dstalpha', '-ovr', String(ovr),
    '-of', 'ENVI', '-co', 'INTERLEAVE=BIP', src, out,
  ]);
  const bytes = await fsp.readFile(out);
  await fsp.rm(out, { force: true });
  await fsp.rm(`${out.replace(/\.bin$/, '')}.hdr`, { force: true });
  await fsp.rm(`${out}.aux.xml`, { force: true });
  if (bytes.length !== size * size * 4) {
    throw new Error(`gdalwarp gave ${bytes.length} bytes, expected ${size * size * 4} (RGBA)`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Compare two RGBA images. Pixels transparent in both count as equal; where only one is
 * transparent it is an alpha mismatch. Colour statistics cover pixels opaque in both.
 */
export function compareRgba(actual, expected, { tolerance = 0 } = {}) {
  if (actual.length !== expected.length) {
    throw new Error(`size mismatch: ${actual.length} vs ${expected.length}`);
  }
  const n = actual.length / 4;
  let opaqueBoth = 0;
  let transparentBoth = 0;
  let alphaMismatch = 0;
  let within = 0;
  let sumAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i * 4 + 3] > 0;
    const e = expected[i * 4 + 3] > 0;
    if (!a && !e) {
      transparentBoth++;
      continue;
    }
    if (a !== e) {
      alphaMismatch++;
      continue;
    }
    opaqueBoth++;
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(actual[i * 4 + c] - expected[i * 4 + c]);
      sumAbs += d;
      if (d > worst) worst = d;
    }
    if (worst > maxDiff) maxDiff = worst;
    if (worst <= tolerance) within++;
  }
  return {
    pixels: n,
    opaqueBoth,
    transparentBoth,
    alphaMismatch,
    alphaMismatchFraction: alphaMismatch / n,
    // Pixels opaque in both whose channels are all within `tolerance`.
    matchFraction: opaqueBoth ? within / opaqueBoth : 1,
    meanAbsDiff: opaqueBoth ? sumAbs / (opaqueBoth * 3) : 0,
    maxDiff,
  };
}

// ---------------------------------------------------------------------------------------
// A small PNG decoder (8-bit gray/RGB/RGBA/gray+alpha/palette, non-interlaced): enough for
// Chromium's screenshots and our tiles, without an npm dependency.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(8, bytes.length)).equals(PNG_SIGNATURE);
}

/** @returns {{ width: number, height: number, data: Uint8Array }} RGBA pixels */
export function decodePng(input) {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (!isPng(buf)) throw new Error('not a PNG (bad signature)');
  let pos = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = 0;
  let interlace = 0;
  let palette = null;
  let trns = null;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    pos += 12 + len;
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitDepth = data[8];
      colorType = data[9];
      interlace = data[12];
    } else if (type === 'PLTE') {
      palette = data;
    } else if (type === 'tRNS') {
      trns = data;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
  }
  if (bitDepth !== 8) throw new Error(`PNG bit depth ${bitDepth} not supported by the test decoder`);
  if (interlace) throw new Error('interlaced PNG not supported by the test decoder');
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (!channels) throw new Error(`PNG colour type ${colorType} not supported`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = pixels.subarray(y * stride, (y + 1) * stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      cur[i] = v & 0xff;
    }
    prev = cur;
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    let r;
    let g;
    let b;
    let a = 255;
    if (colorType === 6) [r, g, b, a] = pixels.subarray(i * 4, i * 4 + 4);
    else if (colorType === 2) [r, g, b] = pixels.subarray(i * 3, i * 3 + 3);
    else if (colorType === 0) r = g = b = pixels[i];
    else if (colorType === 4) {
      r = g = b = pixels[i * 2];
      a = pixels[i * 2 + 1];
    } else {
      const k = pixels[i];
      [r, g, b] = palette.subarray(k * 3, k * 3 + 3);
      if (trns && k < trns.length) a = trns[k];
    }
    rgba.set([r, g, b, a], i * 4);
  }
  return { width, height, data: rgba };
}

/** Save an RGBA buffer as a PNG (for looking at test output). */
export function encodePng(width, height, rgba) {
  const crcTable = new Int32Array(256).map((_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  const crc = (bytes) => {
    let c = -1;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ -1) >>> 0;
  };
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, tail]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------------------
// Headless Chromium (Debian's, through playwright-core) and screenshots against GDAL.

/** Chromium's flags here (toolchain.md): WebGL on SwiftShader, no network chatter of its own. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * For each screen point, the mean colour of a (2R+1)² patch of the screenshot against the mean of GDAL's
 * values (`gdallocationinfo -wgs84`) at the lon/lat `lonLatAt(x, y)` gives for each patch pixel (evaluated
 * in the page at window coordinates, whose integers are pixel corners: pixel (x, y) spans x..x+1, y..y+1;
 * null where the map has no ground). Each pixel's reference is the mean of S×S samples spread over that
 * footprint (S = 1: its centre alone): a zoomed-out map shows each pixel as the average of the
 * ground it covers (overviews, mipmaps), which one point sample of a patchy place (ice and sea) does not
 * stand for. Returns one entry per point that landed. `keep(lon, lat)` may refuse a point; `toFile(lon,
 * lat)` maps to the file's coordinates (then `-geoloc`); `expect(rgb)` maps GDAL's values at a place to
 * the colour the screen should show there (a style).
 */
export async function patchesVsGdal(page, shot, points, file, lonLatAt, { R = 3, S = 1, keep = () => true, toFile = null, expect = (rgb) => rgb } = {}) {
  const patches = await page.evaluate(
    ({ points, R, S, fn }) => {
      const at = new Function(`return (${fn})`)();
      const offsets = Array.from({ length: S }, (_, k) => (k + 0.5) / S);
      return points.map(([px, py]) => {
        const out = [];
        for (let dy = -R; dy <= R; dy++) {
          for (let dx = -R; dx <= R; dx++) for (const oy of offsets) for (const ox of offsets) out.push(at(px + dx + ox, py + dy + oy));
        }
        return out.every(Boolean) ? out : null;
      });
    },
    { points, R, S, fn: lonLatAt.toString() },
  );
  const perPixel = S * S;
  const results = [];
  for (let k = 0; k < points.length; k++) {
    const samples = patches[k];
    if (!samples) continue;
    const pixels = samples.length / perPixel;
    const centre = Math.floor(pixels / 2) * perPixel + Math.floor(perPixel / 2);
    const [lon, lat] = samples[centre];
    if (!keep(lon, lat)) continue;
    const coords = toFile ? samples.map(([x, y]) => toFile(x, y)) : samples;
    const input = coords.map(([x, y]) => `${x.toFixed(8)} ${y.toFixed(8)}`).join('\n') + '\n';
    const values = (await run('gdallocationinfo', [toFile ? '-geoloc' : '-wgs84', '-valonly', file], { input })).split('\n').filter((l) => l.trim() !== '').map(Number);
    if (values.length !== samples.length * 3) throw new Error(`gdallocationinfo gave ${values.length} values for ${samples.length} points`);
    const want = Array.from({ length: pixels }, (_, i) => {
      const mean = [0, 0, 0];
      for (let j = 0; j < perPixel; j++) {
        const rgb = expect(values.slice((i * perPixel + j) * 3, (i * perPixel + j) * 3 + 3));
        for (let c = 0; c < 3; c++) mean[c] += rgb[c] / perPixel;
      }
      return mean;
    });
    const [px, py] = points[k];
    const gdal = [0, 0, 0];
    const screen = [0, 0, 0];
    let absDiff = 0;
    let i = 0;
    for (let dy = -R; dy <= R; dy++) {
      for (let dx = -R; dx <= R; dx++, i++) {
        const o = ((py + dy) * shot.width + (px + dx)) * 4;
        for (let c = 0; c < 3; c++) {
          gdal[c] += want[i][c] / pixels;
          screen[c] += shot.data[o + c] / pixels;
          absDiff += Math.abs(want[i][c] - shot.data[o + c]) / (pixels * 3);
        }
      }
    }
    const diff = Math.max(...gdal.map((v, c) => Math.abs(v - screen[c])));
    results.push({ px, py, lon: +lon.toFixed(2), lat: +lat.toFixed(2), gdal: gdal.map(Math.round), screen: screen.map(Math.round), diff, meanDiff: diff, perPixel: absDiff });
  }
  return results;
}

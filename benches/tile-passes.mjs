// The timed passes of the per-tile benchmarks, shared by the Node run (bench_geotiffjs.mjs) and the
// Chromium run (bench_browser_tiles.mjs, which loads this file in the page): plain JavaScript with no
// Node imports, given geotiff.js's namespace and our www/lib/index.js namespace by the caller.
//
// Like for like, per the speed goal ("readRasters + the same rescale to RGBA"):
//   geotiff.js: image.readRasters({ window, interleave: true }) of each full-resolution tile, then a plain
//               JS rescale to 8-bit RGBA: 3+ band 8-bit → copy + opaque alpha; otherwise band 0 stretched
//               linearly between its min and max (from the smallest overview, read at open, untimed) to
//               grey, NaN and nodata transparent. YCbCr JPEG is converted to RGB, as readRGB does.
//   ours:       img.tile(z, x, y, { format: 'rgba', tileSize }) at the full-resolution level: large_image's
//               pixel-space tile, which is the file's tile, with our default style (the same rescale).
// Each pass opens fresh readers first (untimed), on a fresh byte cache, so every tile's bytes go over
// HTTP in every pass for both. `concurrent` passes ask for every tile at once (Promise.all), as a map
// does; otherwise each tile is awaited before the next.

const now = () => globalThis.performance.now();

/** A tag of geotiff.js's file directory: 3.x has `loadValue`, 2.x plain fields. */
export async function tag(fd, name) {
  return typeof fd.loadValue === 'function' ? fd.loadValue(name) : fd[name];
}

/** The file's full-resolution tiles and their byte ranges, read with geotiff.js. */
export async function describe(GeoTIFF, url) {
  const image = await (await GeoTIFF.fromUrl(url)).getImage(0);
  const [W, H, tw, th] = [image.getWidth(), image.getHeight(), image.getTileWidth(), image.getTileHeight()];
  const tiles = [];
  for (let ty = 0; ty * th < H; ty++) {
    for (let tx = 0; tx * tw < W; tx++) {
      tiles.push({ tx, ty, window: [tx * tw, ty * th, Math.min(W, (tx + 1) * tw), Math.min(H, (ty + 1) * th)] });
    }
  }
  const fd = image.fileDirectory;
  const offsets = Array.from(await tag(fd, 'TileOffsets'), Number);
  const counts = Array.from(await tag(fd, 'TileByteCounts'), Number);
  const ranges = tiles.map((_, i) => [offsets[i], offsets[i] + counts[i]]);
  const spp = image.getSamplesPerPixel();
  const bps = image.getBitsPerSample() / 8;
  const format = Array.from((await tag(fd, 'SampleFormat')) ?? [1])[0];
  return {
    W, H, tw, th, spp, bps, tiles, ranges,
    compression: Number(await tag(fd, 'Compression')),
    ycbcr: Number(await tag(fd, 'PhotometricInterpretation')) === 6,
    dtype: `${['', 'uint', 'int', 'float'][format] ?? '?'}${bps * 8} × ${spp}`,
    compressedBytes: counts.slice(0, tiles.length).reduce((a, b) => a + b, 0),
    decodedBytes: W * H * spp * bps,
  };
}

/** geotiff.js's reader of `url` and band 0's min/max from the smallest overview (as our default style). */
async function geotiffOpen(GeoTIFF, url) {
  const tiff = await GeoTIFF.fromUrl(url);
  const image = await tiff.getImage(0);
  const small = await tiff.getImage((await tiff.getImageCount()) - 1);
  const nodata = image.getGDALNoData();
  const ov = await small.readRasters({ samples: [0], interleave: true });
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ov) {
    if (Number.isNaN(v) || v === nodata) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { image, lo, hi, nodata };
}

/** The plain JS rescale of geotiff.js's interleaved samples to 8-bit RGBA (see the header). */
export function toRgba(r, d, lo, hi, nodata) {
  const n = r.width * r.height;
  const out = new Uint8ClampedArray(n * 4);
  const spp = d.spp;
  if (spp >= 3 && d.bps === 1) {
    for (let p = 0, i = 0, o = 0; p < n; p++, i += spp, o += 4) {
      if (d.ycbcr) {
        const y = r[i];
        const cb = r[i + 1] - 128;
        const cr = r[i + 2] - 128;
        out[o] = y + 1.402 * cr;
        out[o + 1] = y - 0.34414 * cb - 0.71414 * cr;
        out[o + 2] = y + 1.772 * cb;
      } else {
        out[o] = r[i];
        out[o + 1] = r[i + 1];
        out[o + 2] = r[i + 2];
      }
      out[o + 3] = 255;
    }
    return out;
  }
  const k = hi > lo ? 255 / (hi - lo) : 0;
  for (let p = 0, i = 0, o = 0; p < n; p++, i += spp, o += 4) {
    const v = r[i];
    if (Number.isNaN(v) || v === nodata) continue;
    const g = (v - lo) * k;
    out[o] = g;
    out[o + 1] = g;
    out[o + 2] = g;
    out[o + 3] = 255;
  }
  return out;
}

async function each(tiles, concurrent, fn) {
  if (concurrent) await Promise.all(tiles.map(fn));
  else for (const t of tiles) await fn(t);
}

/** One geotiff.js pass; `pool`: a geotiff.js Pool or null (decoding on this thread). Returns ms. */
export async function geotiffPass(GeoTIFF, url, d, { pool = null, concurrent = false } = {}) {
  const { image, lo, hi, nodata } = await geotiffOpen(GeoTIFF, url);
  const t0 = now();
  await each(d.tiles, concurrent, async ({ window }) => {
    const r = await image.readRasters({ window, interleave: true, pool });
    toRgba(r, d, lo, hi, nodata);
  });
  return now() - t0;
}

/**
 * Our reader on `engine` (default: a new one, its byte cache empty) or, given a `pool`, on the default
 * engine (the pool's network worker's, as a map uses it), and the full-resolution level of `size`² tiles.
 */
export async function oursOpen(lib, url, size, { pool = false, engine, cacheBytes } = {}) {
  const options = { pool, cacheBytes };
  if (!pool) options.engine = engine ?? new lib.Engine();
  const img = await lib.LargeImage.open(url, options);
  const md = await img.metadata();
  const z = Math.max(0, Math.ceil(Math.log2(Math.max(md.sizeX, md.sizeY) / size)));
  await img.tile(0, 0, 0, { format: 'rgba', tileSize: size }); // untimed: the default style's band ranges
  return { img, z };
}

let passes = 0;

/**
 * One pass of ours, on this thread (a new engine: its byte cache empty) or in `pool` (a WorkerPool, on
 * the default engine, the pool's network worker's, as a map uses it; a query string new to that engine
 * each pass keeps its byte cache from serving an earlier pass's bytes). Returns ms.
 */
export async function oursPass(lib, url, d, { pool = false, concurrent = false } = {}) {
  const u = pool ? `${url}${url.includes('?') ? '&' : '?'}pass=${++passes}` : url;
  const { img, z } = await oursOpen(lib, u, d.tw, { pool });
  const t0 = now();
  await each(d.tiles, concurrent, ({ tx, ty }) => img.tile(z, tx, ty, { format: 'rgba', tileSize: d.tw }));
  const ms = now() - t0;
  img.close();
  return ms;
}

/** A bare fetch() of each tile's byte range, no decoding (the transport's share). Returns ms. */
export async function fetchPass(url, d, { concurrent = false } = {}) {
  const t0 = now();
  await each(d.ranges, concurrent, async ([a, b]) => {
    const r = await fetch(url, { headers: { Range: `bytes=${a}-${b - 1}` } });
    await r.arrayBuffer();
  });
  return now() - t0;
}

/**
 * Runs `modes` ({ name: () => Promise<ms> }) once each to warm up (JIT, wasm tiering, page cache), then
 * `passes` times alternating, and returns each mode's best pass in ms.
 */
export async function bestOf(modes, passes) {
  const best = {};
  for (const [k, f] of Object.entries(modes)) {
    await f();
    best[k] = Infinity;
  }
  for (let p = 0; p < passes; p++) {
    for (const [k, f] of Object.entries(modes)) best[k] = Math.min(best[k], await f());
  }
  return best;
}

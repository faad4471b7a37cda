// The npm entry (www/lib/index.js) under Node 20: opens COGs served over HTTP by
// scripts/serve.mjs and checks what it says against GDAL (gdalinfo, gdalwarp).
//
// Run: node --test tests/js/   (needs www/pkg from scripts/build-wasm, www/data/bmng.tif,
// and Debian's gdal-bin + python3-gdal).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer } from '../../scripts/serve.mjs';
import {
  run,
  BMNG,
  WWW,
  closedPort,
  compareRgba,
  decodePng,
  gdalinfo,
  gdalwarpRgba,
  geographicTileBounds,
  isPng,
  makeSyntheticCog,
  mercatorTileAt,
  mercatorTileBounds,
  MERCATOR_ORIGIN,
  missingPrerequisites,
  REPO,
  tempDir,
} from './helpers.mjs';

const missing = missingPrerequisites();

const DTYPES = { Byte: 'uint8', UInt16: 'uint16', Int16: 'int16', UInt32: 'uint32', Int32: 'int32', Float32: 'float32', Float64: 'float64' };

/** large_image's pixel-space level count (shared/api.md). */
function expectedLevels(sizeX, sizeY, tileWidth, tileHeight) {
  return Math.ceil(Math.log2(Math.max(sizeX / tileWidth, sizeY / tileHeight))) + 1;
}

function assertMetadataMatchesGdal(meta, info, label) {
  const [w, h] = info.size;
  assert.equal(meta.sizeX, w, `${label}: sizeX`);
  assert.equal(meta.sizeY, h, `${label}: sizeY`);
  // large_image's pixel-space pyramid is of 256-pixel tiles, whatever the file's block size.
  assert.equal(meta.tileWidth, 256, `${label}: tileWidth`);
  assert.equal(meta.tileHeight, 256, `${label}: tileHeight`);
  assert.equal(meta.bandCount, info.bands.length, `${label}: bandCount`);
  assert.equal(meta.levels, expectedLevels(w, h, 256, 256), `${label}: levels`);
  assert.equal(meta.geospatial, true, `${label}: geospatial`);
  assert.equal(String(meta.dtype).toLowerCase(), DTYPES[info.bands[0].type], `${label}: dtype`);
  // Our fixtures are EPSG:4326: GDAL's corner coordinates are the bounds in degrees.
  const cc = info.cornerCoordinates;
  const exp = {
    xmin: Math.min(cc.upperLeft[0], cc.lowerLeft[0]),
    xmax: Math.max(cc.upperRight[0], cc.lowerRight[0]),
    ymin: Math.min(cc.lowerLeft[1], cc.lowerRight[1]),
    ymax: Math.max(cc.upperLeft[1], cc.upperRight[1]),
  };
  assert.ok(meta.bounds, `${label}: bounds present`);
  for (const k of ['xmin', 'xmax', 'ymin', 'ymax']) {
    assert.ok(
      Math.abs(meta.bounds[k] - exp[k]) < 1e-6,
      `${label}: bounds.${k} ${meta.bounds[k]} vs GDAL ${exp[k]}`,
    );
  }
  assert.equal(String(meta.bounds.srs).toLowerCase(), 'epsg:4326', `${label}: bounds.srs`);
}

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return null;
}

describe('LargeImage (www/lib/index.js) in Node', () => {
  let LargeImage;
  let Engine;
  let initWasm;
  let dir;
  let srv;
  let base;
  let synthetic;
  let syntheticInfo;
  let bmngInfo;

  const url = (name) => `${base}/${name}`;
  /** What `code` (an ES module run in a fresh Node process, a realm of its own) prints as JSON; its
   * `process.argv.slice(1)` is www/lib's entry, this server's URL and the file `pkg/<part>`. */
  const inFreshRealm = async (code, part) =>
    JSON.parse(await run(process.execPath, ['--input-type=module', '-e', code, path.join(REPO, 'www', 'lib', 'index.js'), base, path.join(WWW, 'pkg', part)]));
  const logFor = (name) => srv.log.filter((e) => e.path === `/${name}`);

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ LargeImage, Engine, initWasm } = await import('../../www/lib/index.js'));
    dir = await tempDir();
    synthetic = await makeSyntheticCog(dir);
    syntheticInfo = await gdalinfo(synthetic);
    bmngInfo = await gdalinfo(BMNG);
    const bytes = await fsp.readFile(synthetic);
    // Not a TIFF: text with a .tif name.
    await fsp.writeFile(path.join(dir, 'notatiff.tif'), 'This is not a TIFF file.\n'.repeat(400));
    // Cut inside the header (the first IFD lies beyond the end).
    await fsp.writeFile(path.join(dir, 'truncated-head.tif'), bytes.subarray(0, 100));
    // Cut in the middle of the image data (a COG keeps full resolution last).
    await fsp.writeFile(path.join(dir, 'truncated-tail.tif'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    srv = await startServer({ root: dir, mounts: { '/www/': WWW } });
    base = srv.url;
  });

  after(async () => {
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  test('initWasm is idempotent', async () => {
    const a = initWasm();
    const b = initWasm();
    assert.equal(a, b);
    await a;
  });

  test('metadata matches gdalinfo (synthetic EPSG:4326 RGB DEFLATE COG)', async () => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      assertMetadataMatchesGdal(await img.metadata(), syntheticInfo, 'synthetic');
    } finally {
      img.close();
    }
  });

  test("a UTM COG's CRS comes from the EPSG table beside the wasm (pkg/epsg.bin): corners as gdalinfo's wgs84Extent", async () => {
    const utm = path.join(dir, 'utm.tif');
    await run('gdalwarp', ['-q', '-t_srs', 'EPSG:32633', '-of', 'COG', synthetic, utm]);
    const extent = JSON.parse(await run('gdalinfo', ['-json', utm])).wgs84Extent.coordinates[0];
    const img = await LargeImage.open(url('utm.tif'));
    try {
      const b = (await img.metadata()).bounds;
      const corners = [b.ul, b.ll, b.lr, b.ur];
      corners.forEach((c, i) => {
        const [x, y] = extent[i];
        assert.ok(Math.abs(c.x - x) < 1e-6 && Math.abs(c.y - y) < 1e-6, `corner ${i}: ${c.x}, ${c.y} vs gdalinfo ${x}, ${y}`);
      });
    } finally {
      img.close();
    }
  });

  test('the projection module (pkg/large_image_proj_bg.wasm) is loaded only for a projected image or units, once; a failed load is an error naming it, tried again by the next open', async () => {
    // A fresh realm (a child process) whose initWasm is handed the projection module through a
    // function that counts the asks, and fails the first one.
    const utm = path.join(dir, 'utm-lazy.tif');
    await run('gdalwarp', ['-q', '-t_srs', 'EPSG:32633', '-of', 'COG', synthetic, utm]);
    const child = `
      const [lib, base, projFile] = process.argv.slice(1);
      const fs = await import('node:fs/promises');
      const { LargeImage, initWasm } = await import(lib);
      let asked = 0;
      await initWasm(undefined, undefined, undefined, async () => {
        if (asked++ === 0) throw new Error('offline');
        return fs.readFile(projFile);
      });
      const out = {};
      const geo = await LargeImage.open(base + '/synthetic.tif');
      const m = await geo.metadata({ projection: 'EPSG:3857' });
      out.geoTile = (await geo.tile(m.levels - 1, 0, 0, { projection: 'EPSG:3857', format: 'rgba', resampling: 'bilinear' })).length;
      out.geoLocate = await geo.locate({ left: 11, top: 45, units: 'EPSG:4326' });
      out.afterGeo = asked;
      out.failed = await LargeImage.open(base + '/utm-lazy.tif').then(() => null, (e) => e.message);
      const utm = await LargeImage.open(base + '/utm-lazy.tif');
      out.bounds = (await utm.metadata()).bounds;
      const sb = (await utm.metadata()).sourceBounds;
      out.utmPoint = [(sb.xmin + sb.xmax) / 2, (sb.ymin + sb.ymax) / 2];
      out.located = await geo.locate({ left: out.utmPoint[0], top: out.utmPoint[1], units: 'EPSG:32633' });
      out.asked = asked;
      process.stdout.write(JSON.stringify(out));
    `;
    const out = await inFreshRealm(child, 'large_image_proj_bg.wasm');
    assert.ok(out.geoTile === 256 * 256 * 4, 'an EPSG:4326 image tiles in web mercator without the module');
    assert.equal(out.afterGeo, 0, 'asks for the projection module before a projected image');
    assert.match(out.failed, /projection module \(pkg\/large_image_proj_bg\.wasm\) is needed, and it did not load: .*offline/);
    assert.match(out.failed, /utm-lazy\.tif/, 'the error names the image');
    assert.equal(out.asked, 2, 'asks: the failed one, then one for the rest of the realm');
    // The same answers as this realm's (which loaded the module the default way).
    const engine = new Engine();
    const img = await LargeImage.open(url('utm-lazy.tif'), { engine });
    const geo = await LargeImage.open(url('synthetic.tif'), { engine });
    try {
      assert.deepEqual(out.bounds, (await img.metadata()).bounds);
      const located = await geo.locate({ left: out.utmPoint[0], top: out.utmPoint[1], units: 'EPSG:32633' });
      assert.deepEqual(out.located, located);
      assert.ok(located.inside, `the UTM file's centre lies in the EPSG:4326 file: ${JSON.stringify(located)}`);
    } finally {
      img.close();
      geo.close();
    }
  });

  test('WebP output is encoded in the codec module (pkg/codecs.wasm), loaded by the first view asking for it: the same bytes as this realm\'s', async () => {
    const child = `
      const [lib, base, codecsFile] = process.argv.slice(1);
      const fs = await import('node:fs/promises');
      const { LargeImage, initWasm } = await import(lib);
      let asked = 0;
      await initWasm(undefined, undefined, async () => (asked++, fs.readFile(codecsFile)));
      const img = await LargeImage.open(base + '/synthetic.tif');
      const m = await img.metadata();
      await img.tile(m.levels - 1, 1, 1, { format: 'png' });
      await img.thumbnail({ format: 'jpeg' });
      const before = asked;
      const tile = await img.tile(m.levels - 1, 1, 1, { format: 'WebP' });
      const thumb = await img.thumbnail({ format: 'webp' });
      process.stdout.write(JSON.stringify({ before, asked, tile: Buffer.from(tile).toString('base64'), thumb: Buffer.from(thumb).toString('base64') }));
    `;
    const out = await inFreshRealm(child, 'codecs.wasm');
    assert.equal(out.before, 0, 'PNG and JPEG output do not ask for the codec module');
    assert.equal(out.asked, 1, 'WebP output asks once');
    // Its own engine: the shared one's byte cache is what later tests count requests against.
    const img = await LargeImage.open(url('synthetic.tif'), { engine: new Engine() });
    try {
      const m = await img.metadata();
      const tile = Buffer.from(await img.tile(m.levels - 1, 1, 1, { format: 'webp' }));
      assert.equal(tile.subarray(8, 12).toString(), 'WEBP');
      assert.equal(out.tile, tile.toString('base64'));
      assert.equal(out.thumb, Buffer.from(await img.thumbnail({ format: 'webp' })).toString('base64'));
    } finally {
      img.close();
    }
  });

  test('ZSTD, lossless WebP and LERC COGs decode in the codec module (pkg/codecs.wasm, loaded when the first opens): every level\'s tiles equal the DEFLATE twin\'s, byte for byte', async (t) => {
    const twin = await LargeImage.open(url('synthetic.tif'));
    try {
      const meta = await twin.metadata();
      const tiles = [[meta.levels - 1, 0, 0], [meta.levels - 1, 3, 2], [meta.levels - 2, 1, 1], [0, 0, 0]];
      const want = await Promise.all(tiles.map(([z, x, y]) => twin.tile(z, x, y, { format: 'rgba' })));
      for (const [compress, creation] of [['ZSTD', []], ['WEBP', ['QUALITY=100', 'OVERVIEW_QUALITY=100']], ['LERC', []],
        ['LERC_DEFLATE', []], ['LERC_ZSTD', []]]) {
        const name = `synthetic-${compress.toLowerCase()}.tif`;
        await makeSyntheticCog(dir, { name, compress, creation });
        const img = await LargeImage.open(url(name));
        try {
          assert.deepEqual(await img.metadata(), meta, `${compress}: metadata`);
          for (const [i, [z, x, y]] of tiles.entries()) {
            const got = await img.tile(z, x, y, { format: 'rgba' });
            assert.ok(Buffer.from(got).equals(Buffer.from(want[i])), `${compress}: tile ${z}/${x}/${y} equals DEFLATE's`);
          }
          t.diagnostic(`${compress}: ${tiles.length} tiles equal`);
        } finally {
          img.close();
        }
      }
    } finally {
      twin.close();
    }
  });

  test('a lossy WebP COG decodes in the codec module as libwebp does: the full-resolution GeoTIFF region GDAL reads back equals GDAL\'s read of the COG', async (t) => {
    // Node has simd128, so this is the SIMD codec module (pkg/codecs_simd.wasm: the loop filter's lanes
    // path); tests/js/simd.test.mjs finds the plain one's (the scalar path's) bytes the same, and the
    // native tests check both paths against libwebp.
    for (const [name, creation, noise] of [['synthetic-webp-q60.tif', ['QUALITY=60'], 96], ['synthetic-webp-q90.tif', ['QUALITY=90'], 8]]) {
      const file = await makeSyntheticCog(dir, { name, compress: 'WEBP', creation, noise });
      const img = await LargeImage.open(url(name));
      try {
        const tif = await img.region({ left: 0, top: 0, right: 800, bottom: 640, units: 'pixels', format: 'tiff' });
        const ours = path.join(dir, `${name}.region.tif`);
        await fsp.writeFile(ours, tif);
        const read = async (f) => JSON.parse(await run('/usr/bin/python3', ['-c',
          'import sys,json,hashlib; from osgeo import gdal; ds=gdal.Open(sys.argv[1]); b=ds.ReadRaster(0,0,800,640,band_list=[1,2,3]);' +
          ' print(json.dumps([ds.RasterXSize, ds.RasterYSize, hashlib.sha256(b).hexdigest(), len(set(b))]))', f]));
        const [a, b] = [await read(ours), await read(file)];
        t.diagnostic(`${name}: ${a[0]}×${a[1]}, ${b[3]} distinct sample values; ours ${a[2].slice(0, 12)}, GDAL ${b[2].slice(0, 12)}`);
        assert.deepEqual(a.slice(0, 2), [800, 640]);
        assert.ok(b[3] > 100, `${name}: a picture with texture, not a flat one`);
        assert.equal(a[2], b[2], `${name}: every sample as libwebp decodes it`);
      } finally {
        img.close();
      }
    }
  });

  test('metadata matches gdalinfo (www/data/bmng.tif)', async () => {
    const img = await LargeImage.open(url('www/data/bmng.tif'));
    try {
      assertMetadataMatchesGdal(await img.metadata(), bmngInfo, 'bmng');
    } finally {
      img.close();
    }
  });

  test('open makes one request with the default header size; stats count what the server sent; a second open through the same engine none', async (t) => {
    srv.log.length = 0;
    // A new engine: the shared one already holds this file's header from the tests above.
    const engine = new Engine();
    const img = await LargeImage.open(url('synthetic.tif'), { engine });
    try {
      const opened = logFor('synthetic.tif');
      const s = img.stats();
      t.diagnostic(`open: ${JSON.stringify(opened)} stats ${JSON.stringify(s)}`);
      assert.equal(opened.length, 1, 'one HTTP request to open');
      assert.ok(opened[0].range, 'the open request is a Range request');
      assert.equal(s.requests, 1);
      assert.equal(s.bytes, opened[0].bytes);

      const [x, y] = mercatorTileAt(7, 15, 44);
      await img.tile(7, x, y, { projection: 'EPSG:3857', format: 'rgba' });
      const all = logFor('synthetic.tif');
      const s2 = img.stats();
      t.diagnostic(`after one tile: ${all.length} requests, ${s2.bytes} bytes`);
      assert.ok(all.length > 1, 'the tile needed data beyond the header');
      assert.equal(s2.requests, all.length);
      assert.equal(s2.bytes, all.reduce((sum, e) => sum + e.bytes, 0));
      assert.deepEqual([engine.stats().requests, engine.stats().bytes], [s2.requests, s2.bytes]);
      // The engine's cache holds the header and the tile's bytes: a second image costs no request.
      const again = await LargeImage.open(url('synthetic.tif'), { engine });
      await again.tile(7, x, y, { projection: 'EPSG:3857', format: 'rgba' });
      assert.equal(logFor('synthetic.tif').length, all.length, 'no request for the second image');
      assert.deepEqual(again.stats(), { requests: 0, bytes: 0 });
      again.close();
    } finally {
      img.close();
    }
  });

  test('one 256² window (a pixel-space tile at full resolution) costs exactly one more request: the tile GDAL names', async (t) => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      const meta = await img.metadata();
      assert.equal(meta.tileWidth, 256);
      srv.log.length = 0;
      const before = img.stats().requests;
      const tile = await img.tile(meta.levels - 1, 1, 1, { format: 'rgba' });
      assert.equal(tile.length, 256 * 256 * 4);
      const reqs = logFor('synthetic.tif');
      t.diagnostic(`window 256..512 × 256..512: ${JSON.stringify(reqs)}`);
      assert.equal(reqs.length, 1, 'one request for one tile');
      assert.equal(img.stats().requests, before + 1);
      // GDAL's own idea of where block (1, 1) lies.
      const { execFileSync } = await import('node:child_process');
      const [off, size] = execFileSync('/usr/bin/python3', ['-c',
        "import sys; from osgeo import gdal; ds = gdal.Open(sys.argv[1]); b = ds.GetRasterBand(1); "
        + "print(b.GetMetadataItem('BLOCK_OFFSET_1_1', 'TIFF'), b.GetMetadataItem('BLOCK_SIZE_1_1', 'TIFF'))",
        synthetic]).toString().trim().split(' ').map(Number);
      assert.equal(reqs[0].range, `bytes=${off}-${off + size - 1}`);
    } finally {
      img.close();
    }
  });

  test('pixel() equals gdallocationinfo, by pixel and by lon/lat; style reaches the tile', async (t) => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      for (const [x, y] of [[0, 0], [321, 123], [799, 639]]) {
        const want = (await run('gdallocationinfo', ['-valonly', synthetic, String(x), String(y)])).trim().split(/\s+/).map(Number);
        const got = await img.pixel({ left: x + 0.5, top: y + 0.5 });
        assert.deepEqual([1, 2, 3].map((b) => got.bands[b]), want, `pixel ${x},${y}`);
      }
      const meta = await img.metadata();
      // Not on a pixel edge (the centre is one), where rounding could pick either neighbour.
      const lon = meta.bounds.xmin + (meta.bounds.xmax - meta.bounds.xmin) * 0.31371;
      const lat = meta.bounds.ymin + (meta.bounds.ymax - meta.bounds.ymin) * 0.61713;
      const want = (await run('gdallocationinfo', ['-valonly', '-wgs84', synthetic, String(lon), String(lat)])).trim().split(/\s+/).map(Number);
      const got = await img.pixel({ left: lon, top: lat, units: 'EPSG:4326' });
      assert.deepEqual([1, 2, 3].map((b) => got.bands[b]), want, 'pixel at lon/lat');
      assert.deepEqual(await img.pixel({ left: 1e6, top: 0 }), {});
      // A style: band 2 through a black → red palette; green and blue stay 0.
      const styled = await img.tile(meta.levels - 1, 0, 0, { format: 'rgba', style: { band: 2, min: 0, max: 255, palette: ['#000', '#f00'] } });
      const plain = await img.pixel({ left: 10.5, top: 20.5 });
      const i = (20 * 256 + 10) * 4;
      assert.deepEqual([...styled.subarray(i, i + 4)], [plain.bands[2], 0, 0, 255]);
      const asText = await img.tile(meta.levels - 1, 0, 0, { format: 'rgba', style: JSON.stringify({ band: 2, min: 0, max: 255, palette: ['#000', '#f00'] }) });
      assert.deepEqual(asText, styled);
    } finally {
      img.close();
    }
  });

  test('web-mercator tiles match gdalwarp -r near (inside, at the edge, outside)', async (t) => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      const cases = [
        ['inside', 7, ...mercatorTileAt(7, 15, 44)],
        ['edge (north-west corner)', 7, ...mercatorTileAt(7, 10, 48)],
        ['edge (south-east corner)', 7, ...mercatorTileAt(7, 20, 40)],
        ['finer than native', 9, ...mercatorTileAt(9, 12.3, 45.6)],
      ];
      for (const [label, z, x, y] of cases) {
        const got = await img.tile(z, x, y, { projection: 'EPSG:3857', format: 'rgba' });
        assert.ok(got instanceof Uint8Array, `${label}: Uint8Array`);
        assert.equal(got.length, 256 * 256 * 4, `${label}: 256²×4 bytes`);
        const want = await gdalwarpRgba(synthetic, { srs: 'EPSG:3857', te: mercatorTileBounds(z, x, y), dir });
        const c = compareRgba(got, want);
        t.diagnostic(`${label} ${z}/${x}/${y}: ${JSON.stringify(c)}`);
        assert.ok(c.alphaMismatchFraction < 0.01, `${label}: coverage differs on ${c.alphaMismatch} pixels`);
        assert.ok(c.matchFraction > 0.98, `${label}: only ${(c.matchFraction * 100).toFixed(2)}% pixels equal`);
        assert.ok(c.meanAbsDiff < 2, `${label}: mean abs diff ${c.meanAbsDiff}`);
      }

      // Entirely outside the image: transparent, not an error.
      const out = await img.tile(7, 0, 0, { projection: 'EPSG:3857', format: 'rgba' });
      assert.equal(out.length, 256 * 256 * 4);
      assert.ok(out.every((v, i) => i % 4 !== 3 || v === 0), 'outside tile is fully transparent');
    } finally {
      img.close();
    }
  });

  test('geographic (Cesium) tiles match gdalwarp -t_srs EPSG:4326', async (t) => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      const level = 6;
      const size = 180 / 2 ** level;
      const cases = [
        ['inside', Math.floor((15 + 180) / size), Math.floor((90 - 44) / size)],
        ['edge', Math.floor((10 + 180) / size), Math.floor((90 - 48) / size)],
      ];
      for (const [label, x, y] of cases) {
        const got = await img.tile(level, x, y, { projection: 'EPSG:4326', format: 'rgba' });
        assert.equal(got.length, 256 * 256 * 4);
        const want = await gdalwarpRgba(synthetic, { srs: 'EPSG:4326', te: geographicTileBounds(level, x, y), dir });
        const c = compareRgba(got, want);
        t.diagnostic(`geographic ${label} ${level}/${x}/${y}: ${JSON.stringify(c)}`);
        assert.ok(c.alphaMismatchFraction < 0.01, `${label}: coverage differs on ${c.alphaMismatch} pixels`);
        assert.ok(c.matchFraction > 0.98, `${label}: only ${(c.matchFraction * 100).toFixed(2)}% pixels equal`);
      }
      // Level 0 is two 180° tiles: the western one does not reach the image (lon 10–20).
      const west = await img.tile(0, 0, 0, { projection: 'EPSG:4326', format: 'rgba' });
      assert.ok(west.every((v, i) => i % 4 !== 3 || v === 0), 'western hemisphere tile is transparent');
      const east = await img.tile(0, 1, 0, { projection: 'EPSG:4326', format: 'rgba' });
      assert.ok(east.some((v, i) => i % 4 === 3 && v > 0), 'eastern hemisphere tile shows the image');
    } finally {
      img.close();
    }
  });

  // bmng.tif: JPEG (YCbCr) tiles with three overviews. Two questions, asked apart: are the
  // pixels right for the level read (decoding, warping), and is that level the one GDAL picks?
  const BMNG_TILES = [[2, 2, 1], [4, 8, 6], [5, 17, 12]];
  const OVERVIEW_CHOICES = ['NONE', '0', '1', '2'];

  test('bmng.tif: web-mercator tiles equal gdalwarp reading one of the levels (JPEG, overviews)', async (t) => {
    const img = await LargeImage.open(url('www/data/bmng.tif'));
    try {
      for (const [z, x, y] of BMNG_TILES) {
        const got = await img.tile(z, x, y, { projection: 'EPSG:3857', format: 'rgba' });
        const te = mercatorTileBounds(z, x, y);
        let best = null;
        for (const ovr of OVERVIEW_CHOICES) {
          const c = compareRgba(got, await gdalwarpRgba(BMNG, { srs: 'EPSG:3857', te, ovr, dir }), { tolerance: 8 });
          if (!best || c.meanAbsDiff < best.c.meanAbsDiff) best = { ovr, c };
        }
        t.diagnostic(`bmng ${z}/${x}/${y}: closest to gdalwarp -ovr ${best.ovr}: ${JSON.stringify(best.c)}`);
        assert.ok(best.c.alphaMismatchFraction < 0.01, `coverage differs on ${best.c.alphaMismatch} pixels`);
        // JPEG decoders differ by a few levels; another level or a shifted tile differs by 5 or more.
        assert.ok(best.c.meanAbsDiff < 1, `mean abs diff ${best.c.meanAbsDiff.toFixed(2)}`);
        assert.ok(best.c.matchFraction > 0.99, `only ${(best.c.matchFraction * 100).toFixed(1)}% within ±8`);
      }
    } finally {
      img.close();
    }
  });

  test('bmng.tif: the level read is the one gdalwarp -ovr AUTO picks', async (t) => {
    const img = await LargeImage.open(url('www/data/bmng.tif'));
    try {
      for (const [z, x, y] of BMNG_TILES) {
        const got = await img.tile(z, x, y, { projection: 'EPSG:3857', format: 'rgba' });
        const want = await gdalwarpRgba(BMNG, { srs: 'EPSG:3857', te: mercatorTileBounds(z, x, y), dir });
        const c = compareRgba(got, want, { tolerance: 8 });
        t.diagnostic(`bmng ${z}/${x}/${y} vs -ovr AUTO: ${JSON.stringify(c)}`);
        assert.ok(c.meanAbsDiff < 1 && c.matchFraction > 0.99,
          `${z}/${x}/${y}: mean abs diff ${c.meanAbsDiff.toFixed(2)}, ${(c.matchFraction * 100).toFixed(1)}% within ±8`);
      }
    } finally {
      img.close();
    }
  });

  test("format 'png' gives a 256×256 PNG with the same pixels as 'rgba'; tileSize 512", async () => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      const [x, y] = mercatorTileAt(7, 15, 44);
      const png = await img.tile(7, x, y, { projection: 'EPSG:3857', format: 'png' });
      assert.ok(isPng(png), 'PNG signature');
      const decoded = decodePng(png);
      assert.equal(decoded.width, 256);
      assert.equal(decoded.height, 256);
      const rgba = await img.tile(7, x, y, { projection: 'EPSG:3857', format: 'rgba' });
      assert.deepEqual(compareRgba(decoded.data, rgba).matchFraction, 1);
      const big = await img.tile(7, x, y, { projection: 'EPSG:3857', format: 'rgba', tileSize: 512 });
      assert.equal(big.length, 512 * 512 * 4);
    } finally {
      img.close();
    }
  });

  test("a server that ignores Range ('norange') works when the engine may read files whole (readWholeUpTo)", async (t) => {
    const nr = await startServer({ root: dir, mode: 'norange' });
    try {
      const img = await LargeImage.open(`${nr.url}/synthetic.tif`, { engine: new Engine({ readWholeUpTo: 64 << 20 }) });
      try {
        assertMetadataMatchesGdal(await img.metadata(), syntheticInfo, 'norange');
        const [x, y] = mercatorTileAt(7, 15, 44);
        const got = await img.tile(7, x, y, { projection: 'EPSG:3857', format: 'rgba' });
        const want = await gdalwarpRgba(synthetic, { srs: 'EPSG:3857', te: mercatorTileBounds(7, x, y), dir });
        const c = compareRgba(got, want);
        t.diagnostic(`norange: ${nr.log.length} requests; ${JSON.stringify(c)}`);
        assert.equal(nr.log.length, 1, 'the whole file once, every later read cut from it');
        assert.ok(c.matchFraction > 0.98);
        assert.ok(c.alphaMismatchFraction < 0.01);
      } finally {
        img.close();
      }
    } finally {
      await nr.close();
    }
  });

  describe('errors name the URL and the reason', () => {
    const cases = [
      ['404', () => url('missing.tif'), /404|not found/i],
      ['not a TIFF', () => url('notatiff.tif'), /not a (valid )?(geo)?tiff|tiff (header|signature|magic)|byte order|magic/i],
      ['truncated header', () => url('truncated-head.tif'), /truncat|unexpected end|end of file|eof|short|416|beyond/i],
    ];
    for (const [label, mk, reason] of cases) {
      test(label, async (t) => {
        const u = mk();
        const err = await rejection(LargeImage.open(u));
        assert.ok(err instanceof Error, `open(${u}) should reject with an Error`);
        t.diagnostic(err.message);
        assert.ok(err.message.includes(u), `message names the URL: ${err.message}`);
        assert.match(err.message, reason);
      });
    }

    test('unreachable (closed port on 127.0.0.1)', async (t) => {
      const u = `http://127.0.0.1:${await closedPort()}/x.tif`;
      const err = await rejection(LargeImage.open(u));
      assert.ok(err instanceof Error, 'rejects with an Error');
      t.diagnostic(err.message);
      assert.ok(err.message.includes(u), `message names the URL: ${err.message}`);
      assert.match(err.message, /unreachable|network|connect|refused|fetch failed|failed to fetch/i);
    });

    test('server error (HTTP 500)', async (t) => {
      const failing = await startServer({ root: dir, mode: 'fail' });
      try {
        const u = `${failing.url}/synthetic.tif`;
        const err = await rejection(LargeImage.open(u));
        assert.ok(err instanceof Error, 'rejects with an Error');
        t.diagnostic(err.message);
        assert.ok(err.message.includes(u), `message names the URL: ${err.message}`);
        assert.match(err.message, /500/);
      } finally {
        await failing.close();
      }
    });

    test('truncated image data: open or the tile rejects', async (t) => {
      const u = url('truncated-tail.tif');
      let err = null;
      let img = null;
      try {
        img = await LargeImage.open(u);
      } catch (e) {
        err = e;
      }
      if (img) {
        const meta = await img.metadata();
        const z = meta.levels - 1;
        const tx = Math.ceil(meta.sizeX / meta.tileWidth) - 1;
        const ty = Math.ceil(meta.sizeY / meta.tileHeight) - 1;
        err = await rejection(img.tile(z, tx, ty, { format: 'rgba' }));
        img.close();
      }
      assert.ok(err instanceof Error, 'a tile past the end of the file rejects');
      t.diagnostic(err.message);
      assert.ok(err.message.includes(u), `message names the URL: ${err.message}`);
      assert.match(err.message, /truncat|unexpected end|end of file|eof|short|416|beyond/i);
    });
  });

  test('the large_image views through the wasm face: bands vs gdalinfo -approx_stats, frames, corners, tiles/metadata, validation, internal metadata, tiffdump', async (t) => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      // GDAL's approximate statistics (what large_image reports), on a copy so no .aux.xml lands beside the served file.
      const copy = path.join(dir, 'stats-copy.tif');
      await fsp.copyFile(synthetic, copy);
      const stats = JSON.parse(await run('gdalinfo', ['-json', '-approx_stats', copy]));
      const bands = await img.bands();
      stats.bands.forEach((g, i) => {
        const ours = bands[String(i + 1)];
        assert.equal(ours.min, g.minimum, `band ${i + 1} min`);
        assert.equal(ours.max, g.maximum, `band ${i + 1} max`);
        assert.ok(Math.abs(ours.mean - g.mean) <= 5e-4, `band ${i + 1} mean ${ours.mean} vs ${g.mean} (gdalinfo rounds)`);
        assert.ok(Math.abs(ours.stdev - g.stdDev) <= 5e-4, `band ${i + 1} stdev ${ours.stdev} vs ${g.stdDev}`);
      });
      const frames = await img.frames();
      assert.deepEqual(frames.frames[0].bands.map((b) => b.index), stats.bands.map((_, i) => i + 1));
      const meta = await img.metadata();
      const top = meta.levels - 1;
      const c = await img.tileCorners(top, 1, 0);
      assert.deepEqual([c.xmin, c.xmax], [meta.tileWidth, 2 * meta.tileWidth], 'tile 1 of the last level starts one tile in');
      assert.equal(c.ymax, meta.sizeY, 'rows counted from the bottom, as large_image answers');
      const m3857 = await img.metadata({ projection: 'EPSG:3857' });
      const tm = await img.tilesMetadata({ projection: 'EPSG:3857' });
      assert.equal(tm.levels, m3857.levels);
      assert.equal(tm.size_x, m3857.sizeX);
      const mc = await img.tileCorners(2, 1, 1, { projection: 'EPSG:3857' });
      assert.deepEqual([mc.xmin, mc.ymax], [-MERCATOR_ORIGIN / 2, MERCATOR_ORIGIN / 2], 'web mercator tile 2/1/1 corners in metres');

      const report = await img.validate();
      t.diagnostic(`validate: ${JSON.stringify({ valid: report.valid, errors: report.errors, warnings: report.warnings })}`);
      const gdalReport = JSON.parse(await run('/usr/bin/python3', [path.join(REPO, 'tests', 'gdal_oracle.py'), 'validate', synthetic]));
      assert.deepEqual(report.errors, gdalReport.errors, 'errors as GDAL\'s validator');
      assert.deepEqual(report.warnings, gdalReport.warnings, 'warnings as GDAL\'s validator');
      assert.equal(report.valid, gdalReport.errors.length === 0);

      const internal = await img.internalMetadata();
      assert.equal(internal.driverShortName, 'GTiff');
      assert.deepEqual([internal.RasterXSize, internal.RasterYSize], syntheticInfo.size);
      const dump = await img.tiffdump();
      assert.equal(dump.ifds[0].tags['256'].data[0], syntheticInfo.size[0], 'tiffdump: ImageWidth');
    } finally {
      img.close();
    }
    await assert.rejects(img.metadata(), /closed/);
  });

  test('region, thumbnail and histogram through the wasm face: the GeoTIFF region equals gdal_translate -srcwin', async (t) => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      const tif = await img.region({ left: 100, top: 50, right: 300, bottom: 200, units: 'pixels', format: 'tiff' });
      const ours = path.join(dir, 'region-ours.tif');
      await fsp.writeFile(ours, tif);
      const theirs = path.join(dir, 'region-gdal.tif');
      await run('gdal_translate', ['-q', '-srcwin', '100', '50', '200', '150', synthetic, theirs]);
      const [a, b] = [await gdalinfo(ours), await gdalinfo(theirs)];
      assert.deepEqual(a.size, [200, 150]);
      assert.deepEqual(a.geoTransform, b.geoTransform, 'geotransform as gdal_translate -srcwin');
      // Every sample: GDAL reads both files.
      const sum = async (f) => (await run('/usr/bin/python3', ['-c',
        'import sys,hashlib; from osgeo import gdal; ds=gdal.Open(sys.argv[1]); print(hashlib.sha256(ds.ReadRaster()).hexdigest())', f])).trim();
      assert.equal(await sum(ours), await sum(theirs), 'GDAL reads the same samples from both');
      await assert.rejects(img.region({ left: 5000, top: 5000, right: 6000, bottom: 6000, units: 'pixels' }), /outside|miss|does not/i);

      const thumb = decodePng(await img.thumbnail({ maxWidth: 128, maxHeight: 128 }));
      assert.equal(Math.max(thumb.width, thumb.height), 128, 'thumbnail fits 128 px');
      assert.ok(Math.abs(thumb.height - (640 * thumb.width) / 800) <= 1, `aspect kept: ${thumb.width}×${thumb.height}`);

      const progress = [];
      const hist = await img.histogram({ kind: 'bands', band: 1, bins: 16, resolution: 'exact', onProgress: (d, n) => progress.push([d, n]) });
      const h1 = Array.isArray(hist) ? hist[0] : hist;
      t.diagnostic(`histogram: ${JSON.stringify(h1).slice(0, 200)}`);
      assert.equal(h1.hist.length, 16);
      assert.equal(h1.hist.reduce((x, y) => x + y, 0), 800 * 640, 'every sample of band 1 counted at full resolution');
      assert.ok(progress.length > 0 && progress.at(-1)[0] === progress.at(-1)[1], 'progress reaches done == total');
    } finally {
      img.close();
    }
  });

  test('TiTiler parameters reach the tile: query string and one by one agree; bad expressions say why', async () => {
    const img = await LargeImage.open(url('synthetic.tif'));
    try {
      const meta = await img.metadata();
      const z = meta.levels - 1;
      const plain = await img.tile(z, 0, 0, { format: 'rgba' });
      const q = await img.tile(z, 0, 0, { format: 'rgba', titiler: 'expression=(b1-b2)/(b1%2Bb2)&rescale=-1,1&colormap_name=viridis' });
      const one = await img.tile(z, 0, 0, { format: 'rgba', expression: '(b1-b2)/(b1+b2)', rescale: [-1, 1], colormapName: 'viridis' });
      assert.deepEqual(Buffer.from(q), Buffer.from(one), 'the two spellings give the same tile');
      assert.notDeepEqual(Buffer.from(q), Buffer.from(plain), 'the expression changes the tile');
      await assert.rejects(img.tile(z, 0, 0, { expression: 'b9 * 2' }), /band b9 does not exist/);
      await assert.rejects(img.tile(z, 0, 0, { expression: '__import__("os")' }), /unknown name|unexpected/);
    } finally {
      img.close();
    }
  });
});

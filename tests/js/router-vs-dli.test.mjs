// The router (www/lib/router.js) against django-large-image 0.10.5 itself: the live server over the same
// fixtures GDAL made in this run, asked the same URLs. JSON key by key (numbers to 1e-9 relative, the
// deliberate differences of the README excepted by name), images pixel by pixel (pixel-space tiles
// exact; web-mercator tiles ≥ 97 % equal, as django-large-image warps with GDAL's 0.125 px
// approximation; palette ramps at most 1 level apart), status codes and content types.
//
// Run: node --test tests/js/router-vs-dli.test.mjs (needs www/pkg, gdal-bin, and the virtualenv of
// tests/oracle/requirements-dli.txt that scripts/setup makes).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';

import { startServer } from '../../scripts/serve.mjs';
import { createRouter } from '../../www/lib/router.js';
import { decodePng, mercatorTileAt, missingPrerequisites, tempDir } from './helpers.mjs';
import { answerOf, diffJson, dliPython, makeFixtures, startDli } from './dli.mjs';

const missing = missingPrerequisites() ?? (dliPython() ? null : 'the django-large-image virtualenv (bash scripts/setup)');

/** Layouts compared (tests/gdal_oracle.py's names): block sizes, strips, georeferencing, dtypes. */
const LAYOUTS = [
  'u16_deflate_pred2', // 256-pixel blocks, 2 bands, nodata 0
  'u16_deflate_512', // 512-pixel blocks
  'u8_rgb_stripped_lzw', // strips, no overviews
  'u8_gray_no_georef', // no georeferencing
  'f32_deflate_pred3', // float with nodata
  'u8_rgb_deflate', // RGB
];

/**
 * Where we answer differently on purpose (README, "Where we answer differently"): `geospatial` is false
 * for a file without georeferencing (large_image says true for every file, then gives an identity
 * `Affine` and `transform` and `bounds: null`; ours gives none of them). In `info/tiffdump`, tifftools'
 * `path_or_fobj` is the file's path there and its URL here, and `size` (the file's length) is null here:
 * range requests do not read the whole file.
 */
function deliberate(fixture, at, route) {
  if (route.startsWith('info/tiffdump') && /^(\.ifds\[\d+\])?\.(path_or_fobj|size):/.test(at)) return true;
  if (fixture !== 'u8_gray_no_georef') return false;
  if (route.startsWith('info/metadata_internal')) return /^\.(Affine|Metadata\.transform|geospatial|bounds):/.test(at);
  return /^(\.additional_metadata)?\.geospatial:/.test(at);
}

/**
 * Pixels of our PNG and django-large-image's: [pixels, equal ones, max channel difference among the
 * opaque ones]. Transparent in both counts as equal. A one-grey-channel PNG of theirs (colour type 0,
 * large_image's rendering of one grey band in pixel space) has no alpha: its padding and nodata are
 * opaque black where ours are transparent (a deliberate difference), so there a pixel agrees when ours
 * is transparent and theirs black, or ours is opaque grey of their value.
 */
function agreement(oursPng, theirsPng, tolerance = 0) {
  const a = decodePng(oursPng);
  const b = decodePng(theirsPng);
  assert.deepEqual([a.width, a.height], [b.width, b.height], 'image size');
  const grey = theirsPng[25] === 0;
  let equal = 0;
  let worst = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n * 4; i += 4) {
    const [p, q] = [a.data.subarray(i, i + 4), b.data.subarray(i, i + 4)];
    let ok;
    if (grey) ok = p[3] === 0 ? q[0] === 0 : p[3] === 255 && Math.abs(p[0] - q[0]) <= tolerance && p[0] === p[1] && p[1] === p[2];
    else if (p[3] === 0 && q[3] === 0) ok = true;
    else {
      const d = Math.max(...[0, 1, 2, 3].map((c) => Math.abs(p[c] - q[c])));
      if (p[3] && q[3]) worst = Math.max(worst, d);
      ok = d <= tolerance;
    }
    if (ok) equal++;
  }
  return [n, equal, worst];
}

/**
 * Histograms key by key, with two differences named: a single grey band is one entry in theirs (PNG mode
 * L) and four in ours (RGBA, the grey in each colour channel): their entry is compared with our first.
 * An image that is not 8-bit is histogrammed by large_image on its float rendering (values past 255, a
 * max of 255.157…), by us on the 8-bit image the tiles show: there alpha is compared exactly and each
 * colour channel's counts to 1 % of the samples, its moments to 1 %.
 */
function histogramDifferences(ours, theirs) {
  if (!Array.isArray(theirs)) {
    const grey = theirs.min.length === 1 && ours.min.length === 4;
    const o = grey ? Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, v.slice(0, 1)])) : ours;
    return diffJson(o, theirs, 1e-9).filter((d) => !floatRendering(theirs, d));
  }
  const pairs = theirs.length === 1 && ours.length === 4 ? [[ours[0], theirs[0]]] : theirs.map((t, i) => [ours[i], t]);
  const out = [];
  pairs.forEach(([o, t], i) => {
    if (Number.isInteger(t.max)) return out.push(...diffJson(o, t, 1e-9, `[${i}]`));
    for (const k of ['samples', 'bins', 'density', 'min']) if (o[k] !== t[k]) out.push(`[${i}].${k}: ${o[k]} vs theirs ${t[k]}`);
    t.hist.forEach((c, j) => {
      const scale = t.density ? t.hist.reduce((x, v) => x + v, 0) : t.samples;
      if (Math.abs(o.hist[j] - c) > 0.01 * scale) out.push(`[${i}].hist[${j}]: ${o.hist[j]} vs theirs ${c}`);
    });
    for (const k of ['mean', 'stdev']) if (Math.abs(o[k] - t[k]) > 0.01 * Math.abs(t[k])) out.push(`[${i}].${k}: ${o[k]} vs theirs ${t[k]}`);
  });
  return out;
}

/** onlyMinMax of a float rendering: its colour maxima past 255 (see histogramDifferences). */
function floatRendering(theirs, d) {
  const m = /^\.(max|mean|stdev)\[(\d)\]: (\S+) vs theirs (\S+)$/.exec(d);
  if (!m || theirs.max.every(Number.isInteger)) return false;
  return Math.abs(+m[3] - +m[4]) <= 0.01 * Math.abs(+m[4]);
}

/**
 * A styled tile of ours against theirs: colours of pixels opaque in both at most 1 level apart (palette
 * interpolation), and where alpha differs, in which direction. Under an explicit band style large_image
 * paints nodata with the ramp's low colour; ours keeps it transparent (README: deliberate differences).
 */
function styledAgreement(oursPng, theirsPng) {
  const a = decodePng(oursPng);
  const b = decodePng(theirsPng);
  assert.deepEqual([a.width, a.height], [b.width, b.height], 'image size');
  const s = { pixels: a.width * a.height, opaqueBoth: 0, within: 0, worst: 0, oursOnlyTransparent: 0, theirsOnlyTransparent: 0 };
  for (let i = 0; i < s.pixels * 4; i += 4) {
    const [oa, ta] = [a.data[i + 3], b.data[i + 3]];
    if (oa === 0 && ta === 0) continue;
    if (oa === 0) s.oursOnlyTransparent++;
    else if (ta === 0) s.theirsOnlyTransparent++;
    else {
      s.opaqueBoth++;
      const d = Math.max(...[0, 1, 2, 3].map((c) => Math.abs(a.data[i + c] - b.data[i + c])));
      s.worst = Math.max(s.worst, d);
      if (d <= 1) s.within++;
    }
  }
  return s;
}

/** Two RGBA images' mean colours over `k`×`k` blocks (whole blocks only): mean and worst difference. */
function blockDifference(A, B, k) {
  let sum = 0;
  let worst = 0;
  let blocks = 0;
  for (let by = 0; by + k <= A.height; by += k) {
    for (let bx = 0; bx + k <= A.width; bx += k) {
      for (let c = 0; c < 4; c++) {
        let a = 0;
        let b = 0;
        for (let y = by; y < by + k; y++) for (let x = bx; x < bx + k; x++) {
          a += A.data[(y * A.width + x) * 4 + c];
          b += B.data[(y * A.width + x) * 4 + c];
        }
        const d = Math.abs(a - b) / (k * k);
        sum += d;
        worst = Math.max(worst, d);
        blocks++;
      }
    }
  }
  return { mean: sum / blocks, worst };
}

describe('router vs the live django-large-image 0.10.5', () => {
  let dir;
  let files;
  let dli;
  let srv;
  let route;
  const BASE = 'http://router.test';

  const ours = async (p, init) => answerOf(await route(new Request(`${BASE}${p}`, init)));

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    dir = await tempDir('liw-router-dli-');
    const manifest = await makeFixtures(dir, LAYOUTS);
    files = Object.fromEntries(manifest.map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(files).sort(), [...LAYOUTS].sort(), 'every layout made');
    [dli, srv] = await Promise.all([startDli(dir), startServer({ root: dir })]);
    // Images registered under django-large-image's ids (file names), read over HTTP ranges.
    route = createRouter({ images: Object.fromEntries(LAYOUTS.map((n) => [`${n}.tif`, `${srv.url}/${n}.tif`])) });
  });

  after(async () => {
    await dli?.stop();
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  /** The same URL of both: status and content type equal; JSON bodies key by key. */
  async function sameJson(name, routePath, rel = 1e-9) {
    const p = `/api/image/${name}.tif/${routePath}`;
    const [a, b] = await Promise.all([ours(p), dli.get(p)]);
    assert.equal(b.status, 200, `theirs ${p}: ${b.text().slice(0, 300)}`);
    assert.equal(a.status, 200, `ours ${p}: ${a.text().slice(0, 300)}`);
    assert.equal(a.type, b.type, `${p}: content type`);
    return diffJson(a.json(), b.json(), rel).filter((d) => !deliberate(name, d, routePath)).map((d) => `${name} ${routePath}: ${d}`);
  }

  test('metadata, metadata_internal, tiffdump, bands, band, frames, tiles/metadata and corners equal key by key on every layout', async (t) => {
    const bad = [];
    let compared = 0;
    for (const name of LAYOUTS) {
      const routes = ['info/metadata', 'info/metadata_internal', 'info/tiffdump', 'info/bands', 'info/band?band=1', 'info/frames', 'tiles/metadata', 'tiles/0/0/0/corners', 'tiles/1/1/0/corners'];
      if (name !== 'u8_gray_no_georef') routes.push('info/metadata?projection=EPSG:3857', 'tiles/metadata?projection=EPSG:3857', 'tiles/3/4/2/corners?projection=EPSG:3857');
      for (const r of routes) {
        bad.push(...(await sameJson(name, r)));
        compared++;
      }
      // The 0.1.0 spellings answer what the new ones do (metadata assumes EPSG:3857 there).
      const [old, neu] = await Promise.all([ours(`/api/image/${name}.tif/bands`), ours(`/api/image/${name}.tif/info/bands`)]);
      assert.deepEqual(old.json(), neu.json(), `${name}: bands = info/bands`);
    }
    t.diagnostic(`${compared} JSON answers compared`);
    assert.deepEqual(bad, []);
    const geo = (await ours('/api/image/u8_gray_no_georef.tif/info/metadata')).json();
    assert.equal(geo.geospatial, false, 'the deliberate difference: no georeferencing, not geospatial');
    assert.equal((await dli.get('/api/image/u8_gray_no_georef.tif/info/metadata')).json().geospatial, true);
  });

  test('pixel values and histograms equal key by key', async () => {
    const bad = [];
    for (const name of LAYOUTS) {
      const { sizeX: w, sizeY: h } = (await ours(`/api/image/${name}.tif/info/metadata`)).json();
      for (const [l, tp] of [[0, 0], [5, 7], [Math.floor(w / 2), Math.floor(h / 3)], [w - 1, h - 1], [w + 3, 2]]) {
        bad.push(...(await sameJson(name, `data/pixel?left=${l}&top=${tp}`, 1e-6)));
      }
      for (const q of ['bins=8', 'onlyMinMax=true', 'bins=4&density=true']) {
        const p = `/api/image/${name}.tif/data/histogram?${q}`;
        const [a, b] = await Promise.all([ours(p), dli.get(p)]);
        assert.deepEqual([a.status, a.type], [b.status, b.type], p);
        bad.push(...histogramDifferences(a.json(), b.json()).map((d) => `${name} ${q}: ${d}`));
      }
    }
    assert.deepEqual(bad, []);
  });

  test('pixel-space tiles equal pixel for pixel, in png; jpeg, tif and webp answer their content types', async (t) => {
    const bad = [];
    let compared = 0;
    for (const name of LAYOUTS) {
      const { levels, sizeX, sizeY } = (await ours(`/api/image/${name}.tif/info/metadata`)).json();
      for (let z = 0; z < levels; z++) {
        const span = 256 * 2 ** (levels - 1 - z);
        for (const [x, y] of [[0, 0], [Math.ceil(sizeX / span) - 1, Math.ceil(sizeY / span) - 1]]) {
          const p = `/api/image/${name}.tif/tiles/${z}/${x}/${y}.png`;
          const [a, b] = await Promise.all([ours(p), dli.get(p)]);
          assert.equal(b.status, 200, `theirs ${p}`);
          assert.equal(a.status, 200, `ours ${p}: ${a.text().slice(0, 200)}`);
          assert.equal(a.type, 'image/png');
          const [n, eq] = agreement(a.body, b.body);
          compared++;
          if (eq !== n) bad.push(`${p}: ${eq} of ${n} pixels equal`);
        }
      }
    }
    t.diagnostic(`${compared} pixel-space tiles compared`);
    assert.deepEqual(bad, []);
    for (const [fmt, type] of [['jpeg', 'image/jpeg'], ['jpg', 'image/jpeg'], ['tif', 'image/tiff'], ['tiff', 'image/tiff'], ['webp', 'image/webp']]) {
      const p = `/api/image/u16_deflate_pred2.tif/tiles/0/0/0.${fmt}`;
      const [a, b] = await Promise.all([ours(p), dli.get(p)]);
      assert.deepEqual([a.status, a.type], [b.status, b.type], p);
      const magic = { jpeg: [0xff, 0xd8], jpg: [0xff, 0xd8], tif: [0x49, 0x49], tiff: [0x49, 0x49], webp: [0x52, 0x49] }[fmt];
      assert.deepEqual([...a.body.subarray(0, 2)], magic, `${p} is a ${fmt}`);
    }
  });

  test('regions equal pixel for pixel; thumbnails of the same size, close in colour', async (t) => {
    const bad = [];
    for (const name of LAYOUTS) {
      const regions = ['data/region.png?left=100&right=300&top=50&bottom=200&units=pixels'];
      if (name !== 'u8_gray_no_georef') regions.push('data/region.png?left=-10&right=0&top=55&bottom=45');
      for (const r of regions) {
        const p = `/api/image/${name}.tif/${r}`;
        const [a, b] = await Promise.all([ours(p), dli.get(p)]);
        assert.deepEqual([a.status, b.status, a.type], [200, 200, b.type], `${p}: ${a.text().slice(0, 200)}`);
        const [n, eq] = agreement(a.body, b.body);
        if (eq !== n) bad.push(`${p}: ${eq} of ${n} pixels equal`);
      }
      // large_image resizes a thumbnail smoothly from its level; ours picks the nearest pixel of the
      // level GDAL's RasterIO would read (tests/views_vs_gdal.rs), so on these noisy fixtures single
      // pixels differ: sizes must be equal, and the mean colours of 8×8 blocks (the picture) close on
      // average (the worst blocks are on nodata edges, where a smooth and a nearest resize cut the
      // mask differently; a flipped, shifted or other picture is tens apart on average).
      for (const r of ['data/thumbnail.png', 'data/thumbnail.png?max_width=128&max_height=64']) {
        const p = `/api/image/${name}.tif/${r}`;
        const [a, b] = await Promise.all([ours(p), dli.get(p)]);
        assert.deepEqual([a.status, b.status, a.type], [200, 200, b.type], p);
        const [A, B] = [decodePng(a.body), decodePng(b.body)];
        assert.deepEqual([A.width, A.height], [B.width, B.height], `${p}: size`);
        const d = blockDifference(A, B, 8);
        t.diagnostic(`${p}: ${A.width}×${A.height}, 8×8 block means: mean difference ${d.mean.toFixed(2)}, worst ${d.worst.toFixed(1)}`);
        if (d.mean > 4) bad.push(`${p}: block means ${d.mean.toFixed(2)} apart on average, ${d.worst.toFixed(1)} at worst`);
      }
    }
    const j = '/api/image/u16_deflate_pred2.tif/data/thumbnail.jpeg?max_width=128&max_height=64';
    const [a, b] = await Promise.all([ours(j), dli.get(j)]);
    assert.deepEqual([a.status, a.type], [b.status, b.type], j);
    assert.deepEqual(bad, []);
  });

  test('web-mercator tiles agree with django-large-image (≥ 97 % of pixels equal)', async (t) => {
    const bad = [];
    for (const name of ['u16_deflate_pred2', 'u8_rgb_deflate', 'f32_deflate_pred3', 'u16_deflate_512']) {
      for (const [z, lon, lat] of [[6, -5, 48], [4, 0, 45]]) {
        const [x, y] = mercatorTileAt(z, lon, lat);
        const p = `/api/image/${name}.tif/tiles/${z}/${x}/${y}.png?projection=EPSG:3857`;
        const [a, b] = await Promise.all([ours(p), dli.get(p)]);
        assert.equal(b.status, 200, `theirs ${p}: ${b.text().slice(0, 200)}`);
        assert.equal(a.status, 200, `ours ${p}: ${a.text().slice(0, 200)}`);
        const [n, eq] = agreement(a.body, b.body);
        t.diagnostic(`${p}: ${((100 * eq) / n).toFixed(2)} % equal`);
        if (eq < 0.97 * n) bad.push(`${p}: ${eq} of ${n} pixels equal`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('styled tiles (palette, min/max, style JSON) agree: colours at most 1 level apart', async (t) => {
    const magma = encodeURIComponent(JSON.stringify({ band: 1, palette: 'magma', min: -500, max: 900 }));
    const cases = [
      ['u16_deflate_pred2', 'tiles/1/0/0.png?band=2&palette=viridis&min=1000&max=60000'],
      ['u16_deflate_pred2', 'tiles/0/0/0.png?band=2&cmap=inferno&min=5000&max=50000'],
      ['f32_deflate_pred3', `tiles/0/0/0.png?style=${magma}`],
      ['u8_rgb_deflate', 'tiles/1/1/0.png?band=3&palette=viridis&min=0&max=255'],
      // large_image reads a name PIL knows as a colour first: `gray` is black → #808080, not the colormap.
      ['u16_deflate_512', 'tiles/2/1/1.png?band=1&palette=gray&min=1000&max=60000'],
      // A segmented matplotlib colormap becomes its segment nodes' colours, spaced evenly.
      ['u16_deflate_512', 'tiles/2/1/1.png?band=1&palette=terrain&min=1000&max=60000'],
      ['u16_deflate_512', 'tiles/2/1/1.png?band=2&palette=jet_r&min=1000&max=60000'],
      // A listed one: its N colours (Set1: 9).
      ['u16_deflate_512', 'tiles/2/0/1.png?band=1&palette=Set1&min=1000&max=60000'],
    ];
    const bad = [];
    for (const [name, r] of cases) {
      const p = `/api/image/${name}.tif/${r}`;
      const [a, b] = await Promise.all([ours(p), dli.get(p)]);
      assert.equal(b.status, 200, `theirs ${p}: ${b.text().slice(0, 200)}`);
      assert.equal(a.status, 200, `ours ${p}: ${a.text().slice(0, 200)}`);
      const s = styledAgreement(a.body, b.body);
      t.diagnostic(`${p}: ${s.opaqueBoth} opaque in both, ${s.within} within ±1 (worst ${s.worst}); ${s.oursOnlyTransparent} transparent in ours only (nodata), ${s.theirsOnlyTransparent} in theirs only`);
      if (s.within !== s.opaqueBoth || s.theirsOnlyTransparent || s.oursOnlyTransparent > 0.05 * s.pixels) bad.push(`${p}: ${JSON.stringify(s)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('errors: statuses as django-large-image, bodies as JSON naming what is wrong', async () => {
    const f = 'u16_deflate_pred2.tif';
    // Beyond the pyramid: 400 in both (theirs a text body under an image content type).
    for (const [r, words] of [['tiles/9/0/0.png', 'z layer does not exist'], ['tiles/0/5/0.png', 'x is outside layer']]) {
      const [a, b] = await Promise.all([ours(`/api/image/${f}/${r}`), dli.get(`/api/image/${f}/${r}`)]);
      assert.deepEqual([a.status, b.status], [400, 400], r);
      assert.equal(b.text(), words);
      assert.equal(a.type, 'application/json');
      assert.match(a.json().detail, new RegExp(words));
    }
    // Unknown image: 404 in both, JSON in both.
    const [a, b] = await Promise.all([ours('/api/image/nope.tif/info/metadata'), dli.get('/api/image/nope.tif/info/metadata')]);
    assert.deepEqual([a.status, b.status, a.type, b.type], [404, 404, 'application/json', 'application/json']);
    assert.match(a.json().detail, /nope\.tif/);
    // A malformed style: 400 in both, with django-large-image's words.
    const s = `/api/image/${f}/tiles/0/0/0.png?style=%7Bbad`;
    const [c, d] = await Promise.all([ours(s), dli.get(s)]);
    assert.deepEqual([c.status, d.status], [400, 400]);
    assert.equal(c.json().parameter, 'style');
    assert.ok(d.text().includes('`style` query parameter is malformed'), d.text());
    assert.ok(c.json().detail.startsWith('`style` query parameter is malformed and likely not properly URL encoded'));
    // Where theirs fails with an HTML 500 page, ours is a 400 naming the parameter.
    for (const [r, param] of [['data/pixel', 'left'], ['data/pixel?left=a&top=1', 'left'], ['info/band?band=7', 'band'],
      ['data/thumbnail.png?max_width=abc', 'max_width'], ['data/histogram?bins=abc', 'bins'], ['info/metadata?projection=EPSG:99999', 'projection'],
      ['data/region.png', 'left'], ['data/thumbnail.png?max_width=100000', 'max_width'], ['tiles/0/0/0.gif', 'fmt']]) {
      const o = await ours(`/api/image/${f}/${r}`);
      assert.equal(o.status, 400, `${r}: ${o.text()}`);
      assert.equal(o.type, 'application/json', r);
      assert.equal(o.json().parameter, param, `${r}: ${o.text()}`);
    }
  });

  test('standalone lists: formats a subset of theirs with the same types; sources and colormaps in their shapes', async () => {
    const [of, tf] = await Promise.all([ours('/api/large-image/formats'), dli.get('/api/large-image/formats')]);
    for (const [k, v] of Object.entries(of.json())) assert.equal(tf.json()[k], v, `format ${k}`);
    assert.ok(Object.keys(of.json()).length >= 6);
    const [oc, tc] = await Promise.all([ours('/api/large-image/colormaps'), dli.get('/api/large-image/colormaps')]);
    assert.deepEqual(Object.keys(oc.json()).sort(), Object.keys(tc.json()).sort());
    const theirs = new Set(tc.json().matplotlib.map((n) => n.toLowerCase()));
    const shared = oc.json().matplotlib.filter((n) => theirs.has(n));
    assert.ok(shared.length > 150, `${shared.length} colormap names shared with matplotlib's`);
    assert.deepEqual(oc.json().simple, tc.json().simple);
    const [os, ts] = await Promise.all([ours('/api/large-image/sources'), dli.get('/api/large-image/sources')]);
    assert.equal(typeof Object.values(os.json())[0], typeof Object.values(ts.json())[0]);
  });
});

// The router's own rules, in Node over real range servers on 127.0.0.1 (no mocks): which URLs it may
// fetch and with what (allow-list, headers and credentials only to their registered image), bad input
// (each a JSON error naming the parameter, nothing hangs, later requests still served), a failing
// bucket (502 with its status and URL), the 0.1.0 spellings, HEAD/ETag/304, GeoTIFF regions (read back
// by GDAL), the COG validation route (GDAL's validator's words), the OpenAPI document (every path it
// lists is answered), and registrations surviving a restart through their store.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer } from '../../scripts/serve.mjs';
import { LargeImage } from '../../www/lib/index.js';
import { createRouter } from '../../www/lib/router.js';
import { memoryStore } from '../../www/lib/registrations.js';
import { openapiDocument } from '../../www/lib/openapi.js';
import { BMNG, REPO, closedPort, gdalinfo, missingPrerequisites, run, tempDir, withTimeout } from './helpers.mjs';
import { answerOf } from './dli.mjs';

const missing = missingPrerequisites();

describe('router rules', () => {
  let dir;
  let site; // the site's own static server: its origin is the router's
  let bucket; // another origin, holding the same COG
  let opened;
  let route;

  const get = async (p, init) => answerOf(await route(new Request(new URL(p, site.url), init)));

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    dir = await tempDir('liw-router-');
    await fsp.copyFile(BMNG, path.join(dir, 'bmng.tif'));
    await fsp.writeFile(path.join(dir, 'notatiff.tif'), 'not a tiff at all\n'.repeat(50));
    [site, bucket] = await Promise.all([startServer({ root: dir }), startServer({ root: dir })]);
    opened = [];
    route = createRouter({
      origin: site.url,
      images: { bmng: `${site.url}/bmng.tif`, private: { url: `${bucket.url}/bmng.tif`, headers: { 'X-Secret': 's3cr3t' }, credentials: 'include' } },
      open: (url, options) => {
        opened.push({ url, options });
        return LargeImage.open(url, options);
      },
      timeoutMs: 20_000,
    });
  });

  after(async () => {
    await Promise.all([site?.close(), bucket?.close()]);
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  test("a URL id is read only from allowed origins, and never with a registered image's headers or credentials", async () => {
    // Site-relative and same-origin absolute URLs: the site's origin is allowed.
    for (const id of [encodeURIComponent('/bmng.tif'), encodeURIComponent(`${site.url}/bmng.tif`)]) {
      const a = await get(`/api/image/${id}/info/metadata`);
      assert.equal(a.status, 200, a.text());
    }
    // The bucket's origin is allowed by default because a registered image lives there…
    bucket.log.length = 0;
    opened.length = 0;
    const viaUrl = await get(`/api/image/${encodeURIComponent(`${bucket.url}/bmng.tif`)}/tiles/0/0/0.png`);
    assert.equal(viaUrl.status, 200, viaUrl.text());
    // …but what is fetched for a URL from the path carries neither its headers nor its credentials.
    assert.deepEqual(opened.map((o) => o.options), [{ credentials: 'same-origin' }]);
    assert.ok(bucket.log.length > 0 && bucket.log.every((e) => e.headers['x-secret'] === undefined), 'no X-Secret on the wire for a URL id');
    // The registered name gets them, on the wire too.
    bucket.log.length = 0;
    opened.length = 0;
    assert.equal((await get('/api/image/private/tiles/0/0/0.png')).status, 200);
    assert.deepEqual(opened.map((o) => o.options), [{ headers: { 'X-Secret': 's3cr3t' }, credentials: 'include' }]);
    assert.ok(bucket.log.length > 0 && bucket.log.every((e) => e.headers['x-secret'] === 's3cr3t'));
    // Any other origin: 403, naming it, and nothing fetched.
    const port = await closedPort();
    opened.length = 0;
    const elsewhere = await get(`/api/image/${encodeURIComponent(`http://127.0.0.1:${port}/x.tif`)}/info/metadata`);
    assert.equal(elsewhere.status, 403, elsewhere.text());
    assert.match(elsewhere.json().detail, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.deepEqual(opened, [], 'nothing opened');
    // Protocol-relative ids resolve against the site and are checked the same way.
    assert.equal((await get(`/api/image/${encodeURIComponent(`//127.0.0.1:${port}/x.tif`)}/info/metadata`)).status, 403);
    // Only http(s).
    for (const id of ['file%3A%2F%2F%2Fetc%2Fpasswd', 'javascript%3Aalert(1)', 'data%3Atext%2Fplain%2Cx']) {
      const a = await get(`/api/image/${id}/info/metadata`);
      assert.equal(a.status, 400, `${id}: ${a.text()}`);
      assert.equal(a.json().parameter, 'id');
    }
  });

  test('allowOrigins replaces the default list', async () => {
    const strict = createRouter({ origin: site.url, allowOrigins: [bucket.url] });
    const at = async (u) => (await strict(new Request(`${site.url}/api/image/${encodeURIComponent(u)}/info/bands`))).status;
    assert.equal(await at(`${bucket.url}/bmng.tif`), 200);
    assert.equal(await at(`${site.url}/bmng.tif`), 403, 'the site itself is not on an explicit list');
  });

  test('nothing from a path or query comes back as markup: JSON with <, > and & escaped, never sniffed', async () => {
    const evil = encodeURIComponent('<script>alert(1)</script>');
    for (const p of [`/api/image/${evil}/info/metadata`, `/api/image/bmng/${evil}`, `/api/image/bmng/tiles/0/0/0.png?style=${evil}`, `/api/image/bmng/data/pixel?left=${evil}&top=1`]) {
      const a = await get(p);
      assert.ok(a.status >= 400, p);
      assert.equal(a.type, 'application/json', p);
      assert.equal(a.headers.get('x-content-type-options'), 'nosniff', p);
      assert.ok(!/[<>]/.test(a.text()), `${p}: ${a.text()}`);
      assert.ok(a.json().detail.includes('<script>') || a.json().detail.length > 0, 'the JSON still says it, escaped');
    }
  });

  test('bad input: each a JSON 4xx naming what is wrong; huge sizes capped', async () => {
    const cases = [
      ['/api/image/bmng/nothing/here', 404, null],
      ['/api/image/bmng', 404, null],
      ['/api/image/unknown-name/info/metadata', 404, null],
      ['/api/image/%E0%A4%A/info/metadata', 400, 'id'],
      ['/api/image/http%3A%2F%2F/info/metadata', 400, 'id'],
      ['/api/image/bmng/tiles/0/0/0.png?projection=EPSG:32633', 400, 'projection'],
      ['/api/image/bmng/tiles/0/0/0.bmp', 400, 'fmt'],
      ['/api/image/bmng/tiles/0/0/0.png?band=x', 400, 'band'],
      ['/api/image/bmng/tiles/0/0/0.png?resampling=lanczos', 400, 'resampling'],
      ['/api/image/bmng/data/thumbnail.png?max_width=100000', 400, 'max_width'],
      ['/api/image/bmng/data/thumbnail.png?max_height=-1', 400, 'max_height'],
      ['/api/image/bmng/data/region.png?left=0&top=0&right=1e9&bottom=1e9&units=pixels', 400, 'right'],
      ['/api/image/bmng/data/region.tif?left=0&top=0&right=10', 400, 'bottom'],
      ['/api/image/bmng/data/region.tif?left=0&top=0&right=NaN&bottom=1', 400, 'right'],
      ['/api/image/bmng/data/pixel?left=1.5&top=2', 400, 'left'],
      ['/api/image/bmng/data/histogram?bins=0', 400, 'bins'],
      ['/api/image/bmng/data/histogram?bins=1000000', 400, 'bins'],
      ['/api/image/bmng/data/histogram?resolution=lots', 400, 'resolution'],
      ['/api/image/bmng/data/pixel?left=1&top=1&projection=EPSG:3857', 400, 'projection'],
      ['/api/image/bmng/data/thumbnail.png?projection=EPSG:1', 400, 'projection'],
      ['/api/image/bmng/info/band?band=9', 400, 'band'],
      ['/api/image/bmng/info/metadata?source=rasterio', 400, 'source'],
      ['/api/large-image/nothing', 404, null],
      ['/elsewhere/entirely', 404, null],
    ];
    for (const [p, status, parameter] of cases) {
      const a = await get(p);
      assert.equal(a.status, status, `${p}: ${a.text()}`);
      assert.equal(a.type, 'application/json', p);
      assert.equal(typeof a.json().detail, 'string', p);
      if (parameter) assert.equal(a.json().parameter, parameter, `${p}: ${a.text()}`);
    }
    // A region outside the image: a clear 400 (django-large-image answers an empty 200).
    const miss = await get('/api/image/bmng/data/region.png?left=6000&right=6010&top=0&bottom=10&units=pixels');
    assert.equal(miss.status, 400, miss.text());
    // Methods other than GET and HEAD.
    const post = await get('/api/image/bmng/info/metadata', { method: 'POST', body: 'x' });
    assert.deepEqual([post.status, post.headers.get('allow')], [405, 'GET, HEAD']);
    // Still serving.
    assert.equal((await get('/api/image/bmng/tiles/0/0/0.png')).status, 200);
  });

  test('a failing bucket: 502 with its status and the URL; a bucket that recovers is read again', async () => {
    // A URL no earlier test read: the realm's shared engine keeps bytes it fetched (a second open of a URL
    // costs no request), so bmng.tif itself would open from that cache while the bucket fails.
    const r = createRouter({ origin: site.url, images: { b: `${bucket.url}/bmng.tif?failing-bucket`, gone: `${bucket.url}/missing.tif`, junk: `${bucket.url}/notatiff.tif`, down: `http://127.0.0.1:${await closedPort()}/x.tif` } });
    const at = async (p) => answerOf(await r(new Request(`${site.url}${p}`)));
    bucket.setMode('fail');
    try {
      const a = await at('/api/image/b/info/metadata');
      assert.equal(a.status, 502, a.text());
      assert.equal(a.json().upstreamStatus, 500);
      assert.equal(a.json().url, `${bucket.url}/bmng.tif?failing-bucket`);
      assert.match(a.json().detail, /HTTP 500/);
    } finally {
      bucket.setMode('range');
    }
    assert.equal((await at('/api/image/b/info/metadata')).status, 200, 'the failed open was not kept');
    const gone = await at('/api/image/gone/info/metadata');
    assert.deepEqual([gone.status, gone.json().upstreamStatus], [502, 404]);
    const down = await at('/api/image/down/info/metadata');
    assert.deepEqual([down.status, down.json().upstreamStatus], [502, null]);
    const junk = await at('/api/image/junk/info/metadata');
    assert.equal(junk.status, 500, junk.text());
    assert.match(junk.json().detail, /not a TIFF/);
  });

  test('a bucket that does not answer in time: 504, and the router keeps serving', async () => {
    const slow = await startServer({ root: dir, mode: 'slow', delayMs: 10_000 });
    try {
      const r = createRouter({ origin: site.url, images: { slow: `${slow.url}/bmng.tif`, fast: `${site.url}/bmng.tif` }, timeoutMs: 500 });
      const t0 = Date.now();
      const a = await answerOf(await r(new Request(`${site.url}/api/image/slow/info/metadata`)));
      assert.equal(a.status, 504, a.text());
      assert.ok(Date.now() - t0 < 8000, 'answered at the time-out, not when the bucket did');
      const b = await answerOf(await r(new Request(`${site.url}/api/image/fast/info/metadata`)));
      assert.equal(b.status, 200);
    } finally {
      await slow.close();
    }
  });

  test('0.1.0 spellings answer as the new routes (metadata assumes EPSG:3857)', async () => {
    const pairs = [
      ['metadata', 'info/metadata?projection=EPSG:3857'],
      ['internal_metadata', 'info/metadata_internal'],
      ['bands', 'info/bands'],
      ['band?band=2', 'info/band?band=2'],
      ['thumbnail', 'data/thumbnail.png'],
      ['thumbnail.jpeg?max_width=64', 'data/thumbnail.jpeg?max_width=64'],
      ['pixel?left=10&top=20', 'data/pixel?left=10&top=20'],
      ['histogram?bins=4', 'data/histogram?bins=4'],
      ['region.tif?left=0&top=0&right=30&bottom=20&units=pixels', 'data/region.tif?left=0&top=0&right=30&bottom=20&units=pixels'],
    ];
    for (const [old, neu] of pairs) {
      const [a, b] = await Promise.all([get(`/api/image/bmng/${old}`), get(`/api/image/bmng/${neu}`)]);
      assert.equal(a.status, 200, `${old}: ${a.text().slice(0, 200)}`);
      assert.deepEqual([a.type, Buffer.from(a.body).equals(Buffer.from(b.body))], [b.type, true], `${old} = ${neu}`);
    }
  });

  test("TiTiler's and large_image's parameters reach the core as the JS API would pass them", async () => {
    const img = await LargeImage.open(`${site.url}/bmng.tif`);
    try {
      const cases = [
        ['tiles/2/2/1.png?projection=EPSG:3857&bidx=3&bidx=1&rescale=0,200&rescale=0,255', { projection: 'EPSG:3857', titiler: 'bidx=3&bidx=1&rescale=0%2C200&rescale=0%2C255' }],
        ['tiles/1/1/0.png?expression=(b1-b2)/(b1%2Bb2)&rescale=-1,1&colormap_name=rdylgn', { titiler: 'expression=(b1-b2)/(b1%2Bb2)&rescale=-1,1&colormap_name=rdylgn' }],
        ['tiles/1/1/0.png?band=2&palette=viridis&min=10&max=200&scheme=discrete', { style: { band: 2, palette: 'viridis', min: 10, max: 200, scheme: 'discrete' } }],
        ['tiles/1/1/0.png?projection=EPSG:4326&resampling=bilinear', { projection: 'EPSG:4326', resampling: 'bilinear' }],
        ['tiles/1/1/0.jpg?band=1&cmap=magma', { format: 'jpeg', style: { band: 1, palette: 'magma' } }],
      ];
      for (const [r, options] of cases) {
        const [z, x, y] = r.match(/tiles\/(\d+)\/(\d+)\/(\d+)/).slice(1).map(Number);
        const a = await get(`/api/image/bmng/${r}`);
        assert.equal(a.status, 200, `${r}: ${a.text().slice(0, 200)}`);
        const direct = await img.tile(z, x, y, { format: 'png', ...options });
        assert.ok(Buffer.from(a.body).equals(Buffer.from(direct)), `${r}: the router's tile is the library's`);
      }
      const plain = await get('/api/image/bmng/tiles/1/1/0.png');
      const styled = await get('/api/image/bmng/tiles/1/1/0.png?band=2&palette=viridis');
      assert.ok(!Buffer.from(plain.body).equals(Buffer.from(styled.body)), 'a style changes the tile');
    } finally {
      img.close();
    }
  });

  test('at most maxImages stay open: the least recently used is closed once idle, and opens again when asked', async () => {
    const made = [];
    const r = createRouter({
      origin: site.url,
      maxImages: 2,
      images: { a: `${site.url}/bmng.tif`, b: `${bucket.url}/bmng.tif`, c: `${site.url}/bmng.tif?c` },
      open: async (url, o) => {
        const img = await LargeImage.open(url, o);
        made.push(img);
        return img;
      },
    });
    const at = async (name) => (await r(new Request(`${site.url}/api/image/${name}/info/bands`))).status;
    assert.deepEqual([await at('a'), await at('b'), await at('a')], [200, 200, 200]);
    assert.equal(made.length, 2, 'a was kept open');
    assert.equal(await at('c'), 200);
    assert.deepEqual(made.map((m) => m.closed), [false, true, false], 'b, the least recently used, was closed');
    assert.equal(await at('b'), 200);
    assert.equal(made.length, 4, 'b opened again');
    assert.equal(made[0].closed, true, 'then a was the least recently used');
  });

  test('300 random requests: each a JSON error or an answer, none thrown, none hung', async () => {
    let seed = 12345;
    const rand = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const pick = (a) => a[rand(a.length)];
    const ids = ['bmng', 'nope', '%2Fbmng.tif', '%2F%2Fevil.example%2Fx', '%ZZ', '', 'a%00b', encodeURIComponent('<b>'), 'http%3A%2F%2F127.0.0.1%3A1%2Fx.tif'];
    const routes = ['info/metadata', 'info/band', 'tiles/0/0/0.png', 'tiles/99/0/0.png', 'tiles/1/9/9.webp', 'tiles/-1/0/0.png', 'tiles/0/0/0.gif',
      'tiles/2/1/1/corners', 'data/thumbnail.jpg', 'data/region.tif', 'data/pixel', 'data/histogram', 'info/validate', 'x/y/z', ''];
    const keys = ['band', 'min', 'max', 'palette', 'style', 'projection', 'max_width', 'left', 'top', 'right', 'bottom', 'units', 'bins', 'bidx', 'rescale', 'expression', 'resampling'];
    const values = ['1', '0', '-1', '1e309', 'NaN', 'auto', 'viridis', '{', '{"band":99}', 'EPSG:3857', 'EPSG:4326', 'pixels', '99999999', '', '%', '(b1', '0,255'];
    const r = createRouter({ origin: site.url, images: { bmng: `${site.url}/bmng.tif` }, timeoutMs: 15_000 });
    const seen = {};
    for (let i = 0; i < 300; i++) {
      const q = Array.from({ length: rand(4) }, () => `${pick(keys)}=${encodeURIComponent(pick(values))}`).join('&');
      const url = `${site.url}/api/image/${pick(ids)}/${pick(routes)}${q ? `?${q}` : ''}`;
      const res = await withTimeout(r(new Request(url)), 20_000, url);
      const body = new Uint8Array(await res.arrayBuffer());
      seen[res.status] = (seen[res.status] ?? 0) + 1;
      if (res.status !== 200) {
        assert.equal(res.headers.get('content-type'), 'application/json', url);
        assert.equal(typeof JSON.parse(new TextDecoder().decode(body)).detail, 'string', url);
      }
      assert.ok(res.status < 500 || res.status === 502 || res.status === 500, `${url}: ${res.status}`);
    }
    assert.ok(seen[200] > 10 && seen[400] > 10 && seen[404] > 10, JSON.stringify(seen));
    assert.equal((await r(new Request(`${site.url}/api/image/bmng/tiles/0/0/0.png`))).status, 200, 'still serving');
  });

  test('HEAD, ETag and If-None-Match', async () => {
    const p = '/api/image/bmng/tiles/1/1/0.png?projection=EPSG:3857';
    const a = await get(p);
    const etag = a.headers.get('etag');
    assert.match(etag, /^"[0-9a-z]+-[0-9a-z]+"$/);
    assert.equal(a.headers.get('cache-control'), 'no-cache');
    assert.equal(a.headers.get('content-length'), String(a.body.length));
    const head = await get(p, { method: 'HEAD' });
    assert.deepEqual([head.status, head.body.length, head.headers.get('etag')], [200, 0, etag]);
    const again = await get(p, { headers: { 'If-None-Match': etag } });
    assert.deepEqual([again.status, again.body.length], [304, 0]);
    const other = await get('/api/image/bmng/tiles/1/0/0.png?projection=EPSG:3857');
    assert.notEqual(other.headers.get('etag'), etag);
  });

  test('region.tif is a GeoTIFF: GDAL reads its size and georeferencing as gdal_translate -srcwin makes them', async () => {
    const a = await get('/api/image/bmng/data/region.tif?left=100&right=300&top=100&bottom=200&units=pixels');
    assert.deepEqual([a.status, a.type], [200, 'image/tiff'], a.text().slice(0, 200));
    const ours = path.join(dir, 'region.tif');
    const ref = path.join(dir, 'ref.tif');
    await fsp.writeFile(ours, a.body);
    await run('gdal_translate', ['-q', '-srcwin', '100', '100', '200', '100', BMNG, ref]);
    const [o, r] = await Promise.all([gdalinfo(ours), gdalinfo(ref)]);
    assert.deepEqual(o.size, [200, 100]);
    assert.deepEqual(o.size, r.size);
    o.geoTransform.forEach((v, i) => assert.ok(Math.abs(v - r.geoTransform[i]) < 1e-9, `geotransform ${o.geoTransform} vs ${r.geoTransform}`));
    assert.match(o.coordinateSystem.wkt, /WGS 84/);
    const geo = await get('/api/image/bmng/data/region.tif?left=10&right=20&top=50&bottom=40');
    assert.equal(geo.status, 200);
    await fsp.writeFile(ours, geo.body);
    const g = await gdalinfo(ours);
    assert.ok(Math.abs(g.cornerCoordinates.upperLeft[0] - 10) < 0.1 && Math.abs(g.cornerCoordinates.lowerRight[1] - 40) < 0.1, JSON.stringify(g.cornerCoordinates));
  });

  test("info/validate answers GDAL's validator's errors and warnings", async () => {
    const a = await get('/api/image/bmng/info/validate');
    assert.equal(a.status, 200, a.text());
    const gdal = JSON.parse(await run('/usr/bin/python3', [path.join(REPO, 'tests', 'gdal_oracle.py'), 'validate', BMNG]));
    assert.deepEqual([a.json().errors, a.json().warnings], [gdal.errors, gdal.warnings]);
    assert.equal(a.json().valid, gdal.errors.length === 0);
  });

  test('the OpenAPI document lists every route, and every path it lists is answered', async () => {
    const served = await get('/api/image/openapi.json');
    assert.equal(served.status, 200);
    const doc = served.json();
    assert.equal(doc.openapi, '3.0.3');
    assert.deepEqual(doc, JSON.parse(JSON.stringify(openapiDocument({}))));
    const fill = { z: '1', x: '1', y: '0', fmt: 'png', id: 'bmng' };
    const required = { left: '10', top: '10', right: '20', bottom: '20', units: 'pixels' };
    let checked = 0;
    for (const [p, item] of Object.entries(doc.paths)) {
      const url = new URL(p.replace(/\{(\w+)\}/g, (_, k) => fill[k]), site.url);
      for (const prm of item.get.parameters ?? []) if (prm.required && prm.in === 'query') url.searchParams.set(prm.name, required[prm.name]);
      const a = await get(url.pathname + url.search);
      assert.equal(a.status, 200, `${p} -> ${url.pathname}${url.search}: ${a.text().slice(0, 200)}`);
      checked++;
    }
    assert.ok(checked >= 30, `${checked} paths`);
  });

  test('registrations persist through their store: a new router (a restarted worker) knows them', async () => {
    const store = memoryStore();
    const first = createRouter({ origin: site.url, store });
    await first.register('later', '/bmng.tif', { headers: { 'X-Secret': 'kept' } });
    const second = createRouter({ origin: site.url, store });
    assert.deepEqual(await second.images(), { later: `${site.url}/bmng.tif` });
    bucket.log.length = 0;
    site.log.length = 0;
    const a = await answerOf(await second(new Request(`${site.url}/api/image/later/info/metadata`)));
    assert.equal(a.status, 200, a.text());
    assert.ok(site.log.some((e) => e.headers['x-secret'] === 'kept'), 'its headers came back with it');
    assert.equal(await second.unregister('later'), true);
    const third = createRouter({ origin: site.url, store });
    assert.equal((await answerOf(await third(new Request(`${site.url}/api/image/later/info/metadata`)))).status, 404);
    assert.throws(() => createRouter({ imagse: {} }), /unknown option "imagse"/);
    await assert.rejects(first.register('bad name', '/bmng.tif'), /letters, digits/);
    await assert.rejects(first.register('x', 'ftp://host/x.tif'), /ftp: URLs are not read/);
  });
});

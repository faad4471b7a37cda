// www/sw.js in headless Chromium, with nothing but the static server behind it: an `<img>` of
// `/api/image/bmng/tiles/3/4/2.png` shows the very pixels the library makes for that tile (and the WebP
// tile, decoded by Chromium's own WebP decoder, the same pixels); `fetch` of metadata and histogram gives
// what the router gives in Node; the worker keeps its registered images across a reload and a stop of the
// worker (CDP ServiceWorker.stopAllWorkers); requests that are not its own go to the network; an image id
// carrying markup, navigated to as a page, runs nothing; a broken image is a JSON error while the next
// tile still loads; the OpenAPI page renders every route with swagger-ui, offline.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer, vendorMounts } from '../../scripts/serve.mjs';
import { LargeImage } from '../../www/lib/index.js';
import { createRouter } from '../../www/lib/router.js';
import { BMNG, CHROMIUM_ARGS, OUT_DIR, REPO, WWW, decodePng, gdalinfo, makeSyntheticCog, mercatorTileAt, missingPrerequisites, run, tempDir, withTimeout } from './helpers.mjs';

const missing = missingPrerequisites({ browser: true });

/** In the page: the worker registered (bmng and a broken image), then in control. */
async function startWorker(page) {
  return withTimeout(
    page.evaluate(async () => {
      const { registerLargeImageWorker } = await import('/lib/service-worker.js');
      const sw = await registerLargeImageWorker('/sw.js', { images: { bmng: '/data/bmng.tif', broken: '/fixtures/notatiff.tif' } });
      return { prefix: sw.prefix, images: await sw.images(), controlled: !!navigator.serviceWorker.controller };
    }),
    60_000,
    'registering the service worker',
  );
}

/** In the page: an <img> of `src`, drawn to a canvas: RGBA pixels, or the load error. */
function imagePixels(page, src) {
  return withTimeout(
    page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      try {
        await img.decode();
      } catch {
        return { error: `img ${src} did not load` };
      }
      const c = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return { width: c.width, height: c.height, data: Array.from(g.getImageData(0, 0, c.width, c.height).data) };
    }, src),
    60_000,
    `<img src=${src}>`,
  );
}

describe('the service worker in Chromium', () => {
  let chromium;
  let browser;
  let context;
  let page;
  let srv;
  let dir;
  const pageErrors = [];

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ chromium } = await import('playwright-core'));
    dir = await tempDir('liw-sw-');
    await fsp.writeFile(path.join(dir, 'blank.html'), '<!doctype html><title>blank</title>\n');
    await fsp.writeFile(path.join(dir, 'hello.txt'), 'hello from the network\n');
    await fsp.writeFile(path.join(dir, 'notatiff.tif'), 'not a tiff\n'.repeat(100));
    await fsp.mkdir(OUT_DIR, { recursive: true });
    srv = await startServer({ root: WWW, mounts: { ...vendorMounts(REPO), '/fixtures/': dir } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({ serviceWorkers: 'allow', viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${srv.url}/fixtures/blank.html`);
    const s = await startWorker(page);
    assert.deepEqual(s, { prefix: '/api/image', images: { bmng: `${srv.url}/data/bmng.tif`, broken: `${srv.url}/fixtures/notatiff.tif` }, controlled: true });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  test('<img src=".../tiles/3/4/2.png"> shows the library\'s own tile, pixel for pixel; its WebP twin decodes to the same pixels', async () => {
    const img = await LargeImage.open(`${srv.url}/data/bmng.tif`);
    const expected = decodePng(await img.tile(3, 4, 2, { format: 'png' }));
    img.close();
    const png = await imagePixels(page, '/api/image/bmng/tiles/3/4/2.png');
    assert.equal(png.error, undefined);
    assert.deepEqual([png.width, png.height], [256, 256]);
    let equal = 0;
    for (let i = 0; i < png.data.length; i++) if (png.data[i] === expected.data[i]) equal++;
    assert.equal(equal, png.data.length, 'every channel of every pixel');
    const webp = await imagePixels(page, '/api/image/bmng/tiles/3/4/2.webp');
    assert.deepEqual(webp.data, png.data, 'lossless WebP, decoded by Chromium');
    const mercator = await imagePixels(page, '/api/image/bmng/tiles/3/4/2.png?projection=EPSG:3857');
    assert.deepEqual([mercator.width, mercator.height], [256, 256]);
  });

  test('fetch of metadata and histogram: what the router answers in Node, and gdalinfo\'s size', async () => {
    const inPage = await page.evaluate(async () => {
      const get = async (p) => {
        const r = await fetch(p);
        return { status: r.status, type: r.headers.get('content-type'), etag: r.headers.get('etag'), json: await r.json() };
      };
      return Promise.all(['/api/image/bmng/info/metadata', '/api/image/bmng/data/histogram?bins=16', '/api/large-image/formats'].map(get));
    });
    const node = createRouter({ images: { bmng: `${srv.url}/data/bmng.tif` } });
    for (const [i, p] of ['/api/image/bmng/info/metadata', '/api/image/bmng/data/histogram?bins=16', '/api/large-image/formats'].entries()) {
      const r = await node(new Request(`${srv.url}${p}`));
      assert.deepEqual([inPage[i].status, inPage[i].type], [200, 'application/json'], p);
      assert.deepEqual(inPage[i].json, await r.json(), p);
      assert.equal(inPage[i].etag, r.headers.get('etag'), `${p}: same bytes, same ETag`);
    }
    const info = await gdalinfo(BMNG);
    assert.deepEqual([inPage[0].json.sizeX, inPage[0].json.sizeY], info.size);
    assert.equal(inPage[1].json.length, 4, 'one entry per rendered channel');
  });

  test('a UTM image: the worker loads the projection module (pkg/large_image_proj_bg.wasm), and answers its metadata and a web-mercator tile as the library does in Node', async () => {
    const synthetic = await makeSyntheticCog(dir, { name: 'geo.tif' });
    await run('gdalwarp', ['-q', '-t_srs', 'EPSG:32633', '-of', 'COG', synthetic, path.join(dir, 'utm.tif')]);
    const img = await LargeImage.open(`${srv.url}/fixtures/utm.tif`);
    const meta = await img.metadata({ projection: 'EPSG:3857' });
    const z = meta.levels - 1;
    const lon = (meta.bounds.xmin + meta.bounds.xmax) / 2;
    const lat = (meta.bounds.ymin + meta.bounds.ymax) / 2;
    const [x, y] = mercatorTileAt(z, lon, lat);
    const expected = decodePng(await img.tile(z, x, y, { projection: 'EPSG:3857', format: 'png' }));
    img.close();
    const inPage = await withTimeout(page.evaluate(async () => {
      const { registerLargeImageWorker } = await import('/lib/service-worker.js');
      const sw = await registerLargeImageWorker('/sw.js');
      await sw.register('utm', '/fixtures/utm.tif');
      const r = await fetch('/api/image/utm/info/metadata');
      return { status: r.status, json: await r.json() };
    }), 60_000, 'the UTM image\'s metadata through the worker');
    const node = createRouter({ images: { utm: `${srv.url}/fixtures/utm.tif` } });
    assert.equal(inPage.status, 200, JSON.stringify(inPage.json));
    assert.deepEqual(inPage.json, await (await node(new Request(`${srv.url}/api/image/utm/info/metadata`))).json());
    assert.equal(inPage.json.bounds.srs, 'EPSG:4326', 'bounds in EPSG:4326: through the projection module');
    const tile = await imagePixels(page, `/api/image/utm/tiles/${z}/${x}/${y}.png?projection=EPSG:3857`);
    assert.equal(tile.error, undefined);
    assert.ok(tile.data.some((v, i) => i % 4 === 3 && v === 255), 'the tile shows the image');
    assert.deepEqual(tile.data, Array.from(expected.data), 'every channel of every pixel');
  });

  test('requests that are not its own go to the network untouched', async () => {
    srv.log.length = 0;
    const r = await page.evaluate(async () => {
      const a = await fetch('/fixtures/hello.txt');
      const b = await fetch('/fixtures/none.txt');
      return [a.status, await a.text(), b.status, b.headers.get('content-type')];
    });
    assert.deepEqual(r, [200, 'hello from the network\n', 404, 'text/plain; charset=utf-8']);
    assert.ok(srv.log.some((e) => e.path === '/fixtures/hello.txt'), 'the static server answered it');
  });

  test('a broken image is a JSON error; the worker keeps serving the next tile', async () => {
    const r = await page.evaluate(async () => {
      const a = await fetch('/api/image/broken/info/metadata');
      return [a.status, a.headers.get('content-type'), (await a.json()).detail];
    });
    assert.equal(r[0], 500);
    assert.equal(r[1], 'application/json');
    assert.match(r[2], /not a TIFF/);
    assert.match((await imagePixels(page, '/api/image/broken/tiles/0/0/0.png')).error, /did not load/);
    assert.equal((await imagePixels(page, '/api/image/bmng/tiles/0/0/0.png')).width, 256);
  });

  test('registered images survive a reload and a stopped worker (kept in Cache Storage)', async () => {
    await page.reload();
    assert.equal(await page.evaluate(async () => (await fetch('/api/image/bmng/tiles/0/0/0.png')).status), 200, 'after a reload');
    const cdp = await context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    const versions = [];
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => versions.push(...e.versions.map((v) => v.runningStatus)));
    await cdp.send('ServiceWorker.stopAllWorkers');
    await withTimeout((async () => { while (!versions.includes('stopped')) await new Promise((r) => setTimeout(r, 50)); })(), 10_000, 'the worker to stop');
    const after = await page.evaluate(async () => {
      const r = await fetch('/api/image/bmng/info/bands');
      return [r.status, Object.keys(await r.json()).length];
    });
    assert.deepEqual(after, [200, 3], 'a restarted worker still knows bmng');
    assert.ok(versions.includes('running') || versions.includes('starting'), `the worker started again (${versions.join(', ')})`);
    await cdp.detach();
  });

  test("a registered image's headers and cookies go to it, and not to the same bucket named by a URL id", async () => {
    const bucket = await startServer({ root: path.join(WWW, 'data'), credentials: true });
    try {
      await context.addCookies([{ name: 'session', value: 's3cr3t', domain: '127.0.0.1', path: '/' }]);
      const cog = `${bucket.url}/bmng.tif`;
      const statuses = await page.evaluate(async (cog) => {
        const { registerLargeImageWorker } = await import('/lib/service-worker.js');
        const sw = await registerLargeImageWorker('/sw.js');
        await sw.register('private', cog, { credentials: 'include', headers: { 'X-Api-Key': 'k-123' } });
        const a = await fetch('/api/image/private/tiles/0/0/0.png');
        return [a.status];
      }, cog);
      assert.deepEqual(statuses, [200]);
      const gets = () => bucket.log.filter((e) => e.method === 'GET');
      assert.ok(gets().length > 0);
      for (const e of gets()) {
        assert.equal(e.headers['x-api-key'], 'k-123', 'the registered header on every range request');
        assert.match(e.headers.cookie ?? '', /session=s3cr3t/, 'the page\'s cookie with credentials: include');
      }
      bucket.log.length = 0;
      const viaUrl = await page.evaluate(async (id) => (await fetch(`/api/image/${id}/tiles/0/0/0.png`)).status, encodeURIComponent(cog));
      assert.equal(viaUrl, 200, 'the bucket is allowed (a registered image lives there)');
      assert.ok(gets().length > 0, 'read afresh for the URL id');
      for (const e of gets()) {
        assert.equal(e.headers['x-api-key'], undefined, 'no registered header for a URL from the path');
        assert.equal(e.headers.cookie, undefined, 'no cookie for a URL from the path');
      }
    } finally {
      await context.clearCookies();
      await bucket.close();
    }
  });

  test('an id carrying markup, opened as a page, shows JSON and runs nothing', async () => {
    const dialogs = [];
    const p2 = await context.newPage();
    p2.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss();
    });
    const evil = encodeURIComponent('<img src=x onerror=alert(1)><script>alert(2)</script>');
    const res = await p2.goto(`${srv.url}/api/image/${evil}/info/metadata?style=${evil}`);
    assert.equal(res.status(), 404);
    assert.equal(res.headers()['content-type'], 'application/json');
    assert.equal(await p2.evaluate(() => document.querySelectorAll('img, script').length), 0, 'no element made from the id');
    await p2.waitForTimeout(300);
    assert.deepEqual(dialogs, []);
    await p2.close();
  });

  test('the OpenAPI page renders every route with swagger-ui, offline', async () => {
    const p3 = await context.newPage();
    const external = [];
    p3.on('request', (r) => {
      if (!r.url().startsWith(srv.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url());
    });
    await p3.goto(`${srv.url}/api.html?url=https://evil.example/spec.json&configUrl=https://evil.example/c.json`);
    await p3.waitForFunction(() => window.apiReady === true, null, { polling: 100, timeout: 60_000 });
    const doc = await (await createRouter()(new Request('http://x/api/image/openapi.json'))).json();
    const n = Object.keys(doc.paths).length;
    await p3.waitForFunction((n) => document.querySelectorAll('.opblock-summary-path, .opblock-summary-path__deprecated').length >= n, n, { polling: 200, timeout: 30_000 }).catch(() => {});
    const blocks = await p3.evaluate(() => [...document.querySelectorAll('.opblock-summary-path, .opblock-summary-path__deprecated')].map((e) => e.textContent.trim()));
    assert.equal(blocks.length, Object.keys(doc.paths).length, 'one block per path');
    for (const p of ['/api/image/{id}/tiles/{z}/{x}/{y}.{fmt}', '/api/image/{id}/data/histogram', '/api/large-image/colormaps']) {
      assert.ok(blocks.some((b) => b.replace(/\u200b/g, '') === p), `${p} shown`);
    }
    assert.match(await p3.textContent('.info .title'), /large-image-wasm/);
    await p3.screenshot({ path: path.join(OUT_DIR, 'sw-openapi.png') });
    assert.deepEqual(external, [], 'nothing fetched from outside');
    await p3.close();
    assert.deepEqual(pageErrors, []);
  });
});

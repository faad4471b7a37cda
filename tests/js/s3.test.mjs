// The engine against a real S3 API on 127.0.0.1: moto_server (PyPI moto[server], pinned in
// tests/requirements-moto.txt, virtualenv made by scripts/setup), started by this test and filled by
// tests/js/s3_setup.py with a COG GDAL made. Node: a public object, a presigned URL, a request signed with
// an Authorization header, a private object (403 → our hint). Chromium, from a page on another origin: a
// bucket whose CORS rule exposes Content-Range, one without, and a request that needs a preflight moto
// refuses (the CORS failure, explained).
//
// Run: node --test tests/js/s3.test.mjs   (needs www/pkg, gdal-bin, chromium and the moto virtualenv).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { startServer } from '../../scripts/serve.mjs';
import { closedPort, makeSyntheticCog, missingPrerequisites, rejectionOf as rejection, REPO, run, tempDir, WWW } from './helpers.mjs';

// The virtualenv's python, as scripts/env.sh names it (by the hash of the pinned requirements).
const MOTO_PYTHON = execFileSync('bash', ['-c', `source '${REPO}/scripts/env.sh' && echo "$LIW_MOTO_PYTHON"`]).toString().trim();
const missing = missingPrerequisites({ browser: true })
  ?? (MOTO_PYTHON && fs.existsSync(MOTO_PYTHON) ? null : `the moto virtualenv ${MOTO_PYTHON} (run bash scripts/setup)`);
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('S3 (moto_server on 127.0.0.1)', () => {
  let LargeImage;
  let Engine;
  let dir;
  let cog;
  let moto;
  let endpoint;
  let setup;
  let want; // GDAL's values at a pixel

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ LargeImage, Engine } = await import('../../www/lib/index.js'));
    dir = await tempDir();
    cog = await makeSyntheticCog(dir, { name: 'cog.tif' });
    want = (await run('gdallocationinfo', ['-valonly', cog, '123', '45'])).trim().split(/\s+/).map(Number);
    const port = await closedPort();
    endpoint = `http://127.0.0.1:${port}`;
    const bin = path.join(path.dirname(MOTO_PYTHON), 'moto_server');
    moto = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let up = false;
    for (let i = 0; i < 300 && !up; i++) {
      await sleep(100);
      up = await fetch(`${endpoint}/`).then(() => true, () => false);
    }
    if (!up) throw new Error('moto_server did not start within 30 s');
    setup = JSON.parse(await run(MOTO_PYTHON, [path.join(REPO, 'tests', 'js', 's3_setup.py'), endpoint, cog]));
  });

  after(async () => {
    moto?.kill();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  const pixelOf = async (img) => {
    const p = await img.pixel({ left: 123.5, top: 45.5 });
    return [1, 2, 3].map((b) => p.bands[b]);
  };

  test('a public object (bucket policy): the pixel GDAL reads', async () => {
    const img = await LargeImage.open(`${endpoint}/public/cog.tif`, { engine: new Engine() });
    assert.deepEqual(await pixelOf(img), want);
    img.close();
  });

  test('a private object through a presigned URL, and with an Authorization header', async () => {
    const pre = await LargeImage.open(setup.presigned, { engine: new Engine() });
    assert.deepEqual(await pixelOf(pre), want);
    pre.close();
    const signed = await LargeImage.open(`${endpoint}/private/cog.tif`, { engine: new Engine(), headers: setup.headers });
    assert.deepEqual(await pixelOf(signed), want);
    signed.close();
  });

  test('a private object without credentials: 403, explained, not retried', async (t) => {
    const u = `${endpoint}/private/cog.tif`;
    const engine = new Engine();
    const err = await rejection(LargeImage.open(u, { engine }));
    t.diagnostic(err.message);
    for (const part of [u, 'bytes 0-65535', 'HTTP 403 Forbidden: the server refuses', 's3:GetObject', 'presigned URL', 'Access-Control-Expose-Headers']) {
      assert.ok(err.message.includes(part), `message names ${part}: ${err.message}`);
    }
    assert.equal(engine.stats().requests, 1);
  });

  test('Chromium, a page on another origin: with and without a CORS rule exposing Content-Range; a refused preflight explained', async (t) => {
    const { chromium } = await import('playwright-core');
    const srv = await startServer({ root: WWW });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(`${srv.url}/lib/index.js`); // any page of the origin
      const results = await page.evaluate(async ({ endpoint, headers }) => {
        const { LargeImage, Engine } = await import('/lib/index.js');
        const out = {};
        for (const bucket of ['cors', 'public']) {
          const u = `${endpoint}/${bucket}/cog.tif`;
          const raw = await fetch(u, { headers: { Range: 'bytes=0-15' } });
          const img = await LargeImage.open(u, { engine: new Engine({ retries: 0 }) });
          const p = await img.pixel({ left: 123.5, top: 45.5 });
          out[bucket] = { contentRange: raw.headers.get('content-range'), pixel: [p.bands[1], p.bands[2], p.bands[3]] };
        }
        // An Authorization header makes the request need a preflight, which moto answers 403.
        try {
          await LargeImage.open(`${endpoint}/private/cog.tif`, { engine: new Engine({ retries: 0 }), headers });
          out.preflight = 'opened';
        } catch (e) {
          out.preflight = e.message;
        }
        return out;
      }, { endpoint, headers: setup.headers });
      t.diagnostic(JSON.stringify(results));
      assert.equal(results.cors.contentRange, `bytes 0-15/${setup.size}`, 'the CORS rule exposes Content-Range');
      assert.equal(results.public.contentRange, null, 'without the rule the page cannot see Content-Range');
      assert.deepEqual(results.cors.pixel, want);
      assert.deepEqual(results.public.pixel, want, 'the engine reads without seeing Content-Range');
      for (const part of [`${endpoint}/private/cog.tif`, 'bytes 0-65535', 'network error', 'Access-Control-Allow-Origin']) {
        assert.ok(results.preflight.includes(part), `message names ${part}: ${results.preflight}`);
      }
    } finally {
      await browser.close();
      await srv.close();
    }
  });
});

// The fetch engine (www/lib/index.js `Engine`, the core's src/source/) in Node 20 against real servers on
// 127.0.0.1 that misbehave on purpose (tests/js/fault-server.mjs), serving COGs GDAL made: what the
// servers saw (requests, ranges, bytes written to the socket) and what the errors say are compared.
//
// Run: node --test tests/js/engine.test.mjs   (needs www/pkg from scripts/build-wasm and Debian's gdal-bin).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';

import { startFaultServer } from './fault-server.mjs';
import { makeSyntheticCog, missingPrerequisites, rejectionOf as rejection, tempDir } from './helpers.mjs';

const missing = missingPrerequisites();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds, checking every 10 ms for at most `ms`. */
async function until(cond, ms = 3000) {
  for (let waited = 0; !cond() && waited < ms; waited += 10) await sleep(10);
  return cond();
}

describe('the fetch engine against misbehaving servers', () => {
  let LargeImage;
  let Engine;
  let dir;
  let big;
  let bigBytes;
  let other;
  const servers = [];

  const serve = async (mode, opts = {}) => {
    const s = await startFaultServer({ file: big, mode, ...opts });
    servers.push(s);
    return s;
  };
  const slice = (a, b) => new Uint8Array(bigBytes.subarray(a, b));

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ LargeImage, Engine } = await import('../../www/lib/index.js'));
    dir = await tempDir();
    // ~5 MB: noise does not compress, so a server sending it all is easy to tell apart.
    big = await makeSyntheticCog(dir, { name: 'big.tif', width: 1500, height: 1500 });
    bigBytes = await fsp.readFile(big);
    other = await makeSyntheticCog(dir, { name: 'other.tif', width: 700, height: 500, noise: 8 });
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  test('a server that ignores Range: the body is stopped after the bytes needed and the error says so; read whole only when allowed', async (t) => {
    const srv = await serve('norange');
    const u = `${srv.url}/big.tif`;
    const size = bigBytes.length;
    const engine = new Engine();
    const err = await rejection(LargeImage.open(u, { engine }));
    t.diagnostic(err.message);
    for (const part of [u, 'bytes 0-65535', 'HTTP 200 OK, but the server ignores Range', `whole file (of ${size} bytes)`, 'readWholeUpTo']) {
      assert.ok(err.message.includes(part), `message names ${part}: ${err.message}`);
    }
    assert.ok(await until(() => srv.log[0]?.done), 'the server saw its connection close');
    const written = srv.log[0].written;
    const got = engine.stats().bytes;
    t.diagnostic(`server wrote ${written} of ${size} bytes; the engine received ${got}`);
    assert.equal(srv.log.length, 1, 'not retried');
    assert.ok(got >= 65536 && got <= written, `received ${got}, written ${written}`);
    assert.ok(written < size / 4, `the server wrote ${written} of ${size} bytes: the body was not stopped`);
    // Allowed: one request, the whole file, every read after cut from it.
    srv.log.length = 0;
    const whole = new Engine({ readWholeUpTo: size });
    const img = await LargeImage.open(u, { engine: whole });
    assert.equal((await img.metadata()).sizeX, 1500);
    await img.tile(0, 0, 0, { format: 'rgba' });
    assert.equal(srv.log.length, 1);
    assert.ok(await until(() => srv.log[0].done));
    assert.deepEqual([srv.log[0].written, whole.stats().bytes], [size, size]);
    img.close();
  });

  test('500 twice, then the bytes: retried with backoff', async () => {
    const srv = await serve('fail-twice');
    const engine = new Engine({ retryBaseMs: 20 });
    const [b] = await engine.read(`${srv.url}/big.tif`, [[1000, 3000]]);
    assert.deepEqual(b, slice(1000, 3000));
    assert.deepEqual(srv.log.map((e) => [e.range, e.status]), [['bytes=1000-2999', 500], ['bytes=1000-2999', 500], ['bytes=1000-2999', 206]]);
    assert.equal(engine.stats().retries, 2);
    assert.equal(engine.stats().requests, 3);
  });

  test('429 with Retry-After: 1 is tried again no sooner than a second later', async (t) => {
    const srv = await serve('retry-after');
    const engine = new Engine({ retryBaseMs: 10 });
    const [b] = await engine.read(`${srv.url}/big.tif`, [[0, 100]]);
    assert.deepEqual(b, slice(0, 100));
    assert.deepEqual(srv.log.map((e) => e.status), [429, 206]);
    const gap = srv.log[1].at - srv.log[0].at;
    t.diagnostic(`second try ${gap} ms after the first`);
    assert.ok(gap >= 950, `Retry-After honoured: ${gap} ms`);
  });

  test('a connection dropped mid-body is retried and the read completes', async () => {
    const srv = await serve('drop');
    const engine = new Engine({ retryBaseMs: 10 });
    const [b] = await engine.read(`${srv.url}/big.tif`, [[0, 300000]]);
    assert.deepEqual(b, slice(0, 300000));
    assert.equal(srv.log.length, 2);
    assert.equal(srv.log[0].written, 150000, 'the first answer stopped half-way');
    assert.equal(engine.stats().retries, 1);
  });

  test("403 with S3's XML: no retry, the S3 code and the bucket-policy/CORS hint", async (t) => {
    const srv = await serve('s3-403');
    const u = `${srv.url}/big.tif`;
    const err = await rejection(LargeImage.open(u, { engine: new Engine() }));
    t.diagnostic(err.message);
    for (const part of [u, 'bytes 0-65535', 'HTTP 403 Forbidden (S3 AccessDenied: Access Denied)', 's3:GetObject', 'presigned URL',
      'Access-Control-Expose-Headers', 'Content-Range']) {
      assert.ok(err.message.includes(part), `message names ${part}: ${err.message}`);
    }
    assert.equal(srv.log.length, 1, 'a 403 is not retried');
  });

  test('a body cut short in transit (206 with half its bytes) is retried, then a clear error', async (t) => {
    const srv = await serve('cut');
    const u = `${srv.url}/big.tif`;
    const err = await rejection(new Engine({ retries: 1, retryBaseMs: 10 }).read(u, [[0, 1000]]));
    t.diagnostic(err.message);
    for (const part of [u, 'bytes 0-999', 'HTTP 206 Partial Content, but the body ended after 500 of 1000 bytes', 'gave up after 2 tries']) {
      assert.ok(err.message.includes(part), `message names ${part}: ${err.message}`);
    }
    assert.equal(srv.log.length, 2);
  });

  test('a file swapped under its URL (new ETag): the read fails clearly, cached bytes are dropped, a new open reads the new file', async (t) => {
    const srv = await serve('range');
    const u = `${srv.url}/big.tif`;
    const engine = new Engine();
    const img = await LargeImage.open(u, { engine });
    await img.tile(0, 0, 0, { format: 'rgba' });
    srv.swap(other);
    // A full-resolution tile: bytes not read yet.
    const z = (await img.metadata()).levels - 1;
    const err = await rejection(img.tile(z, 3, 3, { format: 'rgba' }));
    t.diagnostic(err.message);
    assert.match(err.message, /changed under the same URL \(ETag "v1" became "v2"\)/);
    assert.ok(err.message.includes(u));
    assert.equal(engine.stats().cacheDataBytes, 0, 'the old file\'s tile bytes were dropped');
    // The image that saw the old file keeps failing for every byte it still has to read; a new image
    // reads the new file.
    assert.match((await rejection(img.tile(z, 4, 4, { format: 'rgba' }))).message, /open the image again/);
    const fresh = await LargeImage.open(u, { engine });
    assert.equal((await fresh.metadata()).sizeX, 700);
    img.close();
    fresh.close();
  });

  test('a silent server (accepts, never answers): a timeout, retried once, then a clear error', async (t) => {
    const srv = await serve('silent');
    const u = `${srv.url}/big.tif`;
    const engine = new Engine({ timeoutMs: 300, retries: 1, retryBaseMs: 10 });
    const err = await rejection(LargeImage.open(u, { engine }));
    t.diagnostic(err.message);
    for (const part of [u, 'bytes 0-65535', 'timed out: no answer within 300 ms', 'gave up after 2 tries']) {
      assert.ok(err.message.includes(part), `message names ${part}: ${err.message}`);
    }
    assert.equal(srv.log.length, 2);
    assert.equal(engine.stats().timeouts, 2);
  });

  test('a slow server: requests cancelled by an AbortSignal never reach it; queued requests go by priority', async (t) => {
    const srv = await serve('slow', { delayMs: 400 });
    const u = `${srv.url}/big.tif`;
    const engine = new Engine({ concurrency: 2 });
    const ac = new AbortController();
    const ranges = Array.from({ length: 10 }, (_, i) => [i * 100000, i * 100000 + 1000]);
    const reading = engine.read(u, ranges, { signal: ac.signal });
    assert.ok(await until(() => srv.log.length === 2), 'two requests in flight');
    ac.abort();
    const err = await rejection(reading);
    assert.equal(err.name, 'AbortError');
    await sleep(1000); // longer than two answers of the slow server
    t.diagnostic(`server saw ${srv.log.length} requests; ${JSON.stringify(engine.stats())}`);
    assert.equal(srv.log.length, 2, 'the cancelled requests never reached the server');
    const s = engine.stats();
    assert.deepEqual([s.requests, s.cancelled, s.aborted, s.queued, s.active], [2, 8, 2, 0, 0]);

    // Priority: one slot; the first read holds it, the rest are sent nearest first.
    srv.log.length = 0;
    const one = new Engine({ concurrency: 1 });
    const reads = [[5, 0], [3, 1], [1, 2], [2, 3]].map(([priority, i]) => one.read(u, [[i * 1000, i * 1000 + 10]], { priority }));
    await Promise.all(reads);
    assert.deepEqual(srv.log.map((e) => e.range), ['bytes=0-9', 'bytes=2000-2009', 'bytes=3000-3009', 'bytes=1000-1009']);
  });

  test('a read callback (a worker reading through its coordinator\'s engine) gets the ranges, the kind, the priority and a signal', async () => {
    const srv = await serve('range');
    const u = `${srv.url}/big.tif`;
    const engine = new Engine();
    const calls = [];
    const read = (ranges, hints) => {
      calls.push({ ranges, kind: hints.kind, priority: hints.priority, signal: hints.signal instanceof AbortSignal });
      return engine.read(u, ranges, { kind: hints.kind, priority: hints.priority, signal: hints.signal });
    };
    const viaCallback = await LargeImage.open(u, { read });
    const direct = await LargeImage.open(u, { engine: new Engine() });
    const z = (await direct.metadata()).levels - 1;
    const a = await viaCallback.tile(z, 2, 1, { format: 'rgba', priority: 7 });
    assert.deepEqual(a, await direct.tile(z, 2, 1, { format: 'rgba' }));
    assert.deepEqual(calls[0], { ranges: [[0, 65536]], kind: 'header', priority: 0, signal: true });
    const data = calls.filter((c) => c.kind === 'data');
    assert.ok(data.length >= 1 && data.every((c) => c.priority === 7), JSON.stringify(calls));
    assert.deepEqual(viaCallback.stats().requests, calls.length);
    // The shared engine counts the images opened without an engine.
    const before = Engine.shared().stats().requests;
    const shared = await LargeImage.open(`${srv.url}/big.tif?shared`);
    assert.equal(Engine.shared().stats().requests, before + 1);
    for (const img of [viaCallback, direct, shared]) img.close();
  });

  test('concurrent reads of one range share one request; read() checks its arguments', async () => {
    const srv = await serve('range');
    const u = `${srv.url}/big.tif`;
    const engine = new Engine();
    const [a, b] = await Promise.all([engine.read(u, [[0, 16384]], { kind: 'header' }), engine.read(u, [[100, 200]])]);
    assert.deepEqual([a[0], b[0]], [slice(0, 16384), slice(100, 200)]);
    assert.equal(srv.log.length, 1);
    assert.deepEqual([engine.stats().shared + engine.stats().hits, engine.stats().cacheHeaderBytes], [1, 16384]);
    await assert.rejects(engine.read(u, [[10, 5]]), /ranges must be an array of \[start, end\] pairs/);
    await assert.rejects(engine.read(u, [[0, 1]], { priorty: 1 }), /read options: unknown field `priorty`.*`priority`/);
    await assert.rejects(new Engine({ concurency: 2 }).read(u, [[0, 1]]), /Engine options: unknown field `concurency`.*`concurrency`/);
  });
});

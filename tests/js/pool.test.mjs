// The worker pool (www/lib/pool.js, worker.js) under Node 20 (worker_threads): every view answers through
// the pool exactly what it answers without one; queued jobs run best priority first; a cancelled job
// never reaches the server; the workers read through one engine (the calling thread's when given, its
// limit, its cache, its cancellation; the default one in the pool's network worker, which when it dies
// is restarted, then given up for the calling thread's); one neighbourhood's tiles share a worker; dispose and broken workers end
// cleanly. The references are the same views run in this thread (themselves checked against GDAL in
// node-wasm.test.mjs) and the test server's request log.
//
// Run: node --test tests/js/pool.test.mjs   (needs www/pkg from scripts/build-wasm and gdal-bin).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { startServer } from '../../scripts/serve.mjs';
import { BMNG, makeSyntheticCog, missingPrerequisites, tempDir } from './helpers.mjs';

const missing = missingPrerequisites();

/** The promise's outcome: its value, or the error's name and message. */
async function outcome(promise) {
  try {
    return { value: await promise };
  } catch (err) {
    return { error: `${err.name}: ${err.message}` };
  }
}

describe('WorkerPool (www/lib/pool.js) in Node', () => {
  let LargeImage;
  let WorkerPool;
  let Engine;
  let dir;
  let srv;
  let url;

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ LargeImage, WorkerPool, Engine } = await import('../../www/lib/index.js'));
    dir = await tempDir();
    await makeSyntheticCog(dir);
    await fsp.copyFile(BMNG, path.join(dir, 'bmng.tif'));
    srv = await startServer({ root: dir });
    url = `${srv.url}/synthetic.tif`;
  });

  after(async () => {
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  test('every view answers through the pool what it answers without one', async (t) => {
    const pool = new WorkerPool({ size: 2 });
    const pooled = await LargeImage.open(url, { pool });
    const local = await LargeImage.open(url);
    try {
      assert.equal(pooled.pool, pool);
      assert.equal(local.pool, null);
      const progress = [];
      const views = [
        ['metadata', (i) => i.metadata()],
        ['metadata 3857', (i) => i.metadata({ projection: 'EPSG:3857' })],
        ['internalMetadata', (i) => i.internalMetadata()],
        ['tiffdump', (i) => i.tiffdump()],
        ['bands', (i) => i.bands()],
        ['band 2', (i) => i.band({ band: 2 })],
        ['frames', (i) => i.frames()],
        ['tilesMetadata', (i) => i.tilesMetadata({ projection: 'EPSG:4326' })],
        ['tileCorners', (i) => i.tileCorners(1, 0, 0)],
        ['tile png', (i) => i.tile(1, 0, 0)],
        ['tile 4326 rgba auto', (i) => i.tile(6, 34, 9, { projection: 'EPSG:4326', format: 'rgba', resampling: 'auto' })],
        ['tile titiler', (i) => i.tile(5, 16, 10, { projection: 'EPSG:3857', bidx: [3, 2, 1], rescale: [0, 200] })],
        ['thumbnail', (i) => i.thumbnail({ maxWidth: 128, format: 'jpeg' })],
        ['region tiff', (i) => i.region({ left: 11, top: 46, right: 12, bottom: 45 })],
        ['pixel', (i) => i.pixel({ left: 12.5, top: 45.5, units: 'EPSG:4326' })],
        ['pixel styled', (i) => i.pixel({ left: 12.5, top: 45.5, units: 'EPSG:4326', style: { band: 2, palette: 'viridis' } })],
        ['histogram', (i) => i.histogram({ bins: 8 })],
        ['histogram bands, progress', (i) => i.histogram({ kind: 'bands', band: 1, resolution: 'exact', onProgress: (d, n) => progress.push([i === pooled, d, n]) })],
        ['validate', (i) => i.validate({ fullCheck: true })],
        ['a bad option', (i) => i.tile(0, 0, 0, { stlye: {} })],
        ['a tile past the pyramid', (i) => i.tile(30, 0, 0)],
      ];
      for (const [name, view] of views) {
        const [a, b] = await Promise.all([outcome(view(pooled)), outcome(view(local))]);
        assert.deepEqual(a, b, `${name}: pooled and local answers differ`);
        const what = a.error ?? (ArrayBuffer.isView(a.value) ? `${a.value.length} bytes` : `${JSON.stringify(a.value).length} chars of JSON`);
        t.diagnostic(`${name}: ${what}`);
      }
      const pooledProgress = progress.filter(([p]) => p).map(([, d, n]) => [d, n]);
      const localProgress = progress.filter(([p]) => !p).map(([, d, n]) => [d, n]);
      assert.ok(pooledProgress.length > 0, 'onProgress is called through the pool');
      assert.deepEqual(pooledProgress, localProgress, 'the same progress calls');
      const s = pooled.stats();
      t.diagnostic(`pooled stats ${JSON.stringify(s)}, pool ${JSON.stringify(pool.stats())}`);
      assert.ok(s.requests >= 1 && s.bytes > 0, 'stats() sums the workers\' requests');
      pooled.close();
      await assert.rejects(pooled.metadata(), /the image was closed/);
      assert.equal(pool.stats().openImages, 0, 'closed in every worker');
    } finally {
      local.close();
      pool.dispose();
    }
  });

  test('a ZSTD and a LERC COG open in the workers, which load the codec module (pkg/codecs.wasm) and, for a named colormap, the style tables themselves: tiles as without a pool', async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      for (const compress of ['ZSTD', 'LERC_DEFLATE']) {
        const name = `codec-${compress.toLowerCase()}.tif`;
        await makeSyntheticCog(dir, { name, compress });
        const pooled = await LargeImage.open(`${srv.url}/${name}`, { pool });
        const local = await LargeImage.open(`${srv.url}/${name}`);
        try {
          for (const [z, x, y] of [[2, 1, 1], [1, 0, 0]]) {
            const [a, b] = await Promise.all([pooled, local].map((i) => i.tile(z, x, y, { format: 'rgba' })));
            assert.ok(Buffer.from(a).equals(Buffer.from(b)), `${compress} tile ${z}/${x}/${y}`);
          }
          // The workers' first styled tile: a colormap by name, whose tables (pkg/colormaps.bin) they load then.
          const styled = { format: 'rgba', bidx: 1, rescale: '0,255', colormapName: 'viridis' };
          const [a, b] = await Promise.all([pooled, local].map((i) => i.tile(2, 1, 1, styled)));
          assert.ok(Buffer.from(a).equals(Buffer.from(b)), `${compress} tile 2/1/1 with colormapName viridis`);
        } finally {
          pooled.close();
          local.close();
        }
      }
    } finally {
      pool.dispose();
    }
  });

  test('queued jobs run lowest priority first; a priority function is asked at dispatch', async () => {
    const pool = new WorkerPool({ size: 1, jobsPerWorker: 1 });
    try {
      const img = await LargeImage.open(url, { pool });
      const order = [];
      const job = (name, priority) => img.tile(2, 2, 1, { projection: 'EPSG:4326', priority }).then(() => order.push(name));
      // The first job takes the only slot; the others queue while it runs.
      const first = job('first', 100);
      let late = 10;
      const rest = [job('p5', 5), job('p1', 1), job('fn', () => late), job('p2', 2), job('p3', 3)];
      late = 0; // moved to the front before any of them is dispatched
      await Promise.all([first, ...rest]);
      assert.deepEqual(order, ['first', 'fn', 'p1', 'p2', 'p3', 'p5']);
    } finally {
      pool.dispose();
    }
  });

  test('an aborted job rejects at once and its reads never reach the server', async () => {
    const pool = new WorkerPool({ size: 1, jobsPerWorker: 1 });
    try {
      const img = await LargeImage.open(`${srv.url}/bmng.tif`, { pool });
      await img.metadata();
      const logStart = srv.log.length;
      // A holds the worker; B waits with the best priority, so it would run next; C runs after it.
      const a = img.tile(2, 3, 1, { projection: 'EPSG:4326', format: 'rgba', priority: 1 });
      const controller = new AbortController();
      const b = img.tile(3, 1, 5, { projection: 'EPSG:4326', format: 'rgba', priority: 0, signal: controller.signal });
      const c = img.metadata({ priority: 10 });
      controller.abort();
      const err = await b.then(() => null, (e) => e);
      assert.equal(err?.name, 'AbortError', `B rejects with an AbortError: ${err}`);
      await Promise.all([a, c]);
      const afterAbort = srv.log.slice(logStart).map((e) => e.range);
      // The same tile asked again (not aborted) does reach the server: B's reads would have shown.
      await img.tile(3, 1, 5, { projection: 'EPSG:4326', format: 'rgba' });
      const bRanges = srv.log.slice(logStart + afterAbort.length).map((e) => e.range);
      assert.ok(bRanges.length > 0, 'tile B needs requests of its own');
      for (const r of bRanges) assert.ok(!afterAbort.includes(r), `B's range ${r} was requested before it was asked again`);
      assert.equal(pool.stats().cancelled, 1);
      await assert.rejects(img.tile(0, 0, 0, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    } finally {
      pool.dispose();
    }
  });

  test("workers fetch nothing themselves: the calling thread's one engine makes every request (one limit, one cache) and hears their cancellations", async (t) => {
    const engine = new Engine({ concurrency: 2 });
    const poolA = new WorkerPool({ size: 2 });
    const poolB = new WorkerPool({ size: 1 });
    const bm = `${srv.url}/bmng.tif`;
    const ofBmng = (from) => srv.log.slice(from).filter((e) => e.path === '/bmng.tif');
    /** Bounded: `cond()` within 20 s. */
    const until = async (cond, what) => {
      for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(cond(), `within 20 s: ${what}`);
    };
    try {
      const mark = srv.log.length;
      const a = await LargeImage.open(bm, { pool: poolA, engine });
      const tiles = [[2, 0, 0], [2, 1, 0], [2, 2, 1], [2, 3, 1], [3, 4, 1], [3, 5, 2]];
      const tile = (img, [z, x, y], o = {}) => img.tile(z, x, y, { projection: 'EPSG:4326', format: 'rgba', ...o });
      const first = await Promise.all(tiles.map((k) => tile(a, k)));
      const sent = ofBmng(mark);
      const s1 = engine.stats();
      t.diagnostic(`pool A (2 workers): ${sent.length} requests; engine ${JSON.stringify(s1)}`);
      assert.ok(sent.length >= 2, 'the tiles needed requests');
      assert.equal(s1.requests, sent.length, "every request the server saw was the engine's");
      assert.ok(s1.peakActive <= 2, `the engine's limit of 2 held for both workers (peak ${s1.peakActive})`);
      assert.ok(poolA.stats().workers === 2, 'both workers ran');

      // Other workers, the same engine: every byte from its cache, the same pixels.
      const b = await LargeImage.open(bm, { pool: poolB, engine });
      const again = await Promise.all(tiles.map((k) => tile(b, k)));
      assert.equal(ofBmng(mark).length, sent.length, "no new request: the engine's cache answered the other pool");
      for (const [k, px] of again.entries()) assert.ok(Buffer.from(px).equals(Buffer.from(first[k])), `tile ${tiles[k]} equal`);
      assert.ok(engine.stats().hits > s1.hits, 'cache hits counted');

      // A running tile cancelled on a slow server: the job's abort reaches its worker's core, whose
      // read's abort reaches the engine, which drops or aborts the fetch.
      srv.setMode('slow', 3000);
      const c = new AbortController();
      const before = engine.stats();
      const p = tile(b, [4, 20, 5], { signal: c.signal });
      await until(() => engine.stats().active + engine.stats().queued > 0, 'the worker asked the engine for the tile');
      c.abort();
      await assert.rejects(p, { name: 'AbortError' });
      await until(() => {
        const s = engine.stats();
        return s.aborted + s.cancelled > before.aborted + before.cancelled && s.active === 0 && s.queued === 0;
      }, "the engine dropped the cancelled tile's fetch");
      t.diagnostic(`after the cancel: engine ${JSON.stringify(engine.stats())}`);
    } finally {
      srv.setMode('range');
      poolA.dispose();
      poolB.dispose();
    }
  });

  test("a failed read says through the pool what it says without one: the server's status, the URL and the byte range", async (t) => {
    const pool = new WorkerPool({ size: 1 });
    // Separate engines, no retries of a 404: each tile's first read fails at the server.
    const pooled = await LargeImage.open(url, { pool, engine: new Engine() });
    const local = await LargeImage.open(url, { engine: new Engine() });
    try {
      const failed = async (img, x) => {
        srv.failNext(1, { status: 404, path: '/synthetic.tif' });
        try {
          await img.tile(0, x, 0, { format: 'rgba' });
        } catch (err) {
          return err;
        }
        assert.fail('the tile failed');
      };
      const a = await failed(pooled, 0);
      const b = await failed(local, 0);
      t.diagnostic(`through the pool: ${a.message}`);
      assert.equal(a.message, b.message, 'the same words');
      assert.match(a.message, /HTTP 404/);
      assert.ok(a.message.includes(url), 'names the URL');
      assert.match(a.message, /bytes \d+-\d+/, 'names the byte range');
      assert.ok(!/fetch failed: fetch failed/.test(a.message), 'not wrapped twice');
      for (const k of ['kind', 'status', 'url', 'range', 'reason']) assert.deepEqual(a[k], b[k], `field ${k}`);
      assert.equal(a.status, 404);
    } finally {
      pooled.close();
      local.close();
      pool.dispose();
    }
  });

  test('neighbouring tiles go to one worker; a busy one passes them on', async () => {
    const pool = new WorkerPool({ size: 2, jobsPerWorker: 1 });
    try {
      const img = await LargeImage.open(url, { pool });
      // One at a time: every tile can go to its neighbourhood's worker.
      for (const [x, y] of [[68, 18], [69, 18], [68, 19], [69, 19]]) {
        await img.tile(7, x, y, { projection: 'EPSG:4326', format: 'rgba' });
      }
      assert.equal(pool.stats().affinityHits, 4);
      // Eight at once: two workers, one slot each: most find their worker busy and go to the other.
      await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((k) => img.tile(7, 68 + (k % 2), 18 + (k >> 1), { projection: 'EPSG:4326' })));
      const s = pool.stats();
      assert.ok(s.affinityMisses > 0 && s.affinityHits + s.affinityMisses === 12, JSON.stringify(s));
    } finally {
      pool.dispose();
    }
  });

  test('dispose terminates the workers; later calls and calls in flight reject', async () => {
    const pool = new WorkerPool({ size: 2 });
    const img = await LargeImage.open(url, { pool });
    assert.equal(pool.stats().workers, 1, 'workers start on their first job');
    const inFlight = img.tile(3, 8, 2, { projection: 'EPSG:4326' });
    pool.dispose();
    await assert.rejects(inFlight, /the pool was disposed/);
    await assert.rejects(img.metadata(), /the pool was disposed/);
    assert.deepEqual(
      [pool.stats().workers, pool.stats().running, pool.stats().queued, pool.disposed],
      [0, 0, 0, true],
    );
    await assert.rejects(LargeImage.open(url, { pool }), /the pool was disposed/);
    // The shared pool is made again after its disposal.
    const shared = WorkerPool.shared();
    assert.equal(WorkerPool.shared(), shared);
    shared.dispose();
    assert.notEqual(WorkerPool.shared(), shared);
    WorkerPool.shared().dispose();
  });

  test("the default engine's reads go through the network worker, not this thread; one that dies is started again, and after 3 deaths the workers read through this thread", async (t) => {
    const pool = new WorkerPool({ size: 1 });
    try {
      const before = Engine.shared().stats().requests;
      const mark = srv.log.length;
      const img = await LargeImage.open(url, { pool });
      const meta = await img.metadata();
      await img.tile(0, 0, 0, { format: 'png' });
      const net = await pool.networkStats();
      const sent = srv.log.slice(mark).length;
      t.diagnostic(`${sent} requests at the server; network worker ${JSON.stringify(net)}`);
      assert.ok(sent >= 1);
      assert.equal(net.requests, sent, "every request was the network worker's engine's");
      assert.equal(Engine.shared().stats().requests, before, "this thread's engine made none");
      img.close();

      // A network worker that dies on its first read (its module exits the thread).
      const dying = path.join(dir, 'dying-net-worker.mjs');
      await fsp.writeFile(dying, [
        "import { parentPort } from 'node:worker_threads';",
        "parentPort.on('message', (m) => { if (m?.type === 'port') m.port.on('message', () => process.exit(7)); });",
        '',
      ].join('\n'));
      const fragile = new WorkerPool({ size: 1, networkUrl: pathToFileURL(dying) });
      try {
        const errors = [];
        for (let i = 0; i < 3; i++) errors.push((await outcome(LargeImage.open(url, { pool: fragile }))).error);
        t.diagnostic(errors[0]);
        for (const e of errors) assert.match(e, /the network worker stopped: .*code 7/);
        // Three deaths: the pool reads through this thread's engine now, and the image opens.
        // (Earlier tests read the file here: its bytes may come from this engine's cache.)
        const used = () => {
          const s = Engine.shared().stats();
          return s.requests + s.hits + s.shared;
        };
        const mark2 = used();
        const again = await LargeImage.open(url, { pool: fragile });
        assert.deepEqual(await again.metadata(), meta, 'the same image through the fallback');
        assert.ok(used() > mark2, "this thread's engine read it");
        assert.equal(fragile.stats().restarted, 0, 'the pool workers themselves never died');
      } finally {
        fragile.dispose();
      }
    } finally {
      pool.dispose();
    }
  });

  test('a worker that cannot start fails its jobs with the reason, and the pool stops trying', async () => {
    const bad = path.join(dir, 'bad-worker.mjs');
    await fsp.writeFile(bad, "throw new Error('this worker cannot start');\n");
    const pool = new WorkerPool({ size: 1, workerUrl: pathToFileURL(bad) });
    try {
      const errors = [];
      for (let i = 0; i < 4; i++) errors.push((await outcome(LargeImage.open(url, { pool }))).error);
      assert.match(errors[0], /worker 0 stopped: .*this worker cannot start/);
      assert.match(errors[3], /3 workers in a row failed to start: .*this worker cannot start/);
      assert.equal(pool.stats().restarted, 3, 'no endless restarts');
    } finally {
      pool.dispose();
    }
    assert.throws(() => new WorkerPool({ size: 0 }), /size must be a whole number ≥ 1/);
    assert.throws(() => new WorkerPool({ sise: 2 }), /unknown option sise/);
  });
});

// Tests of scripts/serve.mjs over real HTTP on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, parseRange } from '../../scripts/serve.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir;
let root;
let mountDir;
const data = Buffer.alloc(10000);
for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-test-'));
  root = path.join(dir, 'root');
  mountDir = path.join(dir, 'mounted');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(mountDir);
  fs.writeFileSync(path.join(root, 'a.tif'), data);
  fs.writeFileSync(path.join(root, 'empty.bin'), Buffer.alloc(0));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>x</title>');
  fs.writeFileSync(path.join(root, 'sub', 'index.html'), 'sub index');
  fs.writeFileSync(path.join(root, 'm.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(root, 'x.mjs'), 'export {}');
  fs.writeFileSync(path.join(root, 'y.js'), 'export {}');
  fs.writeFileSync(path.join(mountDir, 'Cesium.js'), 'var Cesium = {};');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Raw request (the path is sent as is, without URL normalisation). */
function request(url, { method = 'GET', path: p = '/', headers = {} } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer(opts, fn) {
  const srv = await startServer({ root, ...opts });
  try {
    await fn(srv);
  } finally {
    await srv.close();
  }
}

test('parseRange', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { start: 0, end: 999 });
  assert.deepEqual(parseRange('bytes=990-5000', 1000), { start: 990, end: 999 });
  assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-0', 0), 'unsatisfiable');
  assert.equal(parseRange('bytes=5-2', 1000), null);
  assert.equal(parseRange('bytes=0-1,5-6', 1000), null);
  assert.equal(parseRange('items=0-1', 1000), null);
  assert.equal(parseRange(undefined, 1000), null);
});

test('binds to 127.0.0.1 and serves whole files with headers', async () => {
  await withServer({}, async (srv) => {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(srv.server.address().address, '127.0.0.1');
    const r = await request(srv.url, { path: '/a.tif' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, data);
    assert.equal(r.headers['content-type'], 'image/tiff');
    assert.equal(r.headers['content-length'], String(data.length));
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.match(r.headers.etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.match(r.headers['access-control-expose-headers'], /Content-Range/);
    assert.match(r.headers['access-control-expose-headers'], /Content-Length/);
    assert.match(r.headers['access-control-expose-headers'], /ETag/);
    assert.match(r.headers['access-control-expose-headers'], /Accept-Ranges/);
  });
});

test('MIME types', async () => {
  await withServer({}, async (srv) => {
    const types = {
      '/m.wasm': 'application/wasm',
      '/x.mjs': 'text/javascript; charset=utf-8',
      '/y.js': 'text/javascript; charset=utf-8',
      '/index.html': 'text/html; charset=utf-8',
      '/empty.bin': 'application/octet-stream',
    };
    for (const [p, type] of Object.entries(types)) {
      const r = await request(srv.url, { path: p });
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['content-type'], type, p);
    }
  });
});

test('byte ranges: a-b, a-, -n, clamped end', async () => {
  await withServer({}, async (srv) => {
    const cases = [
      ['bytes=0-1023', 0, 1023],
      ['bytes=100-199', 100, 199],
      ['bytes=9000-', 9000, 9999],
      ['bytes=-500', 9500, 9999],
      ['bytes=9990-20000', 9990, 9999],
      ['bytes=-20000', 0, 9999],
      ['bytes=5-5', 5, 5],
    ];
    for (const [range, start, end] of cases) {
      const r = await request(srv.url, { path: '/a.tif', headers: { Range: range } });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${data.length}`, range);
      assert.equal(r.headers['content-length'], String(end - start + 1), range);
      assert.deepEqual(r.body, data.subarray(start, end + 1), range);
    }
  });
});

test('416 for unsatisfiable ranges; bad or multiple ranges give 200', async () => {
  await withServer({}, async (srv) => {
    for (const range of ['bytes=10000-', 'bytes=20000-30000', 'bytes=-0']) {
      const r = await request(srv.url, { path: '/a.tif', headers: { Range: range } });
      assert.equal(r.status, 416, range);
      assert.equal(r.headers['content-range'], `bytes */${data.length}`, range);
      assert.equal(r.body.length, 0);
    }
    const e = await request(srv.url, { path: '/empty.bin', headers: { Range: 'bytes=0-10' } });
    assert.equal(e.status, 416);
    assert.equal(e.headers['content-range'], 'bytes */0');
    for (const range of ['bytes=0-1,4-5', 'bytes=9-3', 'lines=1-2']) {
      const r = await request(srv.url, { path: '/a.tif', headers: { Range: range } });
      assert.equal(r.status, 200, range);
      assert.equal(r.body.length, data.length, range);
    }
  });
});

test('HEAD, If-Range, If-None-Match', async () => {
  await withServer({}, async (srv) => {
    const h = await request(srv.url, { method: 'HEAD', path: '/a.tif' });
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-length'], String(data.length));
    assert.equal(h.body.length, 0);
    const hr = await request(srv.url, { method: 'HEAD', path: '/a.tif', headers: { Range: 'bytes=0-9' } });
    assert.equal(hr.status, 206);
    assert.equal(hr.headers['content-range'], `bytes 0-9/${data.length}`);
    assert.equal(hr.body.length, 0);

    const etag = h.headers.etag;
    const ok = await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-9', 'If-Range': etag } });
    assert.equal(ok.status, 206);
    const stale = await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-9', 'If-Range': '"other"' } });
    assert.equal(stale.status, 200);
    assert.equal(stale.body.length, data.length);
    const nm = await request(srv.url, { path: '/a.tif', headers: { 'If-None-Match': etag } });
    assert.equal(nm.status, 304);
    assert.equal(nm.body.length, 0);
  });
});

test('OPTIONS preflight and other methods', async () => {
  await withServer({}, async (srv) => {
    const r = await request(srv.url, {
      method: 'OPTIONS',
      path: '/a.tif',
      headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.match(r.headers['access-control-allow-headers'], /\bRange\b/);
    assert.match(r.headers['access-control-allow-methods'], /GET/);
    const p = await request(srv.url, { method: 'POST', path: '/a.tif' });
    assert.equal(p.status, 405);
  });
});

test('directories, index.html, 404', async () => {
  await withServer({}, async (srv) => {
    const i = await request(srv.url, { path: '/' });
    assert.equal(i.status, 200);
    assert.match(i.body.toString(), /<title>x/);
    const redirect = await request(srv.url, { path: '/sub?x=1' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, '/sub/?x=1');
    const s = await request(srv.url, { path: '/sub/' });
    assert.equal(s.body.toString(), 'sub index');
    const q = await request(srv.url, { path: '/a.tif?v=2', headers: { Range: 'bytes=0-3' } });
    assert.equal(q.status, 206);
    assert.equal((await request(srv.url, { path: '/nope.tif' })).status, 404);
    assert.equal((await request(srv.url, { path: '/a%20b' })).status, 404);
    assert.equal((await request(srv.url, { path: '/%E0%A4%A' })).status, 400);
  });
});

test('path traversal is refused', async () => {
  await withServer({ mounts: { '/vendor/m/': mountDir } }, async (srv) => {
    const attempts = [
      '/../secret.txt',
      '/sub/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/sub/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/vendor/m/../../secret.txt',
      '/vendor/m/..%2f..%2fsecret.txt',
      '/a.tif%00.html',
    ];
    for (const p of attempts) {
      const r = await request(srv.url, { path: p });
      assert.ok([400, 403, 404].includes(r.status), `${p} -> ${r.status}`);
      assert.notEqual(r.body.toString(), 'secret', p);
    }
  });
});

test('mounts map URL prefixes to folders', async () => {
  await withServer({ mounts: { '/vendor/m/': mountDir, other: root } }, async (srv) => {
    const r = await request(srv.url, { path: '/vendor/m/Cesium.js' });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'var Cesium = {};');
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    const r2 = await request(srv.url, { path: '/other/a.tif', headers: { Range: 'bytes=-4' } });
    assert.equal(r2.status, 206);
    assert.deepEqual(r2.body, data.subarray(data.length - 4));
    assert.equal((await request(srv.url, { path: '/vendor/m' })).status, 301);
    assert.equal((await request(srv.url, { path: '/vendor/Cesium.js' })).status, 404);
  });
});

test("mode 'norange' ignores Range", async () => {
  await withServer({ mode: 'norange' }, async (srv) => {
    const r = await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-9' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-range'], undefined);
    assert.equal(r.headers['accept-ranges'], 'none');
    assert.deepEqual(r.body, data);
    assert.deepEqual(srv.log.map((e) => [e.status, e.bytes, e.range]), [[200, data.length, 'bytes=0-9']]);
  });
});

test("mode 'fail' answers 500 with CORS headers", async () => {
  await withServer({ mode: 'fail' }, async (srv) => {
    for (const p of ['/a.tif', '/nope', '/']) {
      const r = await request(srv.url, { path: p, headers: { Range: 'bytes=0-9' } });
      assert.equal(r.status, 500, p);
      assert.equal(r.headers['access-control-allow-origin'], '*');
    }
    assert.equal(srv.log.length, 3);
    assert.ok(srv.log.every((e) => e.status === 500));
  });
});

test("mode 'slow' waits delayMs; setMode switches modes", async () => {
  await withServer({ mode: 'slow', delayMs: 150 }, async (srv) => {
    const t0 = performance.now();
    const r = await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-9' } });
    const took = performance.now() - t0;
    assert.equal(r.status, 206);
    assert.ok(took >= 140, `took ${took} ms`);
    srv.setMode('range');
    const t1 = performance.now();
    await request(srv.url, { path: '/a.tif' });
    assert.ok(performance.now() - t1 < 140);
    srv.setMode('fail');
    assert.equal((await request(srv.url, { path: '/a.tif' })).status, 500);
    assert.throws(() => srv.setMode('bogus'));
  });
});

test('failNext answers the next requests of a path with a status, then serves again', async () => {
  await withServer({}, async (srv) => {
    srv.failNext(2, { status: 404, path: '/a.tif' });
    assert.equal((await request(srv.url, { path: '/y.js' })).status, 200, 'other paths are served');
    assert.equal((await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-9' } })).status, 404);
    assert.equal((await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-9' } })).status, 404);
    assert.equal((await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-9' } })).status, 206);
    srv.failNext(1, { status: 503 });
    assert.equal((await request(srv.url, { path: '/y.js' })).status, 503);
    assert.equal((await request(srv.url, { path: '/y.js' })).status, 200);
  });
});

test('the log marks a request the client gave up on as aborted', async () => {
  await withServer({ mode: 'slow', delayMs: 300 }, async (srv) => {
    const controller = new AbortController();
    const gone = fetch(`${srv.url}/a.tif`, { signal: controller.signal }).catch((e) => e.name);
    // Bounded: the request reaches the server (its socket is open) within a few seconds.
    const open = () => new Promise((r) => srv.server.getConnections((_, n) => r(n)));
    for (let i = 0; i < 100 && (await open()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await open(), 1, 'the request is at the server');
    controller.abort();
    assert.equal(await gone, 'AbortError');
    for (let i = 0; i < 100 && srv.log.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    srv.setMode('range');
    await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-9' } });
    assert.deepEqual(srv.log.map((e) => e.aborted ?? false), [true, false]);
  });
});

test('log counts requests and bytes', async () => {
  await withServer({}, async (srv) => {
    await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-1023' } });
    await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=-100' } });
    await request(srv.url, { method: 'HEAD', path: '/a.tif' });
    await request(srv.url, { path: '/a.tif' });
    await request(srv.url, { path: '/missing' });
    await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=99999-' } });
    assert.deepEqual(
      srv.log.map(({ method, path: p, range, status, bytes }) => ({ method, path: p, range, status, bytes })),
      [
        { method: 'GET', path: '/a.tif', range: 'bytes=0-1023', status: 206, bytes: 1024 },
        { method: 'GET', path: '/a.tif', range: 'bytes=-100', status: 206, bytes: 100 },
        { method: 'HEAD', path: '/a.tif', range: null, status: 200, bytes: 0 },
        { method: 'GET', path: '/a.tif', range: null, status: 200, bytes: data.length },
        { method: 'GET', path: '/missing', range: null, status: 404, bytes: 10 },
        { method: 'GET', path: '/a.tif', range: 'bytes=99999-', status: 416, bytes: 0 },
      ],
    );
    const ranged = srv.log.filter((e) => e.status === 206);
    assert.equal(ranged.reduce((n, e) => n + e.bytes, 0), 1124);
    srv.log.length = 0;
    await request(srv.url, { path: '/a.tif', headers: { Range: 'bytes=0-0' } });
    assert.equal(srv.log.length, 1);
  });
});

test('fetch() sees ranges and exposed headers', async () => {
  await withServer({}, async (srv) => {
    const r = await fetch(`${srv.url}/a.tif`, { headers: { Range: 'bytes=10-19' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), `bytes 10-19/${data.length}`);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), data.subarray(10, 20));
  });
});

test('close() ends keep-alive connections', async () => {
  const srv = await startServer({ root });
  const agent = new http.Agent({ keepAlive: true });
  await new Promise((resolve, reject) => {
    http.get(`${srv.url}/a.tif`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  const t0 = performance.now();
  await srv.close();
  assert.ok(performance.now() - t0 < 1000);
  agent.destroy();
});

test('CLI serves www/ with /vendor/cesium/ mounted and prints the demo URL', async () => {
  const probe = await startServer({ root });
  const port = probe.port; // a free port, released again just below
  await probe.close();
  const child = spawn(process.execPath, [path.join(repo, 'scripts', 'serve.mjs'), '--port', String(port), '--root', root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const out = await new Promise((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`no demo URL printed: ${text}`)), 10000);
      child.stdout.on('data', (c) => {
        text += c;
        if (/demo: http:\/\/127\.0\.0\.1:\d+\//.test(text)) {
          clearTimeout(timer);
          resolve(text);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${text}`)));
    });
    assert.match(out, new RegExp(`demo: http://127\\.0\\.0\\.1:${port}/`));
    const r = await request(`http://127.0.0.1:${port}`, { path: '/a.tif', headers: { Range: 'bytes=0-3' } });
    assert.equal(r.status, 206);
    const cesium = path.join(repo, 'node_modules', 'cesium', 'Build', 'Cesium', 'Cesium.js');
    if (fs.existsSync(cesium)) {
      const c = await request(`http://127.0.0.1:${port}`, { method: 'HEAD', path: '/vendor/cesium/Cesium.js' });
      assert.equal(c.status, 200);
      assert.equal(c.headers['content-length'], String(fs.statSync(cesium).size));
    }
  } finally {
    child.kill('SIGTERM');
  }
});

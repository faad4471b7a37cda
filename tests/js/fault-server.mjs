// A small HTTP server on 127.0.0.1 that serves one file with range requests and misbehaves on demand,
// for the fetch engine's tests. Every request is logged with what the server actually wrote of its body
// to the socket (counted as each write is flushed, until the connection closed).
//
//   const srv = await startFaultServer({ file, mode, ... });   srv.url, srv.log, srv.setMode(m), srv.close()
//
// Modes:
//   'range'      a normal range server (206 + Content-Range, ETag)
//   'norange'    ignores Range: 200 with the whole file, written in 16 KiB chunks every 5 ms
//   'fail-twice' the first two requests answer 500, then 'range'
//   'retry-after' the first request answers 429 with Retry-After: 1, then 'range'
//   'drop'       the first request sends half its body and destroys the connection, then 'range'
//   'cut'        every 206 holds half the bytes its Content-Range claims (a file cut short in transit)
//   's3-403'     403 with S3's AccessDenied XML
//   'silent'     accepts the connection, never answers
//   'slow'       'range', each answer after `delayMs`
// `swap(file)` serves another file (new ETag) from then on.

import http from 'node:http';
import fs from 'node:fs';
import { parseRange } from '../../scripts/serve.mjs';

const S3_DENIED = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startFaultServer({ file, mode = 'range', delayMs = 300 }) {
  const state = { mode, file, data: fs.readFileSync(file), etag: '"v1"', served: 0 };
  const log = [];
  const sockets = new Set();

  /** Writes `body` in 16 KiB chunks (paced by `pace` ms), counting what was flushed; stops when the client goes. */
  async function writeCounted(req, res, entry, body, pace = 0) {
    let closed = false;
    res.on('close', () => { closed = true; });
    for (let at = 0; at < body.length && !closed; at += 16384) {
      const chunk = body.subarray(at, Math.min(body.length, at + 16384));
      await new Promise((resolve) => res.write(chunk, (err) => {
        if (!err) entry.written += chunk.length;
        resolve();
      }));
      if (pace) await sleep(pace);
    }
    if (!closed) res.end();
    entry.done = true;
  }

  const server = http.createServer(async (req, res) => {
    const n = state.served++;
    const entry = { n, range: req.headers.range ?? null, status: 0, written: 0, done: false, at: Date.now(), headers: req.headers };
    log.push(entry);
    const size = state.data.length;
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Content-Range, ETag' };
    const m = state.mode;
    if (m === 'silent') return; // never answers
    if (m === 'slow') await sleep(delayMs);
    if ((m === 'fail-twice' && n < 2)) {
      entry.status = 500;
      res.writeHead(500, { ...cors, 'Content-Type': 'text/plain' }).end('Internal Server Error\n');
      return;
    }
    if (m === 'retry-after' && n === 0) {
      entry.status = 429;
      res.writeHead(429, { ...cors, 'Retry-After': '1', 'Content-Type': 'text/plain' }).end('Slow down\n');
      return;
    }
    if (m === 's3-403') {
      entry.status = 403;
      res.writeHead(403, { ...cors, 'Content-Type': 'application/xml' }).end(S3_DENIED);
      return;
    }
    const headers = { ...cors, 'Content-Type': 'image/tiff', ETag: state.etag, 'Accept-Ranges': 'bytes' };
    if (m === 'norange') {
      entry.status = 200;
      res.writeHead(200, { ...headers, 'Content-Length': size, 'Accept-Ranges': 'none', Connection: 'close' });
      await writeCounted(req, res, entry, state.data, 5);
      return;
    }
    const r = parseRange(req.headers.range, size);
    if (r === 'unsatisfiable') {
      entry.status = 416;
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 }).end();
      return;
    }
    const { start, end } = r ?? { start: 0, end: size - 1 };
    let body = state.data.subarray(start, end + 1);
    entry.status = r ? 206 : 200;
    const head = { ...headers, 'Content-Length': body.length };
    if (r) head['Content-Range'] = `bytes ${start}-${end}/${size}`;
    if (m === 'cut') {
      body = body.subarray(0, Math.floor(body.length / 2));
      head['Content-Length'] = body.length;
    }
    res.writeHead(entry.status, head);
    if (m === 'drop' && n === 0) {
      const half = body.subarray(0, Math.floor(body.length / 2));
      res.write(half, () => { entry.written += half.length; res.destroy(); });
      return;
    }
    await writeCounted(req, res, entry, body);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    log,
    setMode(m) { state.mode = m; state.served = 0; },
    swap(file, etag = '"v2"') { state.data = fs.readFileSync(file); state.etag = etag; },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// A plain static host for tests of the built demo: files from one folder, GET/HEAD, single byte ranges
// (as any bucket honours them), no mounts, no extras. `cors: true` adds the headers a bucket's CORS rule
// sends (for a second "bucket" the page reads across origins). `log` records every request.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

import { mimeType, parseRange } from '../../scripts/serve.mjs';

export async function startStaticHost(root, { cors = false } = {}) {
  const log = [];
  const base = path.resolve(root);
  const corsHeaders = cors ? { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag' } : {};
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const entry = { method: req.method, path: urlPath, range: req.headers.range ?? null, status: 0 };
    log.push(entry);
    const end = (status, headers = {}, body) => {
      entry.status = status;
      res.writeHead(status, { ...corsHeaders, ...headers });
      res.end(body);
    };
    if (req.method === 'OPTIONS' && cors) return end(204, { 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': 'Range' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return end(405);
    let file = path.join(base, urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath);
    if (path.relative(base, file).startsWith('..')) return end(403);
    let stat;
    try {
      stat = fs.statSync(file);
      if (stat.isDirectory()) {
        file = path.join(file, 'index.html');
        stat = fs.statSync(file);
      }
    } catch {
      return end(404, { 'Content-Type': 'text/plain' }, 'Not Found\n');
    }
    const headers = { 'Content-Type': mimeType(file), 'Accept-Ranges': 'bytes', ETag: `"${stat.size}-${Math.floor(stat.mtimeMs)}"` };
    const range = parseRange(req.headers.range, stat.size);
    if (range === 'unsatisfiable') return end(416, { 'Content-Range': `bytes */${stat.size}` });
    const { start, end: last } = range ?? { start: 0, end: stat.size - 1 };
    const status = range ? 206 : 200;
    entry.status = status;
    res.writeHead(status, {
      ...corsHeaders,
      ...headers,
      'Content-Length': last - start + 1,
      ...(range ? { 'Content-Range': `bytes ${start}-${last}/${stat.size}` } : {}),
    });
    if (req.method === 'HEAD' || stat.size === 0) return res.end();
    fs.createReadStream(file, { start, end: last }).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    log,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(resolve);
    }),
  };
}

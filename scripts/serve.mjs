#!/usr/bin/env node
// Static file server with HTTP Range support, for the demo and for tests. No dependencies (Node >= 20).
//
// As a module:
//   const srv = await startServer({ root, port: 0, mode: 'range', mounts: { '/vendor/x/': dir }, delayMs: 0 });
//   (`credentials: true`: CORS for credentialed requests, the caller's Origin named instead of `*`)
//   srv.url   -> 'http://127.0.0.1:PORT' (no trailing slash)
//   srv.log   -> [{ method, path, range, status, bytes, headers, at, aborted? }], one entry per request (`at`:
//                Date.now() when it arrived), pushed when the response head is written (so it is there before
//                the client sees the body). `bytes` is the body length sent (0 for HEAD, 304, OPTIONS);
//                `aborted` is set when the client closed the connection before the whole answer was sent.
//                Clear with `srv.log.length = 0`.
//   srv.setMode(mode, delayMs?)  changes the mode of a running server
//   srv.failNext(count, { status = 404, path })  the next `count` GET/HEAD requests (of `path` only, when
//                given) answer `status` instead, then the server serves again (a file missing for a while)
//   await srv.close()
// Modes: 'range' (normal), 'norange' (ignores Range, always 200 with the whole file, Accept-Ranges: none),
//        'fail' (GET/HEAD answer 500, with CORS headers so a page can read the status; OPTIONS still 204),
//        'slow' (normal, each answer waits delayMs first; 1000 ms when delayMs is 0).
//
// As a CLI:  node scripts/serve.mjs [--port 8080] [--root www] [--mode range] [--delay 0]
// serves www/ on http://127.0.0.1:8080 with /vendor/… mounted on the npm packages (vendorMounts).

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json',
  '.czml': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.ktx2': 'image/ktx2',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.b3dm': 'application/octet-stream',
  '.pbf': 'application/x-protobuf',
  '.terrain': 'application/vnd.quantized-mesh',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.bin': 'application/octet-stream',
};

/**
 * The browser libraries the demo, the map examples, the API page and django-large-image's own viewer
 * pages load, served from their (pinned) npm packages under /vendor/: this machine reaches no CDN.
 * `repo` is the checkout holding node_modules.
 */
export function vendorMounts(repo) {
  const nm = (...p) => path.join(repo, 'node_modules', ...p);
  return {
    '/vendor/cesium/': nm('cesium', 'Build', 'Cesium'),
    '/vendor/uplot/': nm('uplot', 'dist'),
    '/vendor/cesium-1.87.1/': nm('cesium-1.87.1', 'Build', 'Cesium'),
    '/vendor/leaflet/': nm('leaflet', 'dist'),
    '/vendor/ol/': nm('ol'),
    '/vendor/maplibre-gl/': nm('maplibre-gl', 'dist'),
    '/vendor/swagger-ui/': nm('swagger-ui-dist'),
    '/vendor/alpinejs/': nm('alpinejs', 'dist'),
    '/vendor/tailwindcss-browser/': nm('@tailwindcss', 'browser', 'dist'),
    '/vendor/daisyui/': nm('daisyui', 'dist'),
    '/vendor/remixicon/': nm('remixicon', 'fonts'),
  };
}

const MODES = new Set(['range', 'norange', 'fail', 'slow']);

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag, Accept-Ranges, Last-Modified',
  'Timing-Allow-Origin': '*',
};

const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Range, If-Range, If-None-Match, If-Modified-Since, Cache-Control',
  'Access-Control-Max-Age': '600',
};

export function mimeType(file) {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Parses a Range header against a file size.
 * Returns null (no usable range: serve the whole file), 'unsatisfiable', or { start, end } (inclusive).
 * Only single byte ranges are honoured; several ranges or a bad syntax are ignored (RFC 9110 allows it).
 */
export function parseRange(header, size) {
  if (typeof header !== 'string') return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const n = Number(b);
    if (!Number.isSafeInteger(n)) return null;
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (!Number.isSafeInteger(start)) return null;
  let end = b === '' ? Infinity : Number(b);
  if (!Number.isSafeInteger(end)) end = Infinity;
  if (end < start) return null; // invalid range-spec: ignore the header
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

function normalizeMounts(mounts) {
  return Object.entries(mounts)
    .map(([prefix, dir]) => {
      let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
      if (!p.endsWith('/')) p += '/';
      return [p, path.resolve(dir)];
    })
    .sort((x, y) => y[0].length - x[0].length);
}

/** Maps a raw request path to a file path; returns { file } or { status } (400/403). */
function resolvePath(rawPath, root, mounts) {
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || !decoded.startsWith('/')) return { status: 400 };
  const segments = decoded.split(/[/\\]+/);
  if (segments.some((s) => s === '..')) return { status: 403 };
  let base = root;
  let rel = decoded;
  for (const [prefix, dir] of mounts) {
    if (decoded.startsWith(prefix) || decoded === prefix.slice(0, -1)) {
      base = dir;
      rel = decoded.slice(prefix.length - 1);
      break;
    }
  }
  const file = path.join(base, rel);
  const inside = path.relative(base, file);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return { status: 403 };
  return { file };
}

function etagOf(stat) {
  return `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startServer({
  root,
  port = 0,
  host = '127.0.0.1',
  mode = 'range',
  mounts = {},
  delayMs = 0,
  cacheControl = 'no-store',
  credentials = false,
} = {}) {
  if (!root) throw new Error('startServer: root is required');
  const state = { mode, delayMs };
  const setMode = (m, d = state.delayMs) => {
    if (!MODES.has(m)) throw new Error(`startServer: unknown mode ${m}`);
    state.mode = m;
    state.delayMs = d;
  };
  setMode(mode, delayMs);
  const rootDir = path.resolve(root);
  const mountList = normalizeMounts(mounts);
  const log = [];
  const faults = [];
  const failNext = (count, { status = 404, path: only } = {}) => {
    faults.push({ remaining: count, status, path: only });
  };

  const handler = async (req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0].split('#')[0] || '/';
    const entry = { method: req.method, path: rawPath, range: req.headers.range ?? null, status: 0, bytes: 0, headers: req.headers, at: Date.now() };
    // The client gave up before the whole answer was sent (an aborted fetch).
    res.on('close', () => {
      if (!res.writableFinished) entry.aborted = true;
    });
    // `credentials`: CORS for credentialed requests (the caller's origin named, not `*`).
    const cors = credentials && req.headers.origin
      ? { ...CORS_HEADERS, 'Access-Control-Allow-Origin': req.headers.origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' }
      : CORS_HEADERS;
    const send = (status, headers, bytes) => {
      entry.status = status;
      entry.bytes = bytes;
      log.push(entry);
      res.writeHead(status, { ...cors, ...headers });
    };
    const sendText = (status, text, extra = {}) => {
      const body = Buffer.from(req.method === 'HEAD' ? '' : text);
      send(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, ...extra }, body.length);
      res.end(body);
    };

    if (state.mode === 'slow') await sleep(state.delayMs || 1000);

    if (req.method === 'OPTIONS') {
      const asked = credentials && req.headers['access-control-request-headers'];
      send(204, { ...PREFLIGHT_HEADERS, ...(asked ? { 'Access-Control-Allow-Headers': asked } : {}), 'Content-Length': 0 }, 0);
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(405, 'Method Not Allowed\n', { Allow: 'GET, HEAD, OPTIONS' });
      return;
    }
    const fault = faults.find((f) => f.remaining > 0 && (f.path === undefined || f.path === rawPath));
    if (fault) {
      fault.remaining -= 1;
      sendText(fault.status, `HTTP ${fault.status} (failNext)\n`, { 'Cache-Control': 'no-store' });
      return;
    }
    if (state.mode === 'fail') {
      sendText(500, 'Internal Server Error (mode fail)\n', { 'Cache-Control': 'no-store' });
      return;
    }

    const resolved = resolvePath(rawPath, rootDir, mountList);
    if (resolved.status) {
      sendText(resolved.status, resolved.status === 403 ? 'Forbidden\n' : 'Bad Request\n');
      return;
    }
    let file = resolved.file;
    let stat;
    try {
      stat = await fsp.stat(file);
      if (stat.isDirectory()) {
        if (!rawPath.endsWith('/')) {
          const q = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
          send(301, { Location: `${rawPath}/${q}`, 'Content-Length': 0 }, 0);
          res.end();
          return;
        }
        file = path.join(file, 'index.html');
        stat = await fsp.stat(file);
      }
      if (!stat.isFile()) throw new Error('not a file');
    } catch {
      sendText(404, 'Not Found\n');
      return;
    }

    const size = stat.size;
    const etag = etagOf(stat);
    const headers = {
      'Content-Type': mimeType(file),
      ETag: etag,
      'Last-Modified': stat.mtime.toUTCString(),
      'Cache-Control': cacheControl,
      'Accept-Ranges': state.mode === 'norange' ? 'none' : 'bytes',
    };

    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
      send(304, headers, 0);
      res.end();
      return;
    }

    let range = state.mode === 'norange' ? null : parseRange(req.headers.range, size);
    const ifRange = req.headers['if-range'];
    if (range && ifRange) {
      const matches = ifRange.startsWith('"') || ifRange.startsWith('W/')
        ? ifRange === etag
        : Date.parse(ifRange) >= Math.floor(stat.mtimeMs / 1000) * 1000;
      if (!matches) range = null;
    }
    if (range === 'unsatisfiable') {
      send(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 }, 0);
      res.end();
      return;
    }

    let status = 200;
    let start = 0;
    let end = size - 1;
    if (range) {
      status = 206;
      ({ start, end } = range);
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    const length = size === 0 ? 0 : end - start + 1;
    headers['Content-Length'] = length;
    const isHead = req.method === 'HEAD';
    send(status, headers, isHead ? 0 : length);
    if (isHead || length === 0) {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file, { start, end });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  };

  const server = http.createServer((req, res) => {
    handler(req, res).catch((err) => {
      if (!res.headersSent) {
        res.writeHead(500, { ...CORS_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`Internal Server Error: ${err.message}\n`);
      } else {
        res.destroy();
      }
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let closed = null;
  return {
    url: `http://${hostPart}:${actualPort}`,
    port: actualPort,
    log,
    setMode,
    failNext,
    server,
    close() {
      closed ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [key, inline] = a.startsWith('--') ? a.slice(2).split(/=(.*)/s, 2) : [null, null];
    if (!key) throw new Error(`unexpected argument ${a}`);
    if (key === 'help' || key === 'h') {
      opts.help = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    opts[key] = value;
  }
  return opts;
}

async function main() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const repo = path.resolve(here, '..');
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`serve.mjs: ${e.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log('usage: node scripts/serve.mjs [--port 8080] [--root www] [--mode range|norange|fail|slow] [--delay ms]');
    return;
  }
  const port = Number(opts.port ?? process.env.PORT ?? 8080);
  const root = opts.root ? path.resolve(opts.root) : path.join(repo, 'www');
  const cesium = path.join(repo, 'node_modules', 'cesium', 'Build', 'Cesium');
  if (!fs.existsSync(cesium)) {
    console.warn(`serve.mjs: ${cesium} is missing (run scripts/setup); /vendor/cesium/ will answer 404`);
  }
  let srv;
  try {
    srv = await startServer({
      root,
      port,
      mode: opts.mode ?? 'range',
      delayMs: Number(opts.delay ?? 0),
      mounts: vendorMounts(repo),
      cacheControl: 'no-cache',
    });
  } catch (e) {
    console.error(`serve.mjs: cannot listen on 127.0.0.1:${port}: ${e.message}`);
    process.exit(1);
  }
  console.log(`serving ${root} (and /vendor/ from node_modules)`);
  console.log(`demo: ${srv.url}/   API: ${srv.url}/api.html   maps: ${srv.url}/examples/{leaflet,openlayers,maplibre}.html`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}

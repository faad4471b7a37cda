// large-image-wasm: the worker of the pool (pool.js). A module Web Worker in browsers, a worker_threads
// Worker in Node. It holds the images the pool opened here and runs their views on the pool's jobs:
//
//   in:  { type: 'wasm', module, epsg }                the pool's compiled module and EPSG table (first)
//        { type: 'open', id?, image, url, options, net } open (and answer when `id` is given); `net`
//                                                      (headers, credentials): read through the network worker
//        { type: 'net', port }                         a MessagePort to the pool's network worker
//        { type: 'net-lost', error }                   the network worker stopped
//        { type: 'call', id, image, method, args, priority }
//        { type: 'cancel', id }                        the page no longer wants job `id`
//        { type: 'part', id, ok, value | error }       the answer to part request `id`
//        { type: 'close', image }
//        { type: 'bytes', id, ok, value: Uint8Array[] | error }   the answer to read `id`
//   out: { type: 'result', id, ok, value | error: { name, message }, stats, fatal }
//        { type: 'progress', id, done, total }         a histogram's progress
//        { type: 'read', id, image, ranges, priority, kind }   bytes wanted: the pool reads them with
//                                                      the page's engine, for an image on a caller's
//                                                      engine or read, or with no network worker
//                                                      (this worker fetches nothing)
//        { type: 'read-cancel', id }                   read `id` is no longer wanted
//        { type: 'part', id, what }                    a part of the wasm this worker now needs
//                                                      (`codecs`, `proj`: the page's compiled codec or
//                                                      projection module)
//   on the network port: { type: 'read', id, url, ranges, priority, kind, headers?, credentials? },
//        { type: 'read-cancel', id }; in: { type: 'bytes', … } as from the pool
//
// Results are transferred (a tile's buffer, an ImageBitmap), not copied. `fatal` says the wasm trapped:
// the pool replaces this worker.

import { LargeImage, initWasm } from './index.js';
import { errorOf, listenPort, parentPort, reviveError, transferables } from './pool.js';

// The listener is attached while the module first runs (no await before it), so no message is
// dispatched before it.
const parent = parentPort();
const port = { post: (m, t) => parent.postMessage(m, t), listen: (fn) => listenPort(parent, fn) };

/** image id → { url, options, opening: Promise<LargeImage> } */
const images = new Map();
/** job id → AbortController of the running jobs */
const running = new Map();
/** read id → { resolve, reject, net } of the reads made for this worker (by the pool or the network worker) */
const reads = new Map();
let readIds = 0;
/** The port to the pool's network worker, while it runs. */
let netPort = null;
/** part id → its answer's handler (`askPool`) */
const parts = new Map();
let partIds = 0;

/** A part of the wasm from the pool (`what`: `codecs`, the codec module the page compiled). */
function askPool(what) {
  const id = ++partIds;
  return new Promise((resolve, reject) => {
    parts.set(id, (m) => (m.ok ? resolve(m.value) : reject(reviveError(m.error))));
    port.post({ type: 'part', id, what });
  });
}

/**
 * The `read` callback of this worker's images: the ranges asked of the network worker (an image on the
 * default engine, while there is one) or of the pool (which reads them with the page's engine), the bytes
 * back transferred; the core's abort of a read is passed on.
 */
function readThroughPool(entry, ranges, hints) {
  const signal = hints?.signal;
  if (signal?.aborted) return Promise.reject(new DOMException('read aborted', 'AbortError'));
  const id = ++readIds;
  const priority = hints?.priority ?? 0;
  const kind = hints?.kind ?? 'data';
  const viaNet = entry.net && netPort;
  const post = viaNet ? (m) => netPort?.postMessage(m) : (m) => port.post(m);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      if (!reads.delete(id)) return;
      post({ type: 'read-cancel', id });
      reject(new DOMException('read aborted', 'AbortError'));
    };
    reads.set(id, {
      net: Boolean(viaNet),
      resolve: (v) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      },
      reject: (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (viaNet) post({ type: 'read', id, url: entry.url, ranges, priority, kind, ...entry.net });
    else post({ type: 'read', id, image: entry.image, ranges, priority, kind });
  });
}

/** The network worker stopped: its reads in flight fail with the reason; later reads go to the pool. */
function netLost(m) {
  netPort?.close?.();
  netPort = null;
  for (const [id, r] of reads) {
    if (!r.net) continue;
    reads.delete(id);
    r.reject(reviveError(m.error ?? { message: 'the network worker stopped' }));
  }
}

function bytes(m) {
  const r = reads.get(m.id);
  if (!r) return;
  reads.delete(m.id);
  if (m.ok) r.resolve(m.value);
  else r.reject(reviveError(m.error ?? { message: 'read failed' }));
}

/** Where each asynchronous view takes its options object (the others take no signal). */
const OPTIONS_AT = { metadata: 0, tilesMetadata: 0, tile: 3, thumbnail: 0, region: 0, pixel: 0, histogram: 0, validate: 0 };

/** A trap (wasm `unreachable`, out of memory) leaves the wasm instance unusable. */
function isFatal(err) {
  return typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError;
}

function statsOf(img) {
  try {
    return img && !img.closed ? img.stats() : undefined;
  } catch {
    return undefined;
  }
}

function answer(id, img, ok, valueOrError) {
  const msg = { type: 'result', id, ok, stats: statsOf(img) };
  if (ok) {
    msg.value = valueOrError;
    port.post(msg, transferables(valueOrError));
  } else {
    msg.error = errorOf(valueOrError);
    msg.fatal = isFatal(valueOrError);
    port.post(msg);
  }
}

/** Open (again) image `entry`; a failed open is answered by the jobs that need it, never unhandled. */
function opening(entry) {
  entry.opening = LargeImage.open(entry.url, { ...entry.options, read: (ranges, hints) => readThroughPool(entry, ranges, hints) });
  entry.opening.catch(() => {});
  return entry.opening;
}

function open(m) {
  const entry = { image: m.image, url: m.url, options: m.options, net: m.net ?? null };
  images.set(m.image, entry);
  if (m.id !== undefined) {
    opening(entry).then(
      (img) => answer(m.id, img, true, null),
      (err) => {
        // The page was told; the image was never handed out.
        images.delete(m.image);
        answer(m.id, null, false, err);
      },
    );
  } else {
    opening(entry);
  }
}

/** The open image of `entry`; one that failed to open (a server down for a while) is tried again. */
async function imageOf(entry) {
  try {
    return await entry.opening;
  } catch {
    return opening(entry);
  }
}

async function call(m) {
  const controller = new AbortController();
  running.set(m.id, controller);
  let img = null;
  try {
    const entry = images.get(m.image);
    if (!entry) throw new Error(`LargeImage.${m.method}(): the image is not open in this worker`);
    img = await imageOf(entry);
    const args = m.args;
    // The job's cancellation and priority reach the core, which cancels or orders its reads.
    const at = OPTIONS_AT[m.method];
    if (at !== undefined) {
      while (args.length <= at) args.push(undefined);
      args[at] = { ...(args[at] ?? {}), signal: controller.signal };
      if (m.method === 'tile' && Number.isFinite(m.priority)) args[at].priority = m.priority;
    }
    if (m.method === 'histogram' && args[0]?.onProgress === true) {
      args[0] = { ...args[0], onProgress: (done, total) => port.post({ type: 'progress', id: m.id, done, total }) };
    }
    if (controller.signal.aborted) throw new DOMException('aborted', 'AbortError');
    const value = await img[m.method](...args);
    answer(m.id, img, true, value);
  } catch (err) {
    answer(m.id, img, false, err);
  } finally {
    running.delete(m.id);
  }
}

async function close(m) {
  const entry = images.get(m.image);
  images.delete(m.image);
  try {
    (await entry?.opening)?.close();
  } catch {
    // It never opened: nothing to release.
  }
}

port.listen((m) => {
  switch (m?.type) {
    case 'wasm':
      // The codec and projection modules, when an image first needs one, are the pool's (compiled once
      // for every worker).
      initWasm(m.module, m.epsg, () => askPool('codecs'), () => askPool('proj')).catch(() => {}); // a failure is the next open's error
      break;
    case 'part':
      parts.get(m.id)?.(m);
      parts.delete(m.id);
      break;
    case 'open':
      open(m);
      break;
    case 'call':
      call(m);
      break;
    case 'cancel':
      running.get(m.id)?.abort();
      break;
    case 'bytes':
      bytes(m);
      break;
    case 'net':
      netPort = m.port;
      listenPort(netPort, (r) => r?.type === 'bytes' && bytes(r));
      break;
    case 'net-lost':
      netLost(m);
      break;
    case 'close':
      close(m);
      break;
    default:
      break;
  }
});

// large-image-wasm: the worker of the pool (pool.js). A module Web Worker in browsers, a worker_threads
// Worker in Node. It holds the images the pool opened here and runs their views on the pool's jobs:
//
//   in:  { type: 'open', id?, image, url, options }   open (and answer when `id` is given)
//        { type: 'call', id, image, method, args, priority }
//        { type: 'cancel', id }                        the page no longer wants job `id`
//        { type: 'close', image }
//   out: { type: 'result', id, ok, value | error: { name, message }, stats, fatal }
//        { type: 'progress', id, done, total }         a histogram's progress
//
// Results are transferred (a tile's buffer, an ImageBitmap), not copied. `fatal` says the wasm trapped:
// the pool replaces this worker.

import { LargeImage } from './index.js';
import { transferables } from './pool.js';

// In a browser the listener is attached while the module first runs (no await before it), so no message
// is dispatched before it; Node's parentPort holds messages until a listener is attached.
const port = typeof importScripts === 'function' ? browserPort() : await nodePort();

/** image id → { url, options, opening: Promise<LargeImage> } */
const images = new Map();
/** job id → AbortController of the running jobs */
const running = new Map();

function browserPort() {
  return { post: (m, t) => self.postMessage(m, t), listen: (fn) => self.addEventListener('message', (e) => fn(e.data)) };
}

async function nodePort() {
  const { parentPort } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:worker_threads');
  return { post: (m, t) => parentPort.postMessage(m, t), listen: (fn) => parentPort.on('message', fn) };
}

function errorOf(err) {
  return { name: err?.name ?? 'Error', message: String(err?.message ?? err) };
}

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
  entry.opening = LargeImage.open(entry.url, entry.options);
  entry.opening.catch(() => {});
  return entry.opening;
}

function open(m) {
  const entry = { url: m.url, options: m.options };
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
    case 'open':
      open(m);
      break;
    case 'call':
      call(m);
      break;
    case 'cancel':
      running.get(m.id)?.abort();
      break;
    case 'close':
      close(m);
      break;
    default:
      break;
  }
});

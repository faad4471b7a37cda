// large-image-wasm: the worker pool. Decoding, warping, styling and encoding run in module workers
// (`worker.js`; Web Workers in browsers, `worker_threads` in Node), one pool per page shared by every
// image and layer; the page keeps only a queue.
//
//   import { LargeImage, WorkerPool } from 'large-image-wasm';
//   const img = await LargeImage.open(url, { pool: WorkerPool.shared() });   // or { pool: true }
//   const bitmap = await img.tile(3, 4, 2, { projection: 'EPSG:4326', format: 'imagebitmap', priority: 1, signal });
//
// An image opened with a pool has the same methods and answers as one opened without: each call becomes
// a job in the pool's queue (lowest `priority` first; a function is asked again each time a worker comes
// free, so a priority can follow the camera), is dropped from the queue or abandoned when its `signal`
// aborts (the promise rejects with an `AbortError` at once), and runs in one worker, which opens the image
// itself the first time it is given a job for it. Tiles of the same neighbourhood go to the same worker
// when it is free (`affinity`), so its decoded-tile cache serves their shared source tiles. Results come
// back transferred: bytes as their buffer, `format: 'imagebitmap'` tiles as ImageBitmaps made in the
// worker. A worker that dies or whose wasm traps is replaced; its running jobs fail with the reason.
//
// The pool is the workers' coordinator for the network: a worker reads no byte itself. Its images read
// through a `read` callback that asks for the bytes over postMessage, and one engine makes every request,
// so there is one per-origin limit, one priority queue and one byte cache for every worker; the bytes
// come back transferred. With the default engine (`Engine.shared()`) that engine lives in the pool's
// network worker (`net-worker.js`), which each worker reaches over its own MessageChannel: no read waits
// for the page's main thread, which a renderer can hold for hundreds of milliseconds per frame
// (`network: false` keeps it in the calling thread; so does a network worker that dies). An image opened
// with another `engine` or a `read` reads through the calling thread, which owns them. Cancellation goes
// both ways: an aborted job is cancelled in its worker, whose core then aborts its reads, which the
// engine drops or aborts.

const isNode =
  typeof process !== 'undefined' &&
  process.versions?.node != null &&
  typeof window === 'undefined' &&
  typeof importScripts === 'undefined';

const WORKER_URL = new URL('./worker.js', import.meta.url);
const NET_WORKER_URL = new URL('./net-worker.js', import.meta.url);
/** How long `networkStats()` waits for the network worker's answer. */
const STATS_TIMEOUT_MS = 5000;

/** Jobs one worker runs at once: one decoding while another waits for its bytes. */
const DEFAULT_JOBS_PER_WORKER = 2;
/** Workers at most by default, whatever the machine. */
const MAX_DEFAULT_SIZE = 8;
/** Workers dying before their first answer, in a row, after which the pool gives up. */
const MAX_STARTUP_FAILURES = 3;

/** The views of `LargeImage` a pooled image forwards (every one there is). */
const VIEWS = [
  'metadata',
  'internalMetadata',
  'tiffdump',
  'bands',
  'frames',
  'tilesMetadata',
  'tile',
  'tileCorners',
  'thumbnail',
  'region',
  'pixel',
  'locate',
  'histogram',
  'validate',
];

/** Options the pool reads itself; the rest go to the worker's view. */
const POOL_OPTIONS = ['signal', 'priority', 'affinity'];

/** The default size: one worker per core but one (the page's own thread), at least one. */
export function defaultPoolSize() {
  let cores = globalThis.navigator?.hardwareConcurrency;
  if (!(cores > 0) && isNode) cores = nodeCores;
  return Math.max(1, Math.min(MAX_DEFAULT_SIZE, (cores || 2) - 1));
}

// Node's modules without a top-level await: this module is also imported by service workers (through
// index.js and the router), and a module service worker with a top-level await fails to install.
// `process.getBuiltinModule` is Node ≥ 20.16's synchronous import of a built-in module.
const nodeModule = (name) => {
  const m = isNode ? process.getBuiltinModule?.(name) : null;
  if (isNode && !m) throw new Error(`WorkerPool needs Node ≥ 20.16 (process.getBuiltinModule) for ${name}`);
  return m;
};
const nodeOs = isNode ? process.getBuiltinModule?.('node:os') : null;
const nodeCores = nodeOs ? (nodeOs.availableParallelism?.() ?? nodeOs.cpus().length) : 0;

function abortError(message) {
  return new DOMException(message, 'AbortError');
}

/** What the core's errors carry beside their message (see the `LargeImage` errors' docs). */
const ERROR_FIELDS = ['kind', 'status', 'url', 'range', 'reason'];

/** An `Error` from a worker's `{ name, message }`. */
export function reviveError(e) {
  if (e?.name === 'AbortError') return abortError(e.message);
  const err = new Error(e?.message ?? String(e));
  if (e?.name && e.name !== 'Error') err.name = e.name;
  for (const k of ERROR_FIELDS) if (e?.[k] !== undefined) err[k] = e[k];
  return err;
}

/**
 * An error as a plain object that crosses postMessage: its name, message and the core's fields
 * (`kind`, `status`, `url`, `range`, `reason`), so the other side's error says what this one said.
 */
export function errorOf(err) {
  const out = { name: err?.name ?? 'Error', message: String(err?.message ?? err) };
  for (const k of ERROR_FIELDS) {
    const v = err?.[k];
    if (typeof v === 'string' || typeof v === 'number' || (Array.isArray(v) && v.every((n) => typeof n === 'number'))) out[k] = v;
  }
  return out;
}

/**
 * A worker's channel to whoever started it: `self` in a browser, `worker_threads`' parentPort in Node.
 * Synchronous, so a worker attaches its listener while its module first runs, before any message.
 */
export function parentPort() {
  return isNode ? nodeModule('node:worker_threads').parentPort : self;
}

/**
 * Listen to the messages of `port` (a MessagePort, a worker's global scope or Node's `parentPort`):
 * `onMessage(data)` for each.
 */
export function listenPort(port, onMessage) {
  if (typeof port.on === 'function') {
    port.on('message', onMessage);
  } else {
    port.addEventListener('message', (e) => onMessage(e.data));
    port.start?.();
  }
}

/** Things in `value` that are better moved than copied: buffers of typed arrays, ImageBitmaps. */
export function transferables(value) {
  if (value == null) return [];
  if (ArrayBuffer.isView(value)) return value.buffer instanceof ArrayBuffer ? [value.buffer] : [];
  if (typeof ImageBitmap !== 'undefined' && value instanceof ImageBitmap) return [value];
  return [];
}

/**
 * Read bytes ready to be transferred: each part as it is when it is its whole buffer, a copy when it is
 * a view of a larger one (whose transfer would move, and detach, the rest too).
 */
export function movable(parts) {
  return parts.map((p) => (p.byteOffset === 0 && p.byteLength === p.buffer.byteLength ? p : p.slice()));
}

/** Release what a result holds when nobody will take it (an abandoned tile's ImageBitmap). */
function discard(value) {
  if (typeof ImageBitmap !== 'undefined' && value instanceof ImageBitmap) value.close();
}

/** A small string hash (FNV-1a), for affinity keys. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** What gives the workers this realm's compiled wasm (index.js sets it): see `useWasm`. */
let wasmSource = null;

/**
 * Called by index.js: `main()` gives its `wasmParts` (the compiled module and the EPSG table), which
 * every worker the pools of this realm start is sent first (`{ type: 'wasm', module, epsg }`), so that
 * it instantiates the realm's compiled module instead of fetching and compiling its own; `parts` the
 * parts a worker asks for when it first needs them (`{ type: 'part', id, what }`, e.g. `codecs`: the
 * codec module, compiled once here for every worker).
 * @param {{ main: () => Promise<[WebAssembly.Module, ArrayBuffer | ArrayBufferView]>, parts: Record<string, () => Promise<unknown>> }} source
 */
export function useWasm(source) {
  wasmSource = source;
}

/**
 * One worker: a Web Worker or a Node `worker_threads` Worker behind the same three calls. Messages
 * posted before the realm's compiled module is at hand wait, so that the module is the worker's first
 * message; a worker whose module could not be had is sent the rest anyway (it then loads its own, and
 * reports that load's error).
 */
class Endpoint {
  constructor(url, name, onMessage, onDeath) {
    /** Messages waiting for the module: [message, transfer][], or null once it was sent. */
    this.waiting = [];
    const flush = () => {
      const waiting = this.waiting;
      this.waiting = null;
      for (const [m, t] of waiting) this.worker.postMessage(m, t);
    };
    Promise.resolve(wasmSource?.main())
      .then((parts) => {
        if (parts && this.waiting) this.worker.postMessage({ type: 'wasm', module: parts[0], epsg: parts[1] });
      })
      .catch(() => {})
      .finally(() => this.waiting && flush());
    if (isNode) {
      this.worker = new (nodeModule('node:worker_threads').Worker)(url, { name });
      this.worker.on('message', onMessage);
      this.worker.on('error', (err) => onDeath(err));
      this.worker.on('exit', (code) => onDeath(new Error(`the worker exited (code ${code})`)));
      // An idle worker does not keep Node running; a busy one does (see `busy`).
      this.worker.unref();
    } else {
      this.worker = new Worker(url, { type: 'module', name });
      this.worker.onmessage = (e) => onMessage(e.data);
      this.worker.onerror = (e) => {
        e.preventDefault?.();
        onDeath(new Error(e.message || `the worker script ${url} failed to load or threw`));
      };
      this.worker.onmessageerror = () => onDeath(new Error('a message from the worker could not be read'));
    }
  }

  post(message, transfer = []) {
    if (this.waiting) this.waiting.push([message, transfer]);
    else this.worker.postMessage(message, transfer);
  }

  /** Node: keep the process alive while the worker has jobs, not while it idles. */
  busy(yes) {
    if (isNode) yes ? this.worker.ref() : this.worker.unref();
  }

  terminate() {
    this.worker.terminate();
  }
}

/** A worker of the pool with its jobs in flight and the images it has opened. */
class PoolWorker {
  constructor(pool, index) {
    this.index = index;
    this.running = new Map();
    this.images = new Set();
    /** The worker's reads the pool is making for it: read id → AbortController. */
    this.reads = new Map();
    this.answered = false;
    this.dead = false;
    /** Whether the worker holds a port to the live network worker. */
    this.hasNet = false;
    this.endpoint = new Endpoint(
      pool.workerUrl,
      `large-image-wasm ${index}`,
      (m) => pool._onMessage(this, m),
      (err) => pool._onDeath(this, err),
    );
  }

  add(job) {
    this.running.set(job.id, job);
    this.endpoint.busy(true);
  }

  /** The running job `id`, no longer running. */
  take(id) {
    const job = this.running.get(id);
    this.running.delete(id);
    if (!this.running.size) this.endpoint.busy(false);
    return job;
  }
}

let sharedPool = null;

export class WorkerPool {
  #size;
  #perWorker;
  #workers;
  #queue = [];
  #jobs = 0;
  #images = 0;
  #disposed = false;
  #broken = null;
  #startupFailures = 0;
  /** Whether the shared engine lives in a network worker (the constructor's `network`). */
  #network;
  /** The network worker: { endpoint, dead, stats: Map(id → resolve), ids }, started with the first worker. */
  #net = null;
  /** Network workers that died. */
  #netDeaths = 0;
  /** Open images by id (for the workers' reads). */
  #byId = new Map();
  #counts = { done: 0, failed: 0, cancelled: 0, affinityHits: 0, affinityMisses: 0, restarted: 0 };

  /**
   * @param {{ size?: number, jobsPerWorker?: number, workerUrl?: string | URL, network?: boolean,
   *   networkUrl?: string | URL }} [options]
   *   `size`: workers (default `navigator.hardwareConcurrency − 1`, at least 1, at most 8);
   *   `jobsPerWorker`: jobs a worker runs at once (default 2: one decodes while another waits for bytes);
   *   `workerUrl`: the worker module (default `./worker.js` beside this file);
   *   `network`: images on the default engine read through the pool's network worker (default true;
   *   false: through `Engine.shared()` of the calling thread); `networkUrl`: its module (default
   *   `./net-worker.js` beside this file). A network worker that dies is started again for the next job;
   *   after 3 deaths the pool reads through the calling thread for good.
   */
  constructor(options = {}) {
    const { size = defaultPoolSize(), jobsPerWorker = DEFAULT_JOBS_PER_WORKER, workerUrl = WORKER_URL, network = true, networkUrl = NET_WORKER_URL, ...rest } =
      options ?? {};
    const unknown = Object.keys(rest);
    if (unknown.length) throw new TypeError(`WorkerPool: unknown option ${unknown.join(', ')} (size, jobsPerWorker, workerUrl, network, networkUrl)`);
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`WorkerPool: size must be a whole number ≥ 1, not ${size}`);
    if (!Number.isInteger(jobsPerWorker) || jobsPerWorker < 1) {
      throw new RangeError(`WorkerPool: jobsPerWorker must be a whole number ≥ 1, not ${jobsPerWorker}`);
    }
    if (!isNode && typeof Worker !== 'function') throw new Error('WorkerPool: this environment has no Worker');
    this.#size = size;
    this.#perWorker = jobsPerWorker;
    this.#network = Boolean(network) && typeof MessageChannel === 'function';
    this.workerUrl = workerUrl;
    this.networkUrl = networkUrl;
    // Workers start on the first job, not before.
    this.#workers = new Array(size).fill(null);
  }

  /** The pool every image and layer of this page (or Node process) shares, made on first use. */
  static shared() {
    if (!sharedPool || sharedPool.disposed) sharedPool = new WorkerPool();
    return sharedPool;
  }

  /** Whether this environment can run a pool (module Web Workers, or Node's worker_threads). */
  static get supported() {
    return isNode || typeof Worker === 'function';
  }

  /** Workers in the pool (running or not yet started). */
  get size() {
    return this.#size;
  }

  /** True once `dispose()` was called. */
  get disposed() {
    return this.#disposed;
  }

  /**
   * What the pool has done: workers started, jobs queued and running, jobs done, failed and cancelled,
   * how often a job ran on its affinity's worker, workers replaced.
   */
  stats() {
    const live = this.#workers.filter((w) => w && !w.dead);
    return {
      size: this.#size,
      workers: live.length,
      queued: this.#queue.length,
      running: live.reduce((n, w) => n + w.running.size, 0),
      openImages: live.reduce((n, w) => n + w.images.size, 0),
      ...this.#counts,
    };
  }

  /**
   * Open `url` in the pool: one worker opens it now (so a bad URL fails here, as `LargeImage.open`
   * fails), the others when they first get a job for it. Used by `LargeImage.open(url, { pool })`.
   * @returns {Promise<PooledImage>} the inner object of a `LargeImage`
   */
  async open(url, options = {}) {
    const { engine = null, read = null, headers, credentials, signal, ...workerOptions } = options ?? {};
    if (!engine && typeof read !== 'function') throw new TypeError('WorkerPool.open(): give an engine or a read callback');
    const href = String(url);
    // The workers' reads, made here: with the engine (and the caller's headers and credentials), or the
    // caller's own `read`.
    const reader = read
      ? (ranges, hints) => read(ranges, hints)
      : (ranges, hints) => engine.read(href, ranges, { ...hints, ...(headers ? { headers } : {}), ...(credentials ? { credentials } : {}) });
    // The default engine: the workers read through the network worker (the reader above stays for a
    // worker left without one).
    const net = !read && engine.isShared && this.#network ? { ...(headers ? { headers } : {}), ...(credentials ? { credentials } : {}) } : null;
    const image = { id: ++this.#images, url: href, options: workerOptions, net, reader, stats: new Map(), closed: false };
    this.#byId.set(image.id, image);
    try {
      await this.#run(image, '#open', [], { priority: -Infinity, signal });
    } catch (err) {
      this.#byId.delete(image.id);
      image.closed = true;
      throw err;
    }
    return new PooledImage(this, image);
  }

  /** A worker's read: the bytes from the image's reader, sent back transferred; cancelled on its word. */
  #read(w, m) {
    const image = this.#byId.get(m.image);
    const controller = new AbortController();
    w.reads.set(m.id, controller);
    const reply = (msg, transfer) => {
      if (!w.reads.delete(m.id) || w.dead) return;
      w.endpoint.post({ type: 'bytes', id: m.id, ...msg }, transfer);
    };
    Promise.resolve()
      .then(() => {
        if (!image || image.closed) throw new Error(`read of image ${m.image}: the image was closed`);
        return image.reader(m.ranges, { priority: m.priority ?? 0, kind: m.kind ?? 'data', signal: controller.signal });
      })
      .then(
        (parts) => {
          const value = movable(parts);
          reply({ ok: true, value }, value.map((p) => p.buffer));
        },
        (err) => reply({ ok: false, error: errorOf(err) }),
      );
  }

  /**
   * Run `method` of `image` with `args` in a worker. The last argument may hold `signal`, `priority`
   * (a number or a function giving one, lower first; default 0) and `affinity` (a key: jobs with the same
   * key go to the same worker when it is free); they are not sent to the worker.
   * @private Use the methods of an image opened with `{ pool }`.
   */
  _call(image, method, args) {
    const last = args[args.length - 1];
    let poolOptions = {};
    if (last && typeof last === 'object' && !ArrayBuffer.isView(last) && POOL_OPTIONS.some((k) => k in last)) {
      const rest = { ...last };
      for (const k of POOL_OPTIONS) {
        if (k in rest) poolOptions[k] = rest[k];
        delete rest[k];
      }
      args = [...args.slice(0, -1), rest];
    }
    if (poolOptions.affinity === undefined && method === 'tile') {
      // Neighbouring tiles of one level share source tiles: 2 × 2 blocks of tiles to one worker.
      const [z, x, y, o] = args;
      poolOptions = { ...poolOptions, affinity: `${image.id} ${o?.projection ?? ''} ${z} ${x >> 1} ${y >> 1}` };
    }
    let onProgress = null;
    if (method === 'histogram' && typeof args[0]?.onProgress === 'function') {
      onProgress = args[0].onProgress;
      const { onProgress: _, ...rest } = args[0];
      args = [{ ...rest, onProgress: true }];
    }
    return this.#run(image, method, args, { ...poolOptions, onProgress });
  }

  #run(image, method, args, { priority = 0, signal, affinity, onProgress } = {}) {
    if (this.#disposed) return Promise.reject(new Error('WorkerPool: the pool was disposed'));
    if (this.#broken) return Promise.reject(this.#broken);
    if (image.closed) return Promise.reject(new Error(`LargeImage.${method}(): the image was closed`));
    if (signal?.aborted) return Promise.reject(abortError(`LargeImage.${method}(): aborted before it started`));
    return new Promise((resolve, reject) => {
      const job = { id: ++this.#jobs, image, method, args, priority, affinity, signal, onProgress, resolve, reject };
      if (signal) {
        job.onAbort = () => this.#abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** The job's priority now (a function is asked; a failing or NaN one counts as 0). */
  static #priorityOf(job) {
    let p = job.priority;
    if (typeof p === 'function') {
      try {
        p = p();
      } catch {
        p = 0;
      }
    }
    return Number.isNaN(+p) ? 0 : +p;
  }

  /** Hand queued jobs to free workers, best priority first. */
  #pump() {
    while (this.#queue.length && !this.#disposed && !this.#broken) {
      const free = [];
      for (let i = 0; i < this.#size; i++) {
        const w = this.#workers[i];
        if (!w || w.dead || w.running.size < this.#perWorker) free.push(i);
      }
      if (!free.length) return;
      let best = 0;
      let bestPriority = Infinity;
      for (let k = 0; k < this.#queue.length; k++) {
        const p = WorkerPool.#priorityOf(this.#queue[k]);
        if (p < bestPriority || k === 0) {
          best = k;
          bestPriority = p;
        }
      }
      const [job] = this.#queue.splice(best, 1);
      this.#dispatch(job, this.#pick(job, free), bestPriority);
    }
  }

  /** The worker for `job` among the `free` ones: its affinity's if free, else the least busy. */
  #pick(job, free) {
    if (job.affinity != null) {
      const preferred = hash(String(job.affinity)) % this.#size;
      if (free.includes(preferred)) {
        this.#counts.affinityHits++;
        return preferred;
      }
      this.#counts.affinityMisses++;
    }
    const load = (i) => this.#workers[i]?.running.size ?? 0;
    return free.reduce((a, b) => (load(b) < load(a) ? b : a));
  }

  #worker(i) {
    let w = this.#workers[i];
    if (!w || w.dead) {
      w = new PoolWorker(this, i);
      this.#workers[i] = w;
    }
    if (this.#network && !w.hasNet) this.#connect(w);
    return w;
  }

  /** The network worker, started on first use (again after one died). */
  #netWorker() {
    if (this.#net && !this.#net.dead) return this.#net;
    const net = { dead: false, stats: new Map(), ids: 0 };
    net.endpoint = new Endpoint(
      this.networkUrl,
      'large-image-wasm network',
      (m) => {
        if (m?.type === 'stats') {
          net.stats.get(m.id)?.(m.value);
          net.stats.delete(m.id);
        }
      },
      (err) => this.#netDied(net, err),
    );
    this.#net = net;
    return net;
  }

  /** A channel between worker `w` and the network worker; its reads of default-engine images go there. */
  #connect(w) {
    const net = this.#netWorker();
    const { port1, port2 } = new MessageChannel();
    net.endpoint.post({ type: 'port', port: port1 }, [port1]);
    w.endpoint.post({ type: 'net', port: port2 }, [port2]);
    w.hasNet = true;
  }

  /** The network worker died: the workers' reads in flight there fail, later ones go through this thread. */
  #netDied(net, err) {
    if (net.dead) return;
    net.dead = true;
    for (const resolve of net.stats.values()) resolve(null);
    net.stats.clear();
    if (this.#disposed) return;
    if (++this.#netDeaths >= MAX_STARTUP_FAILURES) this.#network = false;
    for (const w of this.#workers) {
      if (!w || w.dead || !w.hasNet) continue;
      w.hasNet = false;
      w.endpoint.post({ type: 'net-lost', error: errorOf(new Error(`the network worker stopped: ${err?.message ?? err}`)) });
    }
  }

  /**
   * What the engine of the pool's reads did so far (as `Engine.stats()`): the network worker's, or
   * `Engine.shared()`'s of this thread when the pool has none (`network: false`, or it stopped).
   */
  async networkStats() {
    const net = this.#net;
    if (net && !net.dead) {
      const id = ++net.ids;
      let timer;
      const value = await new Promise((resolve) => {
        net.stats.set(id, resolve);
        net.endpoint.post({ type: 'stats', id });
        timer = setTimeout(() => {
          net.stats.delete(id);
          resolve(null);
        }, STATS_TIMEOUT_MS);
      });
      clearTimeout(timer);
      if (value) return value;
    }
    const { Engine } = await import('./index.js');
    return Engine.shared().stats();
  }

  #dispatch(job, index, priority) {
    const w = this.#worker(index);
    const { image } = job;
    job.worker = w;
    w.add(job);
    try {
      if (job.method === '#open') {
        w.images.add(image.id);
        w.endpoint.post({ type: 'open', id: job.id, image: image.id, url: image.url, options: image.options, net: image.net });
        return;
      }
      if (!w.images.has(image.id)) {
        // Opened here on first use; messages keep their order, so the call below waits for it.
        w.images.add(image.id);
        w.endpoint.post({ type: 'open', image: image.id, url: image.url, options: image.options, net: image.net });
      }
      w.endpoint.post({ type: 'call', id: job.id, image: image.id, method: job.method, args: job.args, priority });
    } catch (err) {
      // An argument that cannot be cloned (a function, a DOM node): the caller's mistake, said plainly.
      w.take(job.id);
      this.#settle(job, null, new TypeError(`LargeImage.${job.method}(): ${err.message}`));
    }
  }

  #abort(job) {
    if (job.settled) return;
    const k = this.#queue.indexOf(job);
    if (k >= 0) this.#queue.splice(k, 1);
    else if (job.worker && !job.worker.dead) job.worker.endpoint.post({ type: 'cancel', id: job.id });
    this.#counts.cancelled++;
    this.#settle(job, null, abortError(`LargeImage.${job.method}(): aborted`));
    // A queued job left a place; a running one keeps its worker busy until the worker answers.
    this.#pump();
  }

  #settle(job, value, error) {
    if (job.settled) {
      discard(value);
      return;
    }
    job.settled = true;
    job.signal?.removeEventListener('abort', job.onAbort);
    if (error) job.reject(error);
    else job.resolve(value);
  }

  /** @private A message from worker `w`. */
  _onMessage(w, m) {
    if (w.dead) return;
    if (m?.type === 'read') {
      this.#read(w, m);
      return;
    }
    if (m?.type === 'read-cancel') {
      w.reads.get(m.id)?.abort();
      w.reads.delete(m.id);
      return;
    }
    if (m?.type === 'part') {
      // A part of the wasm a worker needs (the codec or projection module): this realm's, compiled once for all.
      const reply = (msg) => !w.dead && w.endpoint.post({ type: 'part', id: m.id, ...msg });
      Promise.resolve()
        .then(() => {
          const get = wasmSource?.parts?.[m.what];
          if (!get) throw new Error(`large-image-wasm: no part '${m.what}' to give the worker`);
          return get();
        })
        .then((value) => reply({ ok: true, value }), (err) => reply({ ok: false, error: errorOf(err) }));
      return;
    }
    if (m?.type === 'progress') {
      const job = w.running.get(m.id);
      if (job?.onProgress && !job.settled) {
        try {
          job.onProgress(m.done, m.total);
        } catch {
          // A listener's bug must not break the job.
        }
      }
      return;
    }
    if (m?.type !== 'result') return;
    w.answered = true;
    this.#startupFailures = 0;
    const job = w.take(m.id);
    if (job) {
      if (m.stats) job.image.stats.set(w.index, m.stats);
      if (m.ok) {
        this.#counts.done++;
        this.#settle(job, m.value);
      } else {
        this.#counts.failed++;
        if (job.method === '#open') w.images.delete(job.image.id);
        this.#settle(job, null, reviveError(m.error));
      }
    } else {
      discard(m.value);
    }
    if (m.fatal) this._onDeath(w, reviveError(m.error), true);
    this.#pump();
  }

  /** @private Worker `w` died (or its wasm trapped): fail its jobs, replace it on the next job. */
  _onDeath(w, err, terminate = false) {
    if (w.dead) return;
    w.dead = true;
    for (const c of w.reads.values()) c.abort();
    w.reads.clear();
    if (terminate) w.endpoint.terminate();
    if (this.#disposed) return;
    this.#counts.restarted++;
    if (!w.answered && ++this.#startupFailures >= MAX_STARTUP_FAILURES) {
      this.#broken = new Error(`WorkerPool: ${MAX_STARTUP_FAILURES} workers in a row failed to start: ${err.message}`);
    }
    for (const job of w.running.values()) {
      this.#counts.failed++;
      this.#settle(job, null, new Error(`LargeImage.${job.method}(): worker ${w.index} stopped: ${err.message}`));
    }
    w.running.clear();
    if (this.#broken) {
      for (const job of this.#queue.splice(0)) this.#settle(job, null, this.#broken);
      return;
    }
    this.#pump();
  }

  /** @private Close `image` in every worker that opened it and drop its queued jobs. */
  _close(image) {
    if (image.closed) return;
    image.closed = true;
    this.#byId.delete(image.id);
    for (const job of this.#queue.filter((j) => j.image === image)) {
      this.#queue.splice(this.#queue.indexOf(job), 1);
      this.#settle(job, null, new Error(`LargeImage.${job.method}(): the image was closed`));
    }
    for (const w of this.#workers) {
      if (w && !w.dead && w.images.delete(image.id)) w.endpoint.post({ type: 'close', image: image.id });
    }
  }

  /** Terminate every worker; queued and running jobs reject, later calls too. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    const err = new Error('WorkerPool: the pool was disposed');
    for (const job of this.#queue.splice(0)) this.#settle(job, null, err);
    this.#byId.clear();
    for (const w of this.#workers) {
      if (!w || w.dead) continue;
      w.dead = true;
      for (const c of w.reads.values()) c.abort();
      w.reads.clear();
      for (const job of w.running.values()) this.#settle(job, null, err);
      w.running.clear();
      w.images.clear();
      w.endpoint.terminate();
    }
    if (this.#net && !this.#net.dead) {
      this.#net.dead = true;
      this.#net.endpoint.terminate();
    }
    if (sharedPool === this) sharedPool = null;
  }
}

/**
 * What a `LargeImage` opened with `{ pool }` holds instead of the wasm object: the same methods, each
 * a job in the pool.
 */
export class PooledImage {
  #pool;
  #image;

  constructor(pool, image) {
    this.#pool = pool;
    this.#image = image;
  }

  /** The pool renders `format: 'imagebitmap'` tiles itself (in the worker). */
  get rendersBitmaps() {
    return true;
  }

  /** The pool this image runs in. */
  get pool() {
    return this.#pool;
  }

  /** Requests and bytes so far, summed over the workers that read this image (as each last said). */
  stats() {
    let requests = 0;
    let bytes = 0;
    for (const s of this.#image.stats.values()) {
      requests += s.requests ?? 0;
      bytes += s.bytes ?? 0;
    }
    return { requests, bytes };
  }

  close() {
    this.#pool._close(this.#image);
  }

  static {
    for (const name of VIEWS) {
      this.prototype[name] = function view(...args) {
        return this.#pool._call(this.#image, name, args);
      };
    }
  }
}

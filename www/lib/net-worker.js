// large-image-wasm: the network worker of the pool (pool.js). It holds the pool's one engine
// (`Engine.shared()` of this worker: one per-origin limit, one priority queue, one byte cache) and
// answers the pool's workers' reads over a MessagePort each, so that no read waits for the page's main
// thread (which a busy renderer holds for hundreds of milliseconds per frame). A module Web Worker in
// browsers, a worker_threads Worker in Node.
//
//   in (from the pool):     { type: 'wasm', module, epsg } the pool's compiled module and EPSG table (first)
//                           { type: 'port', port }         a pool worker's channel
//                           { type: 'stats', id }          → { type: 'stats', id, value }
//   in (on a port):         { type: 'read', id, url, ranges, priority, kind, headers?, credentials? }
//                           { type: 'read-cancel', id }    read `id` is no longer wanted
//   out (on that port):     { type: 'bytes', id, ok, value: Uint8Array[] | error }   transferred

import { Engine, initWasm } from './index.js';
import { errorOf, listenPort, movable, parentPort } from './pool.js';

const engine = Engine.shared();

// The listener is attached while the module first runs (no await before it).
const parent = parentPort();

/** Serve one pool worker's reads on `port`. */
function serve(port) {
  /** read id → AbortController */
  const reads = new Map();
  listenPort(port, (m) => {
    if (m?.type === 'read-cancel') {
      reads.get(m.id)?.abort();
      reads.delete(m.id);
      return;
    }
    if (m?.type !== 'read') return;
    const controller = new AbortController();
    reads.set(m.id, controller);
    const reply = (msg, transfer) => {
      if (reads.delete(m.id)) port.postMessage({ type: 'bytes', id: m.id, ...msg }, transfer);
    };
    const options = { priority: m.priority ?? 0, kind: m.kind ?? 'data', signal: controller.signal };
    if (m.headers) options.headers = m.headers;
    if (m.credentials) options.credentials = m.credentials;
    engine.read(m.url, m.ranges, options).then(
      (parts) => {
        const value = movable(parts);
        reply({ ok: true, value }, value.map((p) => p.buffer));
      },
      (err) => reply({ ok: false, error: errorOf(err) }),
    );
  });
}

listenPort(parent, (m) => {
  if (m?.type === 'wasm') initWasm(m.module, m.epsg).catch(() => {}); // a failure is the next read's error
  else if (m?.type === 'port' && m.port) serve(m.port);
  else if (m?.type === 'stats') parent.postMessage({ type: 'stats', id: m.id, value: engine.stats() });
});

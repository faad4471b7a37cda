// large-image-wasm's service worker: django-large-image's REST API at this site's URLs, with no server.
// A thin `fetch` listener around the router (lib/router.js); the wasm engine runs here, in the worker
// (a service worker is off the page's main thread already, and cannot start workers of its own).
//
// Register it from the page with one call (lib/service-worker.js):
//   const sw = await registerLargeImageWorker('/sw.js', { images: { bmng: '/data/bmng.tif' } });
//   <img src="/api/image/bmng/tiles/3/4/2.png?projection=EPSG:3857">
// Its settings come from the script URL's query (`?prefix=/api/image&listsPrefix=/api/large-image&
// allowOrigins=https://a.example,https://b.example`); images registered from the page are kept in Cache
// Storage, so a worker stopped when idle and started again still knows them. Every request that is not
// under the router's paths goes to the network untouched.

import { createRouter } from './lib/router.js';

const settings = new URL(self.location.href).searchParams;
const list = (v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

const route = createRouter({
  prefix: settings.get('prefix') ?? undefined,
  listsPrefix: settings.get('listsPrefix') ?? undefined,
  allowOrigins: list(settings.get('allowOrigins')),
});

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  if (route.handles(event.request)) event.respondWith(route(event.request));
});

// The page's `register`/`unregister`/`images` calls, answered on the message's port.
self.addEventListener('message', (event) => {
  const { op, name, url, options } = event.data ?? {};
  const port = event.ports[0];
  if (!port) return;
  const calls = {
    register: () => route.register(name, url, options),
    unregister: () => route.unregister(name),
    images: () => route.images(),
    ping: async () => ({ prefix: route.prefix, listsPrefix: route.listsPrefix }),
  };
  const call = calls[op];
  event.waitUntil(
    (call ? call() : Promise.reject(new Error(`unknown operation ${JSON.stringify(op)} (${Object.keys(calls).join(', ')})`))).then(
      (result) => port.postMessage({ ok: true, result }),
      (e) => port.postMessage({ ok: false, error: String(e?.message ?? e) }),
    ),
  );
});

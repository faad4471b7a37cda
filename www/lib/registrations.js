// Where the router keeps the images registered by name, so that a service worker stopped when idle and
// started again still knows them: Cache Storage where there is one (service workers, pages), else memory
// (Node). A store is `{ load(): Promise<object>, save(all: object): Promise<void> }`; all registrations
// are one JSON entry, written whole on every change.

const CACHE_NAME = 'large-image-wasm-router';
const KEY = '/__large-image-wasm/registrations.json';

/** Registrations kept in memory only (gone when the process or worker ends). */
export function memoryStore(initial = {}) {
  let all = structuredClone(initial);
  return {
    async load() {
      return structuredClone(all);
    },
    async save(next) {
      all = structuredClone(next);
    },
  };
}

/** Registrations kept in Cache Storage under `name` (null where there is no Cache Storage). */
export function cacheStore(name = CACHE_NAME) {
  const storage = globalThis.caches;
  if (!storage || typeof storage.open !== 'function') return null;
  const key = new URL(KEY, globalThis.location?.href ?? 'http://localhost/').href;
  return {
    async load() {
      const hit = await (await storage.open(name)).match(key);
      return hit ? hit.json() : {};
    },
    async save(all) {
      const body = JSON.stringify(all);
      await (await storage.open(name)).put(key, new Response(body, { headers: { 'Content-Type': 'application/json' } }));
    },
  };
}

/** Cache Storage where there is one, else null (the router then keeps registrations in memory). */
export function defaultStore() {
  return cacheStore();
}

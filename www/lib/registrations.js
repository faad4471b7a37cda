// Where the router keeps the images registered by name, so that a service worker stopped when idle and
// started again still knows them: Cache Storage where there is one (service workers, pages), else memory
// (Node). A store is `{ load(): Promise<object>, save(all: object): Promise<void> }`; all registrations
// are one JSON entry, written whole on every change. `Registry` holds them for a router and resolves an
// image `{id}` (a name, or an allowed URL).

import { HttpError, badParameter, refuseUnknown } from './http.js';

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

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
const IMAGE_OPTIONS = ['url', 'headers', 'credentials', 'cacheBytes', 'headerBytes'];

/** A registration's options, checked: `{ url, headers, credentials, cacheBytes, headerBytes }`. */
export function imageEntry(name, value, siteOrigin) {
  const entry = typeof value === 'string' || value instanceof URL ? { url: String(value) } : { ...value };
  refuseUnknown(`image ${JSON.stringify(name)}`, entry, IMAGE_OPTIONS);
  if (!NAME_RE.test(name)) {
    throw new TypeError(`image name ${JSON.stringify(name)}: letters, digits and . _ ~ - only (at most 128), not starting with a symbol`);
  }
  if (typeof entry.url !== 'string' || entry.url === '') throw new TypeError(`image ${JSON.stringify(name)}: url is required`);
  let u;
  try {
    u = siteOrigin ? new URL(entry.url, siteOrigin) : new URL(entry.url);
  } catch {
    throw new TypeError(`image ${JSON.stringify(name)}: ${JSON.stringify(entry.url)} is not a URL (absolute, or relative to the site)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError(`image ${JSON.stringify(name)}: ${u.protocol} URLs are not read (http or https)`);
  }
  entry.url = u.href;
  if (entry.headers != null) entry.headers = Object.fromEntries(Object.entries(entry.headers).map(([k, v]) => [k, String(v)]));
  return entry;
}

/**
 * The images a router knows by name (given at its creation, or registered and persisted in `store`), and
 * which URLs an `{id}` may name: `allowOrigins`, or by default the site's origin and the registered
 * images'.
 */
export class Registry {
  #images = new Map();
  #given = new Set();
  #store;
  #origin;
  #allowOrigins;
  #loaded = null;

  /** @param {{ images?: object, store: object, origin: string | null, allowOrigins: string[] | null }} o */
  constructor({ images, store, origin, allowOrigins }) {
    for (const [name, value] of Object.entries(images ?? {})) this.#images.set(name, imageEntry(name, value, origin));
    this.#given = new Set(this.#images.keys());
    this.#store = store;
    this.#origin = origin;
    this.#allowOrigins = allowOrigins;
  }

  /** Registrations persisted by an earlier life of this worker join the given ones (given ones win). */
  ready() {
    this.#loaded ??= (async () => {
      try {
        for (const [name, entry] of Object.entries((await this.#store.load()) ?? {})) {
          if (!this.#given.has(name)) this.#images.set(name, entry);
        }
      } catch (e) {
        console.warn(`large-image-wasm router: registrations could not be read (${e?.message ?? e})`);
      }
    })();
    return this.#loaded;
  }

  #persist() {
    const all = {};
    for (const [name, entry] of this.#images) if (!this.#given.has(name)) all[name] = entry;
    return this.#store.save(all);
  }

  /** Registers (or replaces) `name`; its options are checked first. */
  async register(name, url, options = {}) {
    await this.ready();
    const entry = imageEntry(name, { ...options, url }, this.#origin);
    this.#images.set(name, entry);
    this.#given.delete(name);
    await this.#persist();
    return entry;
  }

  /** Forgets `name`; true when it was registered. */
  async unregister(name) {
    await this.ready();
    const had = this.#images.delete(name);
    this.#given.delete(name);
    await this.#persist();
    return had;
  }

  /** `{ name: url }` of every registered image (their headers stay inside). */
  async urls() {
    await this.ready();
    return Object.fromEntries([...this.#images].map(([name, e]) => [name, e.url]));
  }

  #allowedOrigins(site) {
    return this.#allowOrigins ?? [...new Set([site, ...[...this.#images.values()].map((e) => new URL(e.url).origin)])];
  }

  /**
   * The image an `{id}` names: a registration (with its options), or an allowed URL (with none of any
   * registration's headers or credentials). `site` is the site's origin.
   */
  resolve(rawId, site) {
    let id;
    try {
      id = decodeURIComponent(rawId);
    } catch {
      throw badParameter('id', `image id ${JSON.stringify(rawId)} is not valid percent-encoding`);
    }
    const reg = this.#images.get(id);
    if (reg) {
      const { url, ...openOptions } = reg;
      return { key: `name:${id}`, url, openOptions };
    }
    const looksLikeUrl = id.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(id);
    if (!looksLikeUrl) {
      throw new HttpError(404, `no image named ${JSON.stringify(id)}: register it, or give the COG's URL URL-encoded (absolute, or relative to the site)`);
    }
    let u;
    try {
      u = new URL(id, site);
    } catch {
      throw badParameter('id', `image id ${JSON.stringify(id)} is neither a registered name nor a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw badParameter('id', `image id ${JSON.stringify(id)}: only http and https URLs are read`);
    }
    const allowed = this.#allowedOrigins(site);
    if (!allowed.includes(u.origin)) {
      throw new HttpError(403, `images from ${u.origin} are not allowed here (allowOrigins: ${allowed.join(', ')})`, { url: u.href });
    }
    // Never a registration's headers or credentials: only what any page's fetch would send.
    return { key: `url:${u.href}`, url: u.href, openOptions: { credentials: 'same-origin' } };
  }
}

// large-image-wasm/service-worker: the page's side of www/sw.js. One call registers the worker, waits
// until it controls the page, and registers images by name (kept by the worker across reloads and
// restarts):
//
//   import { registerLargeImageWorker } from 'large-image-wasm/service-worker';
//   const sw = await registerLargeImageWorker('/sw.js', { images: { bmng: '/data/bmng.tif' } });
//   await sw.register('private', 'https://bucket.example/a.tif', { headers: { Authorization: 'Bearer …' } });

const CONTROL_TIMEOUT_MS = 30_000;
const SETTINGS = ['prefix', 'listsPrefix', 'allowOrigins'];
const OPTIONS = ['scope', 'images', ...SETTINGS];

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`large-image-wasm service worker: ${what} took more than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Asks the active worker `op` and waits for its answer on a MessageChannel. */
function ask(worker, message) {
  const { port1, port2 } = new MessageChannel();
  const answer = new Promise((resolve, reject) => {
    port1.onmessage = (e) => (e.data?.ok ? resolve(e.data.result) : reject(new Error(e.data?.error ?? 'no answer')));
  });
  worker.postMessage(message, [port2]);
  return withTimeout(answer, CONTROL_TIMEOUT_MS, `${message.op}`).finally(() => port1.close());
}

/**
 * Registers www/sw.js (a module service worker) at `scriptUrl` and waits until it controls this page.
 * @param {string | URL} scriptUrl where sw.js is served (its folder must hold lib/ and pkg/)
 * @param {{ scope?: string, prefix?: string, listsPrefix?: string, allowOrigins?: string[], images?: Record<string, string | {url: string, headers?: object, credentials?: string}> }} [options]
 * @returns {Promise<{ registration: ServiceWorkerRegistration, register: (name: string, url: string, options?: object) => Promise<{name: string, url: string}>, unregister: (name: string) => Promise<boolean>, images: () => Promise<Record<string, string>>, prefix: string, listsPrefix: string }>}
 */
export async function registerLargeImageWorker(scriptUrl, options = {}) {
  for (const k of Object.keys(options)) {
    if (!OPTIONS.includes(k)) throw new TypeError(`registerLargeImageWorker: unknown option ${JSON.stringify(k)} (known: ${OPTIONS.join(', ')})`);
  }
  if (!('serviceWorker' in navigator)) throw new Error('large-image-wasm: this browser (or an insecure origin) has no service workers');
  const url = new URL(scriptUrl, location.href);
  for (const k of SETTINGS) {
    if (options[k] != null) url.searchParams.set(k, Array.isArray(options[k]) ? options[k].join(',') : String(options[k]));
  }
  // Bounded: a worker script that fails to evaluate can leave `register` unsettled.
  const registration = await withTimeout(navigator.serviceWorker.register(url, { type: 'module', scope: options.scope }), CONTROL_TIMEOUT_MS, `registering ${url.pathname}`);
  await withTimeout(navigator.serviceWorker.ready, CONTROL_TIMEOUT_MS, 'activation');
  if (!navigator.serviceWorker.controller) {
    // The first load of a page is not controlled until the worker claims it.
    await withTimeout(new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true })), CONTROL_TIMEOUT_MS, 'taking control');
  }
  const worker = () => registration.active ?? navigator.serviceWorker.controller;
  const { prefix, listsPrefix } = await ask(worker(), { op: 'ping' });
  const api = {
    registration,
    prefix,
    listsPrefix,
    register: (name, imageUrl, imageOptions = {}) => ask(worker(), { op: 'register', name, url: String(new URL(imageUrl, location.href)), options: imageOptions }),
    unregister: (name) => ask(worker(), { op: 'unregister', name }),
    images: () => ask(worker(), { op: 'images' }),
  };
  for (const [name, value] of Object.entries(options.images ?? {})) {
    const { url: imageUrl, ...imageOptions } = typeof value === 'string' ? { url: value } : value;
    await api.register(name, imageUrl, imageOptions);
  }
  return api;
}

export default registerLargeImageWorker;

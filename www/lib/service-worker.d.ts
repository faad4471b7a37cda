// Types of large-image-wasm/service-worker (www/lib/service-worker.js), the page's side of www/sw.js.
import type { ImageRegistration } from './router.js';

export interface LargeImageWorkerOptions {
  scope?: string;
  prefix?: string;
  listsPrefix?: string;
  allowOrigins?: string[];
  /** Registered once the worker controls the page (and kept by it across reloads and restarts). */
  images?: Record<string, ImageRegistration>;
}

export interface LargeImageWorker {
  registration: ServiceWorkerRegistration;
  prefix: string;
  listsPrefix: string;
  register(name: string, url: string, options?: { headers?: Record<string, string>; credentials?: 'omit' | 'same-origin' | 'include' }): Promise<{ name: string; url: string }>;
  unregister(name: string): Promise<boolean>;
  images(): Promise<Record<string, string>>;
}

/** Registers www/sw.js at `scriptUrl` (a module service worker) and waits until it controls the page. */
export function registerLargeImageWorker(scriptUrl: string | URL, options?: LargeImageWorkerOptions): Promise<LargeImageWorker>;
export default registerLargeImageWorker;

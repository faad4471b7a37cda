// Types of large-image-wasm/router (www/lib/router.js).
import type { Credentials } from './index.js';

/** An image known by name: its URL, and the headers/credentials that go to it and nowhere else. */
export type ImageRegistration = string | ({ url: string } & RegisterOptions);

/** What goes with a registered image's requests, and nowhere else. */
export interface RegisterOptions {
  headers?: Record<string, string>;
  credentials?: Credentials;
  cacheBytes?: number;
  headerBytes?: number;
}

/** Where registrations persist (default: Cache Storage where there is one, else memory). */
export interface RegistrationStore {
  load(): Promise<Record<string, { url: string; [key: string]: unknown }>>;
  save(all: Record<string, { url: string; [key: string]: unknown }>): Promise<void>;
}

export interface RouterOptions {
  /** Where the detail routes live: `{prefix}/{id}/{route}` (default `/api/image`). */
  prefix?: string;
  /** Where `sources`, `colormaps`, `formats` live (default `/api/large-image`). */
  listsPrefix?: string;
  images?: Record<string, ImageRegistration>;
  /** Origins a URL id may point at (default: the site's own and the registered images'). */
  allowOrigins?: string[];
  store?: RegistrationStore;
  /** How images are opened (default `LargeImage.open`). */
  open?: (url: string, options: Record<string, unknown>) => Promise<import('./index.js').LargeImage>;
  /** The site's origin (default `self.location.origin`, else each request's). */
  origin?: string;
  /** Images kept open at once (default 16). */
  maxImages?: number;
  /** An answer not ready by then is a 504 (default 60000). */
  timeoutMs?: number;
}

export interface Router {
  (request: Request): Promise<Response>;
  /** Whether the request is under this router's paths (a service worker passes the others through). */
  handles(request: Request | URL | string): boolean;
  register(name: string, url: string, options?: RegisterOptions): Promise<{ name: string; url: string }>;
  unregister(name: string): Promise<boolean>;
  images(): Promise<Record<string, string>>;
  readonly prefix: string;
  readonly listsPrefix: string;
}

/** An error answered as JSON `{detail, ...extra}` with `status`. */
export class HttpError extends Error {
  constructor(status: number, detail: string, extra?: Record<string, unknown>);
  status: number;
  extra: Record<string, unknown>;
}

/** The large_image style of checked query parameters, as django-large-image's `get_style` reads them. */
export function styleOf(query: Record<string, unknown>): Record<string, unknown> | null;

/** Which detail route a path after `{id}/` names. */
export function matchRoute(routePath: string): { route: { name: string; path: string }; alias: { path: string } | null; groups: Record<string, string> } | null;

/** JSON text with `<`, `>` and `&` escaped (`\u003c`…), as every JSON body of the router is written. */
export function safeJson(value: unknown): string;

/** The level `data/histogram` reads by default: the coarsest whose larger side has at least this many pixels. */
export const HISTOGRAM_RESOLUTION: number;

export function createRouter(options?: RouterOptions): Router;
export default createRouter;

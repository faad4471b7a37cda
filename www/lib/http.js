// The router's HTTP side: JSON errors with a server's statuses, bodies that no browser reads as markup,
// strong ETags and 304s. No routes here (routes.js, views.js), no images (registrations.js, router.js).

export const JSON_TYPE = 'application/json';

/** An error answered as JSON with `status`; `extra` fields go into the body beside `detail`. */
export class HttpError extends Error {
  constructor(status, detail, extra = {}) {
    super(detail);
    this.name = 'HttpError';
    this.status = status;
    this.extra = extra;
  }
}

export const badParameter = (name, detail) => new HttpError(400, detail, { parameter: name });

/** django-large-image's `param_nully`: values it takes for "not given". */
export function nully(v) {
  return v == null || ['', 'undefined', 'none', 'null', 'false'].includes(String(v).toLowerCase());
}

export function refuseUnknown(what, given, known) {
  for (const k of Object.keys(given ?? {})) {
    if (!known.includes(k)) throw new TypeError(`${what}: unknown option ${JSON.stringify(k)} (known: ${known.join(', ')})`);
  }
}

/** A short strong validator of a body: two FNV-1a hashes and the length. */
function etagOf(bytes) {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x5bd1e995);
  }
  return `"${bytes.length.toString(36)}-${(a >>> 0).toString(36)}${(b >>> 0).toString(36)}"`;
}

/**
 * JSON text with `<`, `>` and `&` as \u escapes: nothing a path or query brought in can read as markup,
 * whatever a browser or a page later does with the body.
 */
export function safeJson(value) {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function jsonBytes(value) {
  return new TextEncoder().encode(safeJson(value));
}

/** The headers every answer carries (JSON bodies are never sniffed as HTML). */
function baseHeaders(type) {
  return { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' };
}

export function errorResponse(err, head) {
  const status = err instanceof HttpError ? err.status : 500;
  const body = { detail: err instanceof HttpError ? err.message : String(err?.message ?? err), ...(err.extra ?? {}) };
  const headers = { ...baseHeaders(JSON_TYPE), 'Cache-Control': 'no-store' };
  if (status === 405) headers.Allow = 'GET, HEAD';
  return new Response(head ? null : safeJson(body), { status, headers });
}

/**
 * A view's result (`{json}` or `{bytes, type}`) as a 200 with `Content-Type`, `ETag` and `Cache-Control`,
 * or a 304 when `If-None-Match` names its ETag; HEAD gets the headers only.
 */
export function okResponse(result, request, head) {
  const bytes = result.json !== undefined ? jsonBytes(result.json) : result.bytes;
  const etag = etagOf(bytes);
  const headers = { ...baseHeaders(result.json !== undefined ? JSON_TYPE : result.type), 'Cache-Control': 'no-cache', ETag: etag };
  const inm = request.headers.get('If-None-Match');
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': 'no-cache' } });
  }
  headers['Content-Length'] = String(bytes.length);
  return new Response(head ? null : bytes, { status: 200, headers });
}

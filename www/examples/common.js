// Shared by the map examples: registers the service worker (www/sw.js) with the embedded COG under the
// name `bmng`, so that the worker answers django-large-image's URLs for it; errors are listed on the page.
import { registerLargeImageWorker } from '../lib/service-worker.js';

export const TILE_URL = '/api/image/bmng/tiles/{z}/{x}/{y}.png?projection=EPSG:3857';

export const example = { errors: [], tilesLoaded: 0, lonLatAt: null };
globalThis.example = example;

export function showError(e) {
  const text = String(e?.message ?? e);
  example.errors.push(text);
  const li = document.createElement('li');
  li.textContent = text; // text, never markup
  document.getElementById('errors')?.append(li);
}

/** The worker, registered and in control of this page, with bmng.tif registered. */
export function startWorker() {
  return registerLargeImageWorker('/sw.js', { images: { bmng: '/data/bmng.tif' } });
}

// What the Node-side benchmark scripts share: their `--name value` options, a page of a local server's
// origin in headless Chromium (Debian's, through playwright-core, with the tests' flags), and a page in a
// Chromium no tool is attached to (`unattached`).

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { CHROMIUM_ARGS, withTimeout } from '../tests/js/helpers.mjs';

/** The checkout. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `--name value` and `--name=value` options over `defaults` (a number default makes a number, a boolean
 * one a flag without a value, an unknown name is an error); `lists` names the comma-separated ones (arrays out).
 */
export function options(argv, defaults, lists = []) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].replace(/^--/, '').split(/=(.*)/s, 2);
    if (!(k in o)) throw new Error(`unknown option --${k} (known: ${Object.keys(o).map((n) => `--${n}`).join(' ')})`);
    if (typeof defaults[k] === 'boolean') {
      o[k] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const v = inline ?? argv[++i];
    o[k] = typeof defaults[k] === 'number' ? Number(v) : v;
  }
  for (const k of lists) o[k] = String(o[k]).split(',').filter(Boolean);
  return o;
}

/** Headless Chromium, and a new page on an empty document of `origin` (answered by the browser itself). */
export async function blankPage(origin, contextOptions = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const newPage = async () => {
    const page = await (await browser.newContext(contextOptions)).newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.route('**/blank.html', (r) => r.fulfill({ body: '<!doctype html><title>bench</title>', contentType: 'text/html' }));
    await page.goto(`${origin}/blank.html`);
    return page;
  };
  return { browser, newPage };
}

/**
 * Opens `url` in a headless Chromium process of its own (a new profile, the tests' flags, a window of
 * `windowSize` pixels) that no tool is attached to, and resolves with what the page posts: the page is given
 * `auto=<a results URL>` in its query string and posts JSON there with `fetch(auto, { method: 'POST',
 * mode: 'no-cors', body })`: `{ mark }` any number of times (each handed to `onMark`), then `{ done }`
 * (the answer) or `{ failed }` (a rejection). Playwright keeps DevTools' network instrumentation on,
 * which copies every response body and adds milliseconds to each request on this machine; a user's
 * browser has none of it, so timings that include the network are taken this way too.
 */
export async function unattached(url, { windowSize = [1380, 920], onMark = () => {}, timeoutMs = 600_000 } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-chromium-'));
  let settle;
  const posted = new Promise((resolve, reject) => (settle = { resolve, reject }));
  const results = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.end();
      const m = JSON.parse(body);
      if (m.mark !== undefined) onMark(m.mark);
      else if (m.done !== undefined) settle.resolve(m.done);
      else settle.reject(new Error(`${url}: ${m.failed}`));
    });
  });
  await new Promise((r) => results.listen(0, '127.0.0.1', r));
  const auto = `http://127.0.0.1:${results.address().port}/result`;
  const full = `${url}${url.includes('?') ? '&' : '?'}auto=${encodeURIComponent(auto)}`;
  const child = spawn('/usr/bin/chromium', [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, `--window-size=${windowSize.join(',')}`,
    '--force-device-scale-factor=1', `--app=${full}`], { stdio: 'ignore', detached: true });
  try {
    return await withTimeout(posted, timeoutMs, url);
  } finally {
    // The whole process group: the browser and its renderer, GPU and network processes.
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGTERM');
    await withTimeout(exited, 30_000, 'chromium to exit').catch(() => process.kill(-child.pid, 'SIGKILL'));
    await new Promise((r) => setTimeout(r, 500));
    results.close();
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}


// What the Node-side benchmark scripts share: their `--name value` options, and a page of a local
// server's origin in headless Chromium (Debian's, through playwright-core, with the tests' flags).

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CHROMIUM_ARGS } from '../tests/js/helpers.mjs';

/** The checkout. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `--name value` and `--name=value` options over `defaults` (a number default makes a number, an
 * unknown name is an error); `lists` names the comma-separated ones (arrays out).
 */
export function options(argv, defaults, lists = []) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].replace(/^--/, '').split(/=(.*)/s, 2);
    const v = inline ?? argv[++i];
    if (!(k in o)) throw new Error(`unknown option --${k} (known: ${Object.keys(o).map((n) => `--${n}`).join(' ')})`);
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

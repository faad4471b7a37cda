// The demo page as a person uses it, built by scripts/build.mjs into a temporary folder and served by a
// plain static host (tests/js/static-host.mjs: files and byte ranges, nothing else), as a bucket would
// serve it. Driven in headless Chromium as a user would: typing a URL, picking a sample, choosing a local
// GDAL-made file, changing the style, typing a bad expression, dragging a histogram marker, clicking the
// map, exporting, copying the XYZ template into a second page, a failing URL, the keyboard, an axe-core
// audit and a phone-sized screen. GDAL answers what the page should show.
//
// Run: node --test tests/js/demo.test.mjs   (needs /usr/bin/chromium, npm ci, www/pkg, gdal-bin)
// Screenshots go to tests/out/demo-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { build } from '../../scripts/build.mjs';
import { LargeImage } from '../../www/lib/index.js';
import { startStaticHost } from './static-host.mjs';
import { BMNG, CHROMIUM_ARGS, OUT_DIR, REPO, decodePng, gdalinfo, makeSyntheticCog, missingPrerequisites, run, tempDir, withTimeout } from './helpers.mjs';
import { assertScreenLikeGdal, screenVsGdal } from './browser-helpers.mjs';

const missing = missingPrerequisites({ browser: true });
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const WAIT_MS = 60_000;

/** Polls `fn` in the page (timers, not frames: SwiftShader frames are slow under load). */
function until(page, fn, arg, what, timeout = WAIT_MS) {
  return withTimeout(page.waitForFunction(fn, arg, { polling: 200, timeout }), timeout + 1000, what);
}

/** Waits until the globe has loaded every tile it wants, twice in a row, with at least one of ours. */
async function tilesSettled(page) {
  let streak = 0;
  for (let i = 0; i < 400 && streak < 3; i++) {
    const done = await page.evaluate(() => window.demo.viewer.scene.globe.tilesLoaded && (window.demo.provider?.tilesLoaded ?? 0) > 0);
    streak = done ? streak + 1 : 0;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(streak, 3, 'the globe finished loading its tiles');
}

/** The map's pixels in a box away from the panel (RGBA of a screenshot clip). */
async function mapPixels(page, clip) {
  return decodePng(await page.screenshot({ clip, type: 'png' })).data;
}

function differingFraction(a, b) {
  let n = 0;
  for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 24) n++;
  return n / (a.length / 4);
}

/** Values of `gdallocationinfo -wgs84` at lon/lat: every band's value, and the pixel/line. */
async function gdalAt(file, lon, lat) {
  const xml = await run('gdallocationinfo', ['-xml', '-wgs84', file, String(lon), String(lat)]);
  const report = xml.match(/<Report pixel="(\d+)" line="(\d+)"/);
  const values = [...xml.matchAll(/<Value>([^<]*)<\/Value>/g)].map((m) => Number(m[1]));
  return { col: Number(report[1]), row: Number(report[2]), values };
}

/**
 * The screenshot `shot` (of `page`, showing bmng.tif) against GDAL's reference: a grid of points on the
 * map, away from the panel and the other controls, each 7×7 patch's mean colour against
 * gdallocationinfo's at the ellipsoid points Cesium's camera picks under it (`assertScreenLikeGdal`).
 */
async function screenMatchesGdal(page, shot, viewport) {
  const covered = await page.evaluate(() => [...document.querySelectorAll('#panel, #scene-modes, .cesium-viewer-bottom, #progress, #drop-overlay')]
    .map((e) => e.getBoundingClientRect()).filter((r) => r.width && r.height).map((r) => [r.left, r.top, r.right, r.bottom]));
  const free = (x, y) => covered.every(([l, t, r, b]) => x < l - 8 || x > r + 8 || y < t - 8 || y > b + 8);
  const points = [];
  for (let fy = 0.1; fy < 0.95; fy += 0.08) {
    for (let fx = 0.08; fx < 0.95; fx += 0.08) {
      const p = [Math.round(viewport.width * fx), Math.round(viewport.height * fy)];
      if (free(...p)) points.push(p);
    }
  }
  return assertScreenLikeGdal(await screenVsGdal(page, shot, points, BMNG));
}

/**
 * The explorer's validation report of the open file against GDAL's validator on `file`: the same errors
 * and warnings in the same words, and the summary's verdict. Returns GDAL's report.
 */
async function validationLikeGdal(page, file) {
  const gdalReport = JSON.parse(await run('/usr/bin/python3', [path.join(REPO, 'tests', 'gdal_oracle.py'), 'validate', file]));
  const want = [...gdalReport.errors.map((e) => `Error: ${e}`), ...gdalReport.warnings.map((w) => `Warning: ${w}`)];
  // The report of the file opened before may still show while this one's is made: wait for this one's
  // list (and its summary's verdict), then compare.
  const verdict = gdalReport.errors.length ? 'Not a valid' : 'A valid';
  await until(
    page,
    ([list, verdict]) =>
      JSON.stringify([...document.querySelectorAll('#validation li')].map((li) => li.textContent)) === JSON.stringify(list) &&
      document.querySelector('#validation-summary').textContent.startsWith(verdict),
    [want, verdict],
    `the validation report of ${path.basename(file)}`,
  ).catch(() => {});
  const shown = await page.$$eval('#validation li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(shown, want);
  assert.match(await page.textContent('#validation-summary'), new RegExp(`^${verdict}`));
  return gdalReport;
}

describe('the demo page, built and served from a plain static host', () => {
  let chromium;
  let browser;
  let context;
  let page;
  let site;
  let bucket;
  let dir;
  let dist;
  let cog;
  let notCog;
  let utm;
  const pageErrors = [];

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ chromium } = await import('playwright-core'));
    dir = await tempDir('liw-demo-');
    dist = path.join(dir, 'dist');
    const built = await build(dist);
    assert.ok(built.files > 10, `the build wrote ${built.files} files`);
    // A second "bucket" with CORS for the COG typed by URL, and a GDAL-made COG to open as a local file.
    const fixtures = path.join(dir, 'bucket');
    await fsp.mkdir(fixtures);
    cog = await makeSyntheticCog(fixtures, { name: 'synthetic.tif', width: 800, height: 640, west: 10, north: 48, res: 0.0125 });
    notCog = path.join(dir, 'local-cog.tif');
    await run('gdal_translate', ['-q', '-of', 'COG', '-co', 'COMPRESS=LZW', '-co', 'BLOCKSIZE=256', cog, notCog]);
    // A plain tiled GeoTIFF in a projected CRS, over 512 pixels a side without overviews (GDAL's validator
    // warns of that): the explorer must open it too.
    utm = path.join(dir, 'local-utm.tif');
    await run('gdalwarp', ['-q', '-t_srs', 'EPSG:32633', '-tr', '1000', '1000', '-r', 'near', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', cog, utm]);
    await fsp.mkdir(OUT_DIR, { recursive: true });
    site = await startStaticHost(dist);
    bucket = await startStaticHost(fixtures, { cors: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1, acceptDownloads: true, serviceWorkers: 'allow' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await bucket?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  test('the built folder alone shows the embedded COG, its metadata and its validation', async () => {
    await page.goto(`${site.url}/`);
    await withTimeout(page.evaluate(() => window.demo.ready.then(() => true)), WAIT_MS, 'window.demo.ready');
    await withTimeout(page.evaluate(() => window.demo.firstTile), WAIT_MS, 'the first tile');
    const info = await gdalinfo(BMNG);
    const size = `${info.size[0].toLocaleString('en-US')} × ${info.size[1].toLocaleString('en-US')}`;
    assert.match(await page.textContent('#meta-size'), new RegExp(size));
    assert.match(await page.textContent('#meta-bands'), /^3 × uint8/);
    assert.match(await page.textContent('#meta-crs'), /EPSG:4326/);
    assert.match(await page.textContent('#meta-compression'), /jpeg/i);
    await until(page, () => document.querySelector('#validation-summary').textContent !== '–', null, 'the validation report');
    const gdalReport = JSON.parse(await run('/usr/bin/python3', [path.join(REPO, 'tests', 'gdal_oracle.py'), 'validate', BMNG]));
    assert.equal(gdalReport.errors.length, 0);
    assert.match(await page.textContent('#validation-summary'), /^A valid Cloud Optimized GeoTIFF/);
    await tilesSettled(page);
    // Everything came from the built folder: no request the static host could not answer.
    const misses = site.log.filter((e) => e.status >= 400);
    assert.deepEqual(misses, [], 'every file the page asked for is in the build');
    assert.ok(site.log.some((e) => e.path === '/data/bmng.tif' && e.status === 206), 'the COG was read with ranges');
    // The desktop screenshot against GDAL's reference colours.
    const png = await page.screenshot({ path: path.join(OUT_DIR, 'demo-desktop-start.png') });
    await screenMatchesGdal(page, decodePng(png), DESKTOP);
  });

  test('3D globe, 2D map and Columbus view switch, and the URL follows', async () => {
    await page.click('#scene-modes button[data-mode="2d"]', { noWaitAfter: true });
    await until(page, () => window.demo.viewer.scene.mode === Cesium.SceneMode.SCENE2D, null, '2D mode');
    assert.equal(await page.getAttribute('#scene-modes button[data-mode="2d"]', 'aria-pressed'), 'true');
    assert.match(page.url(), /view=2d/);
    await page.click('#scene-modes button[data-mode="columbus"]', { noWaitAfter: true });
    await until(page, () => window.demo.viewer.scene.mode === Cesium.SceneMode.COLUMBUS_VIEW, null, 'Columbus view');
    await page.click('#scene-modes button[data-mode="3d"]', { noWaitAfter: true });
    await until(page, () => window.demo.viewer.scene.mode === Cesium.SceneMode.SCENE3D, null, '3D mode');
    assert.doesNotMatch(page.url(), /view=/);
  });

  test('a typed URL opens that COG, and ?url= in the address bar shares it', async () => {
    const url = `${bucket.url}/synthetic.tif`;
    await page.fill('#url-input', url);
    await page.press('#url-input', 'Enter');
    await until(page, () => window.demo.metadata?.sizeX === 800, null, 'the typed COG open');
    assert.equal(new URL(page.url()).searchParams.get('url'), url);
    assert.match(await page.textContent('#meta-size'), /800 × 640/);
    assert.ok(bucket.log.some((e) => e.range), 'read from the bucket with ranges');
  });

  test('the sample list opens the embedded COG again', async () => {
    await page.selectOption('#samples', 'data/bmng.tif');
    await until(page, () => window.demo.metadata?.sizeX === 5400, null, 'the sample open');
    assert.equal(new URL(page.url()).searchParams.get('url'), null, 'the default COG needs no ?url=');
  });

  test('a local file opens in place (never uploaded) and its validation report says what GDAL’s says', async () => {
    const before = { site: site.log.length, bucket: bucket.log.length };
    await page.setInputFiles('#file-input', notCog);
    await until(page, () => window.demo.metadata?.sizeX === 800 && window.demo.url.startsWith('file:'), null, 'the local file open');
    await until(page, () => /Cloud Optimized/.test(document.querySelector('#validation-summary').textContent), null, 'its validation report');
    await validationLikeGdal(page, notCog);
    await tilesSettled(page);
    const after = [...site.log.slice(before.site), ...bucket.log.slice(before.bucket)];
    assert.ok(after.every((e) => e.method === 'GET' && !e.path.includes('local-cog')), `nothing of the file reached a server: ${JSON.stringify(after)}`);
    assert.equal(await page.isHidden('#xyz'), true, 'no XYZ template for a file only this page can read');
  });

  test('a style change re-renders the same layer; a bad expression is told at its field', async () => {
    await page.evaluate(() => window.demo.viewer.camera.setView({ destination: Cesium.Rectangle.fromDegrees(10, 40, 20, 48) }));
    await tilesSettled(page);
    const clip = { x: 500, y: 150, width: 600, height: 500 };
    const plain = await mapPixels(page, clip);
    await page.evaluate(() => {
      window.layerBefore = window.demo.layer;
    });
    const renders = await page.evaluate(() => window.demo.renders);
    await page.selectOption('#style-mode', 'band');
    await page.selectOption('#style-band', '2');
    await page.click('label[for="palette-viridis"]', { noWaitAfter: true });
    assert.equal(await page.isChecked('#palette-viridis'), true);
    await page.click('#style-form button[type="submit"]', { noWaitAfter: true });
    await until(page, (n) => window.demo.renders > n, renders, 'a re-render');
    await tilesSettled(page);
    const styled = await mapPixels(page, clip);
    const changed = differingFraction(plain, styled);
    assert.ok(changed > 0.3, `the styled map differs from the plain one (${(changed * 100).toFixed(0)} % of pixels)`);
    assert.ok(await page.evaluate(() => window.demo.layer === window.layerBefore && window.demo.viewer.imageryLayers.get(0) === window.layerBefore), 'the same ImageryLayer');
    assert.match(page.url(), /mode=band/);
    assert.match(page.url(), /palette=viridis/);

    const rendersBefore = await page.evaluate(() => window.demo.renders);
    await page.selectOption('#style-mode', 'expression');
    await page.fill('#style-expression', '(b1 - b3) / (b1 +* b3)');
    await page.fill('#style-min', '-1');
    await page.fill('#style-max', '1');
    await page.press('#style-expression', 'Enter');
    await until(page, () => document.querySelector('#style-expression-error').textContent !== '', null, 'the expression error');
    const message = await page.textContent('#style-expression-error');
    assert.match(message, /expression/i);
    assert.equal(await page.getAttribute('#style-expression', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => window.demo.renders), rendersBefore, 'a bad expression does not touch the map');
    await page.fill('#style-expression', '(b1 - b3) / (b1 + b3)');
    await page.press('#style-expression', 'Enter');
    await until(page, (n) => window.demo.renders > n, rendersBefore, 'the good expression applied');
    assert.equal(await page.textContent('#style-expression-error'), '');
  });

  test('dragging the histogram’s max marker sets Max and re-renders the tiles', async () => {
    await page.selectOption('#style-mode', 'band');
    await page.selectOption('#style-band', '1');
    await page.click('#style-form button[type="submit"]', { noWaitAfter: true });
    await until(page, () => window.demo.histogram?.band === 1, null, 'the histogram of band 1');
    await tilesSettled(page);
    const hist = await page.evaluate(() => window.demo.histogram);
    // The histogram reads the coarsest level whose larger side has at least 256 pixels: the COG's first
    // overview (400 × 320), as GDAL reads it.
    const bands = JSON.parse(await run('gdalinfo', ['-json', '-stats', '-oo', 'OVERVIEW_LEVEL=0', notCog])).bands;
    assert.equal(hist.range[0], bands[0].minimum);
    assert.equal(hist.range[1], bands[0].maximum);
    const maxBefore = Number(await page.inputValue('#style-max'));
    const renders = await page.evaluate(() => window.demo.renders);
    const clip = { x: 500, y: 150, width: 600, height: 500 };
    const pixelsBefore = await mapPixels(page, clip);
    await page.locator('#sec-hist').scrollIntoViewIfNeeded();
    const at = await page.evaluate(() => {
      const p = window.demo.histogramPlot;
      const r = p.plot.over.getBoundingClientRect();
      return { x: r.left + p.markerX('max'), y: r.top + r.height / 2, left: r.left, width: r.width };
    });
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++) await page.mouse.move(at.x - (at.width * 0.4 * i) / 5, at.y);
    await page.mouse.up();
    await until(page, (n) => window.demo.renders > n, renders, 're-render after the drag');
    await tilesSettled(page);
    await page.screenshot({ path: path.join(OUT_DIR, 'demo-desktop.png') });
    const maxAfter = Number(await page.inputValue('#style-max'));
    assert.ok(maxAfter < maxBefore - 20, `Max went from ${maxBefore} to ${maxAfter}`);
    const changed = differingFraction(pixelsBefore, await mapPixels(page, clip));
    assert.ok(changed > 0.1, `tiles re-rendered with the new stretch (${(changed * 100).toFixed(0)} % of pixels changed)`);
  });

  test('a click on the map shows every band’s value as gdallocationinfo reads it, with coordinates', async () => {
    await page.mouse.click(800, 400);
    await until(page, () => window.demo.lastInspect?.bands != null, null, 'the inspected point');
    const got = await page.evaluate(() => window.demo.lastInspect);
    const gdal = await gdalAt(notCog, got.lon, got.lat);
    assert.deepEqual(Object.values(got.bands), gdal.values);
    assert.deepEqual([got.native.row, got.native.column], [gdal.row, gdal.col]);
    const text = await page.textContent('#inspect');
    assert.ok(text.includes(`row ${gdal.row}, column ${gdal.col}`), text);
    for (const v of gdal.values) assert.ok(text.includes(String(v)), `${v} shown in ${text}`);
    assert.match(text, /EPSG:4326.*lon/);
  });

  test('the view exports as a GeoTIFF GDAL reads as the same box of the file, and as a PNG of that size', async () => {
    await page.evaluate(() => window.demo.viewer.camera.setView({ destination: Cesium.Rectangle.fromDegrees(12, 42, 16, 46) }));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.click('#export-tiff')]);
    const tif = path.join(dir, 'export.tif');
    await download.saveAs(tif);
    const box = await page.evaluate(() => window.demo.lastExport.options);
    const ours = await gdalinfo(tif);
    const ref = path.join(dir, 'projwin.tif');
    await run('gdal_translate', ['-q', '-projwin', box.left, box.top, box.right, box.bottom, notCog, ref].map(String));
    const theirs = await gdalinfo(ref);
    assert.deepEqual(ours.size, theirs.size, 'size of the box');
    assert.equal(ours.bands.length, theirs.bands.length);
    assert.deepEqual(ours.bands.map((b) => b.type), theirs.bands.map((b) => b.type));
    ours.geoTransform.forEach((v, i) => assert.ok(Math.abs(v - theirs.geoTransform[i]) < 1e-9, `geotransform ${ours.geoTransform} vs ${theirs.geoTransform}`));
    assert.match(ours.coordinateSystem.wkt, /WGS 84/);
    assert.equal(ours.stac?.['proj:epsg'] ?? 4326, theirs.stac?.['proj:epsg'] ?? 4326);

    const [pngDownload] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.click('#export-png')]);
    const png = decodePng(await fsp.readFile(await pngDownload.path()));
    assert.deepEqual([png.width, png.height], theirs.size);
  });

  test('the XYZ template, copied, loads tiles in a second page through the service worker', async () => {
    await page.selectOption('#samples', 'data/bmng.tif');
    await until(page, () => window.demo.xyzTemplate != null && window.demo.metadata?.sizeX === 5400, null, 'the XYZ template');
    await page.click('#xyz-copy', { noWaitAfter: true });
    await until(page, () => /copied/.test(document.querySelector('#xyz-note').textContent), null, 'copied');
    const template = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(template, await page.inputValue('#xyz-template'));
    assert.match(template, /\/tiles\/\{z\}\/\{x\}\/\{y\}\.png\?/);
    const second = await context.newPage();
    try {
      const tileUrl = template.replace('{z}', '2').replace('{x}', '2').replace('{y}', '1');
      const res = await second.goto(tileUrl);
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'image/png');
      const shown = decodePng(await res.body());
      const style = new URL(tileUrl).searchParams.get('style');
      const img = await LargeImage.open(`${site.url}/data/bmng.tif`);
      const expected = decodePng(await img.tile(2, 2, 1, { projection: 'EPSG:3857', format: 'png', ...(style ? { style } : {}) }));
      img.close();
      assert.deepEqual([shown.width, shown.height], [256, 256]);
      assert.ok(Buffer.from(shown.data).equals(Buffer.from(expected.data)), 'the worker’s tile is the library’s tile');
      // An <img> in a page of the site shows it too.
      const loaded = await second.evaluate(async (src) => {
        document.body.innerHTML = '';
        const im = new Image();
        im.src = src;
        await im.decode();
        return [im.naturalWidth, im.naturalHeight];
      }, tileUrl.replace('/tiles/2/2/1', '/tiles/3/4/2'));
      assert.deepEqual(loaded, [256, 256]);
    } finally {
      await second.close();
    }
  });

  test('a failing URL shows the error panel (URL, status, reason, what to try); the map keeps running', async () => {
    const bad = `${site.url}/data/missing.tif`;
    await page.fill('#url-input', bad);
    await page.press('#url-input', 'Enter');
    await until(page, () => !document.querySelector('#error-panel').hidden, null, 'the error panel');
    const text = await page.textContent('#errors');
    assert.ok(text.includes(bad), text);
    assert.match(text, /Status\s*404/);
    assert.match(text, /What to try/);
    assert.equal(await page.evaluate(() => window.demo.metadata.sizeX), 5400, 'the last image stays on the map');
    const f0 = await page.evaluate(() => window.demo.viewer.scene.frameState.frameNumber);
    await until(page, (f) => {
      window.demo.viewer.scene.requestRender();
      return window.demo.viewer.scene.frameState.frameNumber >= f + 2;
    }, f0, 'frames after the error');
    await page.click('#errors-clear', { noWaitAfter: true });
    assert.equal(await page.isHidden('#error-panel'), true);
  });

  test('every control is reachable by keyboard and axe-core finds no serious violation', async () => {
    await page.evaluate(() => document.querySelectorAll('#panel details').forEach((d) => (d.open = true)));
    // A radio group is one Tab stop (its arrows move within it): it counts as one control.
    const keyOf = (e) => (e.type === 'radio' ? `radio group ${e.name}` : e.id || e.textContent.trim());
    const controls = await page.$$eval('#panel :is(input, select, button, textarea, summary), #scene-modes button', (els, key) => {
      const k = new Function(`return (${key})`)();
      return [...new Set(els.filter((e) => e.getClientRects().length > 0 && !e.disabled).map(k))];
    }, keyOf.toString());
    const reached = new Set();
    // The globe's frames (hundreds of ms each on SwiftShader) pause while focus is walked and audited:
    // neither looks at the map's pixels.
    await page.evaluate(() => { window.demo.viewer.useDefaultRenderLoop = false; });
    let violations;
    try {
      await page.focus('#scene-modes button');
      for (let i = 0; i < controls.length + 40; i++) {
        reached.add(await page.evaluate((key) => new Function(`return (${key})`)()(document.activeElement), keyOf.toString()));
        await page.keyboard.press('Tab');
      }
      await page.addScriptTag({ path: path.join(REPO, 'node_modules', 'axe-core', 'axe.min.js') });
      violations = await page.evaluate(async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
        .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })));
    } finally {
      await page.evaluate(() => { window.demo.viewer.useDefaultRenderLoop = true; });
    }
    const unreached = controls.filter((c) => !reached.has(c));
    assert.deepEqual(unreached, [], 'reached by Tab');
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], JSON.stringify(violations));
  });

  test('on a phone-sized screen the controls do not overlap', async () => {
    const phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    try {
      await p.goto(`${site.url}/`);
      await withTimeout(p.evaluate(() => window.demo.ready.then(() => true)), WAIT_MS, 'ready on the phone');
      await tilesSettled(p);
      const png = await p.screenshot({ path: path.join(OUT_DIR, 'demo-phone.png') });
      // The phone screenshot against GDAL's reference colours where the map shows.
      await screenMatchesGdal(p, decodePng(png), PHONE);
      const boxes = await p.evaluate(() => {
        const panel = document.querySelector('#panel').getBoundingClientRect();
        const inPanel = (r) => r.bottom > panel.top && r.top < panel.bottom;
        const out = [];
        for (const e of document.querySelectorAll('#panel :is(input, select, button, textarea, summary, label, canvas), #scene-modes button, .cesium-credit-logoContainer, .cesium-credit-expand-link')) {
          const r = e.getBoundingClientRect();
          if (!r.width || !r.height) continue;
          const scrolledAway = e.closest('#panel') && !inPanel(r);
          out.push({ name: `${e.tagName.toLowerCase()}#${e.id || e.textContent.trim().slice(0, 20)}`, x: r.left, y: r.top, w: r.width, h: r.height, panel: !!e.closest('#panel'), scrolledAway, label: e.tagName === 'LABEL', control: !!e.closest('label') });
        }
        return { out, panel: { x: panel.left, y: panel.top, w: panel.width, h: panel.height }, width: document.documentElement.scrollWidth };
      });
      assert.ok(boxes.width <= PHONE.width, `no horizontal overflow (${boxes.width})`);
      const overlap = (a, b) => a.x < b.x + b.w - 0.5 && b.x < a.x + a.w - 0.5 && a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5;
      // Controls (labels and what is inside a label aside) do not overlap one another: within the panel
      // all of them (also those scrolled out of its view), across the panel's edge those on screen; and
      // nothing outside the panel lies under it.
      const items = boxes.out.filter((b) => !b.label && !b.control);
      for (const b of items) assert.ok(b.x >= 0 && b.x + b.w <= PHONE.width + 0.5, `${b.name} fits the width`);
      const clashes = [];
      for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          const [a, b] = [items[i], items[j]];
          if (a.panel !== b.panel && (a.scrolledAway || b.scrolledAway)) continue;
          if (overlap(a, b)) clashes.push(`${a.name} × ${b.name}`);
        }
      }
      for (const b of items.filter((x) => !x.panel)) if (overlap(b, boxes.panel)) clashes.push(`${b.name} × the panel`);
      assert.deepEqual(clashes, []);
      assert.ok(items.length > 15, `${items.length} controls checked`);
    } finally {
      await phone.close();
    }
  });

  test('a local tiled file in UTM without overviews opens; a point shows its UTM x/y and row/column as GDAL gives them', async () => {
    const info = await gdalinfo(utm);
    await page.setInputFiles('#file-input', utm);
    await until(page, (w) => window.demo.metadata?.sizeX === w && window.demo.url.endsWith('local-utm.tif'), info.size[0], 'the UTM file open');
    await tilesSettled(page);
    assert.match(await page.textContent('#meta-crs'), /EPSG:32633/);
    await until(page, () => /Cloud Optimized/.test(document.querySelector('#validation-summary').textContent), null, 'its validation report');
    const report = await validationLikeGdal(page, utm);
    assert.ok(report.warnings.some((w) => /overviews/.test(w)), `GDAL warns of the missing overviews: ${JSON.stringify(report)}`);
    const [lon, lat] = [14.7, 44.3];
    await page.fill('#inspect-lon', String(lon));
    await page.fill('#inspect-lat', String(lat));
    await page.press('#inspect-lat', 'Enter');
    await until(page, (at) => window.demo.lastInspect?.lon === at && window.demo.lastInspect.bands != null, lon, 'the inspected point');
    const got = await page.evaluate(() => window.demo.lastInspect);
    const gdal = await gdalAt(utm, lon, lat);
    const [x, y] = (await run('gdaltransform', ['-s_srs', 'EPSG:4326', '-t_srs', 'EPSG:32633', '-output_xy'], { input: `${lon} ${lat}\n` })).trim().split(/\s+/).map(Number);
    assert.deepEqual(Object.values(got.bands), gdal.values, 'band values as gdallocationinfo');
    assert.deepEqual([got.native.row, got.native.column], [gdal.row, gdal.col], 'row/column as gdallocationinfo');
    assert.ok(Math.abs(got.native.x - x) < 1e-3 && Math.abs(got.native.y - y) < 1e-3, `UTM x/y ${got.native.x}, ${got.native.y} vs gdaltransform ${x}, ${y}`);
    const text = await page.textContent('#inspect');
    assert.ok(text.includes(`x ${x.toFixed(2)}, y ${y.toFixed(2)}`), `the UTM coordinates shown: ${text}`);
    assert.ok(text.includes(`row ${gdal.row.toLocaleString('en-US')}, column ${gdal.col.toLocaleString('en-US')}`), text);
    assert.deepEqual(pageErrors, [], 'no uncaught exception in the page');
  });
});

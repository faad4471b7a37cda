// Options through the wasm face: every option the JS docs name is read (credentials included), and an
// unknown or misspelt one is a clear error naming it, not silence.
//
// Run: node --test tests/js/   (needs www/pkg from scripts/build-wasm and Debian's gdal-bin).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';

import { startServer } from '../../scripts/serve.mjs';
import { makeSyntheticCog, missingPrerequisites, tempDir } from './helpers.mjs';

const missing = missingPrerequisites();

describe('options of the wasm face', () => {
  let LargeImage;
  let dir;
  let srv;
  let url;

  before(async () => {
    if (missing) throw new Error(`cannot run: ${missing}`);
    ({ LargeImage } = await import('../../www/lib/index.js'));
    dir = await tempDir();
    await makeSyntheticCog(dir);
    srv = await startServer({ root: dir });
    url = `${srv.url}/synthetic.tif`;
  });

  after(async () => {
    await srv?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  test("open takes credentials 'omit' | 'same-origin' | 'include' and headers", async () => {
    for (const credentials of ['omit', 'same-origin', 'include']) {
      const img = await LargeImage.open(url, { credentials, headers: { 'X-Test': '1' }, headerBytes: 16384 });
      try {
        assert.equal((await img.metadata()).sizeX, 800, credentials);
      } finally {
        img.close();
      }
    }
    await assert.rejects(LargeImage.open(url, { credentials: 'always' }), /unknown variant `always`.*same-origin/);
  });

  test('an unknown or misspelt option is refused, naming it and what it could be', async () => {
    await assert.rejects(LargeImage.open(url, { credentails: 'include' }), /open options: unknown field `credentails`.*`credentials`/);
    const img = await LargeImage.open(url);
    try {
      const z = (await img.metadata()).levels - 1;
      await assert.rejects(img.tile(z, 0, 0, { colormap_name: 'viridis' }), /tile options: unknown field `colormap_name`.*`colormapName`/);
      await assert.rejects(img.tile(z, 0, 0, { formt: 'png' }), /unknown field `formt`/);
      await assert.rejects(img.metadata({ projecton: 'EPSG:3857' }), /metadata options: unknown field `projecton`/);
      await assert.rejects(img.region({ left: 0, top: 0, right: 9, bottom: 9, unit: 'pixels' }), /region options: unknown field `unit`/);
      await assert.rejects(img.thumbnail({ maxwidth: 64 }), /thumbnail options: unknown field `maxwidth`.*`maxWidth`/);
      await assert.rejects(img.pixel({ left: 1, top: 1, unit: 'pixels' }), /pixel options: unknown field `unit`/);
      await assert.rejects(img.histogram({ bin: 8 }), /histogram options: unknown field `bin`/);
      await assert.rejects(img.validate({ full: true }), /validate options: unknown field `full`/);
      await assert.rejects(img.tileCorners(z, 0, 0, { projecton: 'EPSG:3857' }), /unknown field `projecton`/);
      // onProgress is the one function option: taken by the face, the rest read by the core.
      const calls = [];
      const h = await img.histogram({ bins: 4, onProgress: (d, t) => calls.push([d, t]) });
      assert.equal(h.length, 4);
      assert.ok(calls.length > 0);
      await assert.rejects(img.histogram({ onProgress: 3 }), /onProgress must be a function/);
    } finally {
      img.close();
    }
  });
});

// The page's side of benches/bench_browser_tiles.mjs: every fixture's passes (benches/tile-passes.mjs) in
// this page, ours (www/lib over www/pkg) against geotiff.js (its browser bundle, `globalThis.GeoTIFF`).
// Called through Playwright (page.evaluate) or, in a browser no tool is attached to, by
// benches/browser-tiles.html.

/** The page's side: every fixture's best passes, in ms for all tiles of the image. */
export async function inPage({ urls, passes, wasm, only }) {
  const lib = await import('/www/lib/index.js');
  const P = await import('/benches/tile-passes.mjs');
  const { GeoTIFF } = globalThis;
  const t0 = performance.now();
  await lib.initWasm(wasm || undefined);
  const startupMs = performance.now() - t0;
  const size = navigator.hardwareConcurrency;
  const pool = new lib.WorkerPool({ size });
  const gpool = new GeoTIFF.Pool(size);
  const inflate = async (bytes) => {
    const s = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(s).arrayBuffer();
  };
  const rows = [];
  for (const [name, url] of urls) {
    const d = await P.describe(GeoTIFF, url);
    const modes = {
      geotiff: () => P.geotiffPass(GeoTIFF, url, d),
      ours: () => P.oursPass(lib, url, d),
      geotiffPooled: () => P.geotiffPass(GeoTIFF, url, d, { pool: gpool, concurrent: true }),
      oursPooled: () => P.oursPass(lib, url, d, { pool, concurrent: true }),
      fetch: () => P.fetchPass(url, d),
      fetchConcurrent: () => P.fetchPass(url, d, { concurrent: true }),
    };
    const engine = new lib.Engine();
    const { img, z } = await P.oursOpen(lib, url, d.tw, { engine, cacheBytes: 0 });
    for (const { tx, ty } of d.tiles) await img.tile(z, tx, ty, { format: 'rgba', tileSize: d.tw }); // bytes cached
    modes.oursCachedBytes = async () => {
      const s = performance.now();
      for (const { tx, ty } of d.tiles) await img.tile(z, tx, ty, { format: 'rgba', tileSize: d.tw });
      return performance.now() - s;
    };
    if (d.compression === 8 || d.compression === 32946) {
      const bytes = await Promise.all(d.ranges.map(async ([a, b]) =>
        new Uint8Array(await (await fetch(url, { headers: { Range: `bytes=${a}-${b - 1}` } })).arrayBuffer())));
      modes.decompressionStream = async () => {
        const s = performance.now();
        for (const b of bytes) await inflate(b);
        return performance.now() - s;
      };
    }
    for (const k of Object.keys(modes)) if (only.length && !only.includes(k)) delete modes[k];
    const best = await P.bestOf(modes, passes);
    img.close();
    rows.push({ name, d: { ...d, tiles: d.tiles.length, ranges: undefined }, best });
  }
  pool.dispose();
  gpool.destroy();
  return { rows, startupMs, size, ua: navigator.userAgent };
}

#!/usr/bin/python3
"""Tiles/s: ours vs rio-tiler vs GDAL on the same UTM uint16 4-band COG and the same web mercator tiles.

    /usr/bin/python3 benches/bench_tiles.py [--passes 3] [--zooms 12,14] [--max-tiles 48]

Makes target/bench-fixtures/u16_utm_4band.tif (4096², EPSG:32633 at 10 m, DEFLATE + predictor 2, 512²
tiles, overviews, nodata 0 border) with Debian's GDAL when missing, picks the web mercator tiles of each
zoom that the image covers (up to --max-tiles, from the centre out), then times, single-threaded, one
process each, the best of --passes passes over all tiles:
  - ours:      examples/bench_tiles (release): decode + warp (nearest) + rescale + PNG, per tile;
  - rio-tiler: Reader(file).tile(x, y, z, indexes=(1, 2, 3)) + rescale + render(PNG) (rio-tiler 7.9.6
               in the virtualenv scripts/setup makes; rasterio's bundled GDAL 3.10);
  - GDAL:      python3-gdal (Debian GDAL 3.6) gdal.Warp of the tile bounds to a 256² MEM dataset (nearest,
               bands 1-3) + gdal.Translate -scale 0 10000 0 255 -ot Byte to PNG in /vsimem.
Prints a markdown table. The same work per tile in all three: 3 bands, the same rescale, PNG out.
"""
import json, math, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, 'target', 'bench-fixtures', 'u16_utm_4band.tif')
MERC = math.pi * 6378137.0
QUERY = 'bidx=1,2,3&rescale=0,10000'


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def make_fixture():
    import numpy as np
    from osgeo import gdal, osr
    gdal.UseExceptions()
    os.makedirs(os.path.dirname(FIX), exist_ok=True)
    n = 4096
    tmp = FIX + '.src.tif'
    ds = gdal.GetDriverByName('GTiff').Create(tmp, n, n, 4, gdal.GDT_UInt16, ['TILED=YES'])
    s = osr.SpatialReference(); s.ImportFromEPSG(32633)
    ds.SetProjection(s.ExportToWkt()); ds.SetGeoTransform((500000.0, 10.0, 0, 5300000.0, 0, -10.0))
    y, x = np.mgrid[0:n, 0:n].astype(np.float64)
    rng = np.random.default_rng(7)
    for b in range(4):
        v = 3000 + 2500 * np.sin(x / (300.0 + 40 * b)) * np.cos(y / (410.0 + 30 * b)) + (x + y) / 2
        v += rng.normal(0, 40, v.shape)
        v = np.clip(v, 1, 65535).astype(np.uint16)
        v[:, :64] = 0
        band = ds.GetRasterBand(b + 1); band.SetNoDataValue(0); band.WriteArray(v)
    ds = None
    subprocess.run(['gdal_translate', '-q', '-of', 'COG', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2',
                    '-co', 'BLOCKSIZE=512', '-co', 'OVERVIEW_RESAMPLING=NEAREST', tmp, FIX], check=True)
    os.remove(tmp)


def tiles_for(z, max_tiles):
    from osgeo import gdal, osr
    ds = gdal.Open(FIX)
    g, w, h = ds.GetGeoTransform(), ds.RasterXSize, ds.RasterYSize
    src = ds.GetSpatialRef(); dst = osr.SpatialReference(); dst.ImportFromEPSG(3857)
    for r in (src, dst):
        r.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, dst)
    xs, ys = [], []
    for c, r in [(64, 0), (w, 0), (64, h), (w, h)]:  # the data, not the nodata border
        mx, my, _ = ct.TransformPoint(g[0] + c * g[1], g[3] + r * g[5])
        xs.append(mx); ys.append(my)
    t = 2 * MERC / 2 ** z
    x0, x1 = int((min(xs) + MERC) // t), int((max(xs) + MERC) // t)
    y0, y1 = int((MERC - max(ys)) // t), int((MERC - min(ys)) // t)
    # tiles fully inside the data first (no partial edge tiles), from the centre out
    inner = [(x, y) for x in range(x0 + 1, x1) for y in range(y0 + 1, y1)] or \
            [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    inner.sort(key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2)
    return [(z, x, y) for x, y in inner[:max_tiles]]


RIO = r'''
import json, sys, time, warnings
warnings.simplefilter("ignore")
from rio_tiler.io import Reader
path, tiles, passes = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
best = 1e9
for _ in range(passes):
    t = time.perf_counter()
    with Reader(path) as r:
        for z, x, y in tiles:
            img = r.tile(x, y, z, tilesize=256, indexes=(1, 2, 3))
            img.rescale(in_range=((0, 10000),))
            img.render(img_format="PNG")
    best = min(best, time.perf_counter() - t)
print(json.dumps({"tiles": len(tiles), "best_s": best, "tiles_per_s": len(tiles) / best}))
'''


def gdal_rate(tiles, passes):
    from osgeo import gdal
    gdal.UseExceptions()
    best = 1e9
    for _ in range(passes):
        gdal.SetCacheMax(256 << 20)
        t = time.perf_counter()
        src = gdal.Translate('', gdal.Open(FIX), format='VRT', bandList=[1, 2, 3])  # GDAL 3.6: no -srcband
        for z, x, y in tiles:
            s = 2 * MERC / 2 ** z
            b = (-MERC + x * s, MERC - (y + 1) * s, -MERC + (x + 1) * s, MERC - y * s)
            w = gdal.Warp('', src, format='MEM', dstSRS='EPSG:3857', outputBounds=b, width=256, height=256,
                          resampleAlg='near', dstAlpha=True, multithread=False)
            gdal.Translate('/vsimem/t.png', w, format='PNG', scaleParams=[[0, 10000, 0, 255]] * 3 + [[0, 1, 0, 255]],
                           outputType=gdal.GDT_Byte)
            gdal.Unlink('/vsimem/t.png')
        best = min(best, time.perf_counter() - t)
        src = None
    return {'tiles': len(tiles), 'best_s': best, 'tiles_per_s': len(tiles) / best}


def main():
    passes = int(arg('--passes', '3'))
    zooms = [int(z) for z in arg('--zooms', '12,14').split(',')]
    max_tiles = int(arg('--max-tiles', '48'))
    if not os.path.exists(FIX):
        make_fixture()
    py = subprocess.run(['bash', '-c', 'source %s/scripts/env.sh && echo $LIW_RIOTILER_PYTHON' % ROOT],
                        capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(['cargo', 'build', '-q', '--release', '--example', 'bench_tiles'], cwd=ROOT, check=True)
    ours_bin = os.path.join(ROOT, 'target', 'release', 'examples', 'bench_tiles')
    print('load before: %s' % open('/proc/loadavg').read().split()[:3])
    print('| zoom | tiles | ours tiles/s | rio-tiler tiles/s | GDAL warp+PNG tiles/s | ours / rio-tiler | ours / GDAL |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for z in zooms:
        tiles = tiles_for(z, max_tiles)
        spec = ','.join('%d/%d/%d' % t for t in tiles)
        ours = json.loads(subprocess.run([ours_bin, FIX, '--tiles', spec, '--query', QUERY, '--passes', str(passes)],
                                         capture_output=True, text=True, check=True).stdout)
        rio = json.loads(subprocess.run([py, '-c', RIO, FIX, json.dumps(tiles), str(passes)],
                                        capture_output=True, text=True, check=True).stdout)
        gd = gdal_rate(tiles, passes)
        print('| %d | %d | %.1f | %.1f | %.1f | %.2f | %.2f |' % (
            z, len(tiles), ours['tiles_per_s'], rio['tiles_per_s'], gd['tiles_per_s'],
            ours['tiles_per_s'] / rio['tiles_per_s'], ours['tiles_per_s'] / gd['tiles_per_s']))
    print('load after: %s' % open('/proc/loadavg').read().split()[:3])


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""GDAL side of examples/bench_decode.rs: times GDAL decoding the full-resolution tiles of a TIFF.

    /usr/bin/python3 benches/gdal_decode.py FILE [MIN_RUNS] [MIN_SECONDS]

Prints JSON on stdout: {gdal, width, height, bands, dtype_size, block: [bw, bh], tiles, decoded_bytes,
window_crc, tiles_s, window_s, tiles_runs, window_runs}, where
  tiles_s  = best time of one pass reading every block with ds.ReadRaster(x, y, bw, bh) (all bands,
             pixel-interleaved buffer, as our decoder returns them), and
  window_s = best time of one ds.ReadRaster(0, 0, W, H) of the whole image (pixel-interleaved),
  window_crc = zlib.crc32 of that window's bytes (to check that both readers return the same samples).
Each pass reopens the dataset before the timer starts (closing it drops its blocks from GDAL's block
cache), so every tile is really read and decoded once per pass; opening is not timed. The file is read
once beforehand so it is in the OS page cache. Single-threaded (GDAL_NUM_THREADS=1).
Runs: at least MIN_RUNS (default 5) passes and at least MIN_SECONDS (default 1.0) of timed passes.
"""
import json, os, sys, time, zlib
from osgeo import gdal

gdal.UseExceptions()
gdal.SetConfigOption('GDAL_NUM_THREADS', '1')
gdal.SetConfigOption('GDAL_DISABLE_READDIR_ON_OPEN', 'EMPTY_DIR')  # no sidecar probing
gdal.SetCacheMax(256 << 20)  # room for one pass; reopening per pass is what forces decoding

SIZES = {gdal.GDT_Byte: 1, gdal.GDT_UInt16: 2, gdal.GDT_Int16: 2, gdal.GDT_UInt32: 4, gdal.GDT_Int32: 4,
         gdal.GDT_Float32: 4, gdal.GDT_Float64: 8}


def best(fn, min_runs, min_s):
    times = []
    t_start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - t_start < min_s:
        times.append(fn())
        if len(times) >= 200:
            break
    return min(times), len(times)


def main(path, min_runs=5, min_s=1.0):
    with open(path, 'rb') as f:  # page cache
        while f.read(1 << 20):
            pass
    ds = gdal.Open(path)
    W, H, nb = ds.RasterXSize, ds.RasterYSize, ds.RasterCount
    b1 = ds.GetRasterBand(1)
    bw, bh = b1.GetBlockSize()
    dt = b1.DataType
    ss = SIZES[dt]
    ds = None
    blocks = [(x, y, min(bw, W - x), min(bh, H - y)) for y in range(0, H, bh) for x in range(0, W, bw)]
    layout = dict(buf_pixel_space=nb * ss, band_list=list(range(1, nb + 1)), buf_band_space=ss)

    def tiles_pass():
        d = gdal.Open(path)
        t0 = time.perf_counter()
        for (x, y, w, h) in blocks:
            d.ReadRaster(x, y, w, h, buf_line_space=w * nb * ss, **layout)
        t = time.perf_counter() - t0
        d = None
        return t

    def window_pass():
        d = gdal.Open(path)
        t0 = time.perf_counter()
        d.ReadRaster(0, 0, W, H, buf_line_space=W * nb * ss, **layout)
        t = time.perf_counter() - t0
        d = None
        return t

    tiles_pass()  # warm-up (imports, allocator)
    d = gdal.Open(path)
    crc = zlib.crc32(d.ReadRaster(0, 0, W, H, buf_line_space=W * nb * ss, **layout))
    d = None
    tiles_s, tiles_runs = best(tiles_pass, min_runs, min_s)
    window_s, window_runs = best(window_pass, min_runs, min_s)
    json.dump({'gdal': gdal.__version__, 'width': W, 'height': H, 'bands': nb, 'dtype_size': ss,
               'block': [bw, bh], 'tiles': len(blocks), 'decoded_bytes': W * H * nb * ss,
               'window_crc': crc, 'tiles_s': tiles_s, 'window_s': window_s, 'tiles_runs': tiles_runs, 'window_runs': window_runs},
              sys.stdout)
    print()


if __name__ == '__main__':
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    main(a[0], int(a[1]) if len(a) > 1 else 5, float(a[2]) if len(a) > 2 else 1.0)

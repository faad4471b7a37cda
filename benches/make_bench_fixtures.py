#!/usr/bin/python3
"""Benchmark fixtures: 2048x2048 COGs with 512x512 tiles over the codec x dtype matrix.

Run with Debian's /usr/bin/python3 (python3-gdal, numpy):

    /usr/bin/python3 benches/make_bench_fixtures.py [OUTDIR]     # default target/bench-fixtures

Existing files are kept (delete OUTDIR to remake them). Prints one line per fixture. The content is a
smooth field (sines plus a ramp) with per-pixel noise, so codecs and predictors see realistic entropy,
not constant tiles. Not committed: target/ is ignored.
"""
import os, subprocess, sys
import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
SIZE = 2048
BLOCK = 512


def field(w, h, band, dtype):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    rng = np.random.default_rng(1234 + band)
    v = (np.sin(x / (97.0 + 31 * band)) * np.cos(y / (131.0 + 17 * band))
         + 0.35 * np.sin((x + 2 * y) / (41.0 + 7 * band)) + (x + 2 * y) / (w + 2 * h))  # about -1.35..2.35
    v = (v + 1.35) / 3.7  # 0..1
    if dtype == np.uint8:
        v = v * 230 + 12 + rng.normal(0, 1.5, v.shape)
        return np.clip(np.rint(v), 0, 255).astype(np.uint8)
    if dtype == np.uint16:
        v = v * 50000 + 4000 + rng.normal(0, 8.0, v.shape)
        return np.clip(np.rint(v), 0, 65535).astype(np.uint16)
    if dtype == np.int16:
        # a signed elevation-like field in metres (bathymetry below 0), 0.5 m noise
        v = v * 9000 - 3000 + rng.normal(0, 0.5, v.shape)
        return np.clip(np.rint(v), -32768, 32767).astype(np.int16)
    # float32 / float64: an elevation-like field in metres, with 1 cm noise
    v = v * 3000.0 - 200.0 + rng.normal(0, 0.01, v.shape)
    return v.astype(dtype)


def make(path, bands, dtype, co, driver='COG'):
    tmp = path + '.src.tif'
    gdt = {np.uint8: gdal.GDT_Byte, np.uint16: gdal.GDT_UInt16, np.int16: gdal.GDT_Int16,
           np.float32: gdal.GDT_Float32, np.float64: gdal.GDT_Float64}[dtype]
    src = gdal.GetDriverByName('GTiff').Create(tmp, SIZE, SIZE, bands, gdt,
                                               ['PHOTOMETRIC=RGB'] if bands == 3 else [])
    s = osr.SpatialReference(); s.ImportFromEPSG(3857); src.SetProjection(s.ExportToWkt())
    src.SetGeoTransform((1000000.0, 30.0, 0, 6000000.0, 0, -30.0))
    for b in range(bands):
        src.GetRasterBand(b + 1).WriteArray(field(SIZE, SIZE, b, dtype))
    if driver == 'GTiff':
        src.BuildOverviews('AVERAGE', [2, 4])
    src = None
    opts = ['-q', '-of', driver] + sum([['-co', c] for c in co], [])
    if driver == 'COG':
        opts += ['-co', 'BLOCKSIZE=%d' % BLOCK, '-co', 'OVERVIEWS=AUTO', '-co', 'OVERVIEW_RESAMPLING=AVERAGE']
    else:
        opts += ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=%d' % BLOCK, '-co', 'BLOCKYSIZE=%d' % BLOCK,
                 '-co', 'COPY_SRC_OVERVIEWS=YES']
    subprocess.run(['gdal_translate'] + opts + [tmp, path], check=True)
    os.remove(tmp)


# name, bands, dtype, creation options, driver
MATRIX = [
    ('u8_rgb_none', 3, np.uint8, ['COMPRESS=NONE'], 'COG'),
    ('u8_rgb_deflate', 3, np.uint8, ['COMPRESS=DEFLATE'], 'COG'),
    ('u8_rgb_lzw_pred2', 3, np.uint8, ['COMPRESS=LZW', 'PREDICTOR=2'], 'COG'),
    ('u8_rgb_zstd', 3, np.uint8, ['COMPRESS=ZSTD'], 'COG'),
    ('u8_rgb_jpeg', 3, np.uint8, ['COMPRESS=JPEG', 'QUALITY=85'], 'COG'),
    ('u8_rgb_webp', 3, np.uint8, ['COMPRESS=WEBP', 'QUALITY=80'], 'COG'),
    ('u8_rgb_packbits', 3, np.uint8, ['COMPRESS=PACKBITS'], 'GTiff'),
    ('u16_deflate_pred2', 1, np.uint16, ['COMPRESS=DEFLATE', 'PREDICTOR=2'], 'COG'),
    ('u16_lzw_pred2', 1, np.uint16, ['COMPRESS=LZW', 'PREDICTOR=2'], 'COG'),
    ('u16_zstd', 1, np.uint16, ['COMPRESS=ZSTD'], 'COG'),
    ('u16_lerc_zstd', 1, np.uint16, ['COMPRESS=LERC_ZSTD', 'MAX_Z_ERROR=0'], 'COG'),
    ('f32_deflate_pred3', 1, np.float32, ['COMPRESS=DEFLATE', 'PREDICTOR=3'], 'COG'),
    ('f32_lerc', 1, np.float32, ['COMPRESS=LERC', 'MAX_Z_ERROR=0.001'], 'COG'),
    ('f64_deflate', 1, np.float64, ['COMPRESS=DEFLATE'], 'COG'),
    ('i16_lzw', 1, np.int16, ['COMPRESS=LZW'], 'COG'),
]


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, bands, dtype, co, driver in MATRIX:
        p = os.path.join(out, name + '.tif')
        if not os.path.exists(p):
            make(p, bands, dtype, co, driver)
        ds = gdal.Open(p)
        b = ds.GetRasterBand(1)
        comp = ds.GetMetadataItem('COMPRESSION', 'IMAGE_STRUCTURE')
        print('%-20s %dx%dx%d %-8s block %s %-10s %8.1f KiB' % (
            name, ds.RasterXSize, ds.RasterYSize, ds.RasterCount, gdal.GetDataTypeName(b.DataType),
            'x'.join(map(str, b.GetBlockSize())), comp, os.path.getsize(p) / 1024))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join('target', 'bench-fixtures'))

#!/usr/bin/python3
"""GDAL as the test oracle: makes fixture COGs and answers what GDAL reads from them.

Run with Debian's /usr/bin/python3 (python3-gdal, numpy). Subcommands:
  fixtures OUTDIR              make the fixture matrix, print its manifest (JSON list) on stdout
  windows FILE                 for every level, GDAL's samples of the window x=w/3, y=h/4, up to
                               300x280 (JSON list of {level, x, y, w, h, bands, data})
  window FILE LEVEL X Y W H    print GDAL's samples of that window of that level (level 0 = full
                               resolution) as JSON {dtype, bands, data: [[band values per pixel]...]}
  raw FILE LEVEL OUT           write the whole level as GDAL reads it (pixel-interleaved native samples) to
                               OUT, print {dtype, bands, width, height}
  warp FILE SCHEME Z X Y SIZE RESAMPLING [rgba] [exact]
                               (rgba: expand a palette first; exact: gdalwarp -et 0)
                               gdalwarp the tile bounds of SCHEME (EPSG:3857 | EPSG:4326) to SIZE²,
                               print {bands, data, alpha} (alpha from -dstalpha)
"""
import json, os, subprocess, sys, tempfile
import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
R = 6378137.0
MERC = np.pi * R


def pattern(w, h, bands, dtype):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = []
    for b in range(bands):
        v = np.sin(x / (17.0 + 5 * b)) * np.cos(y / (23.0 + 3 * b)) + (x + 2 * y) / (w + 2 * h)
        info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
        if info is not None:
            lo, hi = max(info.min, -1e9), min(info.max, 1e9)
            v = lo + (v + 1) / 3 * (hi - lo)
            # sprinkle noise so that the predictor and codecs see real entropy
            v += (np.random.default_rng(b).integers(0, 7, size=v.shape) - 3)
            v = np.clip(v, lo, hi)
        else:
            v = v * 1000.0 - 250.0
        out.append(v.astype(dtype))
    return out


def make(path, w, h, bands, dtype, srs, gt, co, nodata=None, overviews=True, driver='COG', photometric=None,
         bits=None, palette=False, alpha=False, mask=False):
    tmp = path + '.src.tif'
    name = np.dtype(dtype).name
    gdt = gdal.GetDataTypeByName({'uint8': 'Byte', 'int8': 'Byte', 'uint64': 'UInt64', 'int64': 'Int64'}.get(name, name.capitalize()))
    copts = ['PHOTOMETRIC=' + photometric] if photometric else []
    if name == 'int8':
        copts.append('PIXELTYPE=SIGNEDBYTE')
    if alpha:
        copts += ['PHOTOMETRIC=RGB', 'ALPHA=YES']
    src = gdal.GetDriverByName('GTiff').Create(tmp, w, h, bands + (1 if mask else 0), gdt, copts)
    s = osr.SpatialReference(); s.ImportFromEPSG(srs); src.SetProjection(s.ExportToWkt())
    src.SetGeoTransform(gt)
    arrays = pattern(w, h, bands, dtype)
    if bits == 1:
        arrays = [(a.astype(np.int64) % 2).astype(dtype) for a in arrays]
    if palette:
        arrays = [(a.astype(np.int64) % 16).astype(dtype) for a in arrays]
        ct = gdal.ColorTable()
        for k in range(256):
            ct.SetColorEntry(k, (k * 16 % 256, 255 - k * 16 % 256, (k * 40) % 256, 255))
        src.GetRasterBand(1).SetRasterColorTable(ct)
        src.GetRasterBand(1).SetRasterColorInterpretation(gdal.GCI_PaletteIndex)
    if alpha:
        y, x = np.mgrid[0:h, 0:w]
        arrays[-1] = np.where((x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(w, h) / 2.5) ** 2, 255, 0).astype(dtype)
    if mask:
        y, x = np.mgrid[0:h, 0:w]
        arrays.append(np.where((x // 37 + y // 29) % 3 == 0, 0, 255).astype(dtype))
    for i, a in enumerate(arrays):
        band = src.GetRasterBand(i + 1)
        if nodata is not None:
            a[:, :16] = nodata
            band.SetNoDataValue(nodata)
        band.WriteArray(a)
    if driver == 'GTiff' and overviews:
        src.BuildOverviews('NEAREST', [2, 4])
    src = None
    opts = ['-q', '-of', driver] + sum([['-co', c] for c in co], [])
    if mask:
        opts += sum([['-b', str(b + 1)] for b in range(bands)], []) + ['-mask', str(bands + 1)]
    if driver == 'COG':
        opts += ['-co', 'OVERVIEWS=' + ('AUTO' if overviews else 'NONE'), '-co', 'OVERVIEW_RESAMPLING=NEAREST']
    subprocess.run(['gdal_translate'] + opts + [tmp, path], check=True)
    os.remove(tmp)


def fixtures(out):
    gdal.SetConfigOption('GDAL_TIFF_INTERNAL_MASK', 'YES')
    os.makedirs(out, exist_ok=True)
    geo = (-20.0, 0.05, 0, 60.0, 0, -0.05)
    merc = (1000000.0, 150.0, 0, 6000000.0, 0, -150.0)
    m = []

    def add(name, w, h, bands, dtype, co, lossless=True, srs=4326, gt=geo, **kw):
        p = os.path.join(out, name + '.tif')
        if not os.path.exists(p):
            make(p, w, h, bands, dtype, srs, gt, co, **kw)
        m.append({'name': name, 'path': p, 'lossless': lossless, 'bands': bands, 'dtype': np.dtype(dtype).name})

    add('u8_rgb_deflate', 700, 500, 3, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'])
    add('u8_rgb_lzw_pred2', 700, 500, 3, np.uint8, ['COMPRESS=LZW', 'PREDICTOR=2', 'BLOCKSIZE=256'])
    add('u8_rgb_none_bigtiff', 700, 500, 3, np.uint8, ['COMPRESS=NONE', 'BIGTIFF=YES', 'BLOCKSIZE=256'])
    add('u8_gray_packbits', 600, 400, 1, np.uint8, ['COMPRESS=PACKBITS', 'TILED=YES', 'COPY_SRC_OVERVIEWS=YES'], driver='GTiff')
    add('u8_rgb_zstd_3857', 640, 480, 3, np.uint8, ['COMPRESS=ZSTD', 'BLOCKSIZE=256'], srs=3857, gt=merc)
    add('u16_deflate_pred2', 600, 450, 2, np.uint16, ['COMPRESS=DEFLATE', 'PREDICTOR=2', 'BLOCKSIZE=256'], nodata=0)
    add('i16_lzw_pred2', 520, 300, 1, np.int16, ['COMPRESS=LZW', 'PREDICTOR=2', 'BLOCKSIZE=256'])
    add('u32_deflate', 300, 300, 1, np.uint32, ['COMPRESS=DEFLATE', 'PREDICTOR=2', 'BLOCKSIZE=256'])
    add('f32_deflate_pred3', 500, 380, 1, np.float32, ['COMPRESS=DEFLATE', 'PREDICTOR=3', 'BLOCKSIZE=256'], nodata=-9999)
    add('f64_zstd_pred3', 300, 260, 1, np.float64, ['COMPRESS=ZSTD', 'PREDICTOR=3', 'BLOCKSIZE=256'])
    add('u8_rgb_planar2_deflate', 600, 400, 3, np.uint8,
        ['COMPRESS=DEFLATE', 'TILED=YES', 'INTERLEAVE=BAND', 'COPY_SRC_OVERVIEWS=YES'], driver='GTiff')
    add('u8_rgb_stripped_lzw', 500, 300, 3, np.uint8, ['COMPRESS=LZW'], driver='GTiff', overviews=False)
    add('u8_rgb_jpeg_ycbcr', 700, 500, 3, np.uint8, ['COMPRESS=JPEG', 'QUALITY=90', 'BLOCKSIZE=256'], lossless=False)
    add('u8_rgb_webp_lossless', 600, 400, 3, np.uint8,
        ['COMPRESS=WEBP', 'WEBP_LOSSLESS=YES', 'TILED=YES', 'COPY_SRC_OVERVIEWS=YES'], driver='GTiff')
    add('f32_lerc_lossless', 400, 300, 1, np.float32, ['COMPRESS=LERC', 'MAX_Z_ERROR=0', 'BLOCKSIZE=256'])
    add('u16_lerc_deflate_2band', 400, 300, 2, np.uint16, ['COMPRESS=LERC_DEFLATE', 'MAX_Z_ERROR=0', 'BLOCKSIZE=256'])
    add('i16_lerc_zstd', 400, 300, 1, np.int16, ['COMPRESS=LERC_ZSTD', 'MAX_Z_ERROR=0', 'BLOCKSIZE=256'])
    add('u8_rgb_deflate_be', 500, 300, 3, np.uint8, ['COMPRESS=DEFLATE', 'TILED=YES', 'ENDIANNESS=BIG', 'COPY_SRC_OVERVIEWS=YES'], driver='GTiff')
    add('u16_lzw_pred2_be_bigtiff', 500, 300, 1, np.uint16,
        ['COMPRESS=LZW', 'PREDICTOR=2', 'TILED=YES', 'ENDIANNESS=BIG', 'BIGTIFF=YES', 'COPY_SRC_OVERVIEWS=YES'], driver='GTiff')
    add('i8_deflate', 300, 200, 1, np.int8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'])
    add('u64_zstd', 300, 200, 1, np.uint64, ['COMPRESS=ZSTD', 'BLOCKSIZE=256'])
    add('i64_deflate_pred2', 300, 200, 1, np.int64, ['COMPRESS=DEFLATE', 'PREDICTOR=2', 'BLOCKSIZE=256'])
    add('i32_lzw', 300, 200, 2, np.int32, ['COMPRESS=LZW', 'BLOCKSIZE=256'])
    add('f16_deflate', 300, 200, 1, np.float32, ['COMPRESS=DEFLATE', 'NBITS=16', 'BLOCKSIZE=256'])
    add('f16_deflate_pred3', 300, 200, 1, np.float32, ['COMPRESS=DEFLATE', 'NBITS=16', 'PREDICTOR=3', 'TILED=YES'], driver='GTiff', overviews=False)
    add('u8_bit1_deflate', 300, 200, 1, np.uint8, ['COMPRESS=DEFLATE', 'NBITS=1', 'TILED=YES'], driver='GTiff', overviews=False, bits=1)
    add('u8_palette_lzw', 300, 200, 1, np.uint8, ['COMPRESS=LZW', 'TILED=YES'], driver='GTiff', palette=True)
    add('u8_rgba_deflate_alpha', 400, 300, 4, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'], alpha=True)
    add('u8_rgb_jpeg_mask', 500, 400, 3, np.uint8, ['COMPRESS=JPEG', 'BLOCKSIZE=256'], lossless=False, mask=True)
    # JPEG without colour conversion (PHOTOMETRIC=RGB: no subsampling), one gray band, and YCbCr strips
    # of odd width and height (partial last strip: chroma edge replication at the right and bottom).
    add('u8_rgb_jpeg_photometric_rgb', 520, 300, 3, np.uint8,
        ['COMPRESS=JPEG', 'PHOTOMETRIC=RGB', 'JPEG_QUALITY=80', 'TILED=YES', 'COPY_SRC_OVERVIEWS=YES'],
        lossless=False, driver='GTiff')
    add('u8_gray_jpeg', 450, 330, 1, np.uint8, ['COMPRESS=JPEG', 'QUALITY=75', 'BLOCKSIZE=256'], lossless=False)
    add('u8_rgb_jpeg_ycbcr_strips', 333, 201, 3, np.uint8,
        ['COMPRESS=JPEG', 'PHOTOMETRIC=YCBCR', 'JPEG_QUALITY=85', 'BLOCKYSIZE=32'], lossless=False, driver='GTiff',
        overviews=False)
    add('u16_utm33_deflate', 800, 600, 1, np.uint16, ['COMPRESS=DEFLATE', 'PREDICTOR=2', 'BLOCKSIZE=256'],
        srs=32633, gt=(400000.0, 30.0, 0, 5600000.0, 0, -30.0))
    add('u8_rgb_polar_3413', 600, 600, 3, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        srs=3413, gt=(-1500000.0, 5000.0, 0, 1500000.0, 0, -5000.0))
    add('u8_rgb_utm60_antimeridian', 600, 400, 3, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        srs=32660, gt=(500000.0, 500.0, 0, 5800000.0, 0, -500.0))
    json.dump(m, sys.stdout)


def window(path, level, x, y, w, h):
    ds = gdal.OpenEx(path, open_options=[] if level == 0 else ['OVERVIEW_LEVEL=%d' % (level - 1)])
    arr = ds.ReadAsArray(x, y, w, h)
    if arr.ndim == 2:
        arr = arr[None]
    arr = np.moveaxis(arr, 0, -1).reshape(-1, arr.shape[0])
    vals = arr.astype(np.float64)
    json.dump({'dtype': str(arr.dtype), 'bands': arr.shape[1], 'width': ds.RasterXSize, 'height': ds.RasterYSize,
               'data': [[None if np.isnan(v) else float(v) for v in px] for px in vals]}, sys.stdout)


def raw(path, level, out):
    ds = gdal.OpenEx(path, open_options=[] if level == 0 else ['OVERVIEW_LEVEL=%d' % (level - 1)])
    arr = ds.ReadAsArray()
    if arr.ndim == 2:
        arr = arr[None]
    np.ascontiguousarray(np.moveaxis(arr, 0, -1)).tofile(out)
    json.dump({'dtype': str(arr.dtype), 'bands': arr.shape[0], 'width': ds.RasterXSize, 'height': ds.RasterYSize},
              sys.stdout)


def windows(path):
    """For every level: the window (x=w/3, y=h/4, up to 300x280) and GDAL's samples of it."""
    base = gdal.Open(path)
    levels = base.GetRasterBand(1).GetOverviewCount() + 1
    out = []
    for level in range(levels):
        ds = gdal.OpenEx(path, open_options=[] if level == 0 else ['OVERVIEW_LEVEL=%d' % (level - 1)])
        W, H = ds.RasterXSize, ds.RasterYSize
        x, y = W // 3, H // 4
        w, h = min(W - x, 300), min(H - y, 280)
        arr = ds.ReadAsArray(x, y, w, h)
        if arr.ndim == 2:
            arr = arr[None]
        vals = np.moveaxis(arr, 0, -1).reshape(-1, arr.shape[0]).astype(np.float64)
        flags = ds.GetRasterBand(1).GetMaskFlags()
        entry = {'level': level, 'x': x, 'y': y, 'w': w, 'h': h, 'bands': arr.shape[0],
                 'data': [[None if np.isnan(v) else float(v) for v in px] for px in vals]}
        if flags == gdal.GMF_PER_DATASET:  # a real mask band (internal mask), not alpha or nodata
            entry['mask'] = ds.GetRasterBand(1).GetMaskBand().ReadAsArray(x, y, w, h).reshape(-1).tolist()
        out.append(entry)
    json.dump(out, sys.stdout)


def tile_bounds(scheme, z, x, y):
    if scheme == 'EPSG:3857':
        n = 2 ** z; t = 2 * MERC / n
        return (-MERC + x * t, MERC - (y + 1) * t, -MERC + (x + 1) * t, MERC - y * t)
    t = 180.0 / 2 ** z
    return (-180 + x * t, 90 - (y + 1) * t, -180 + (x + 1) * t, 90 - y * t)


def warp(path, scheme, z, x, y, size, resampling, *flags):
    expand = 'rgba' if 'rgba' in flags else None
    b = tile_bounds(scheme, z, x, y)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 't.tif')
        if expand:  # palette → RGBA through the colour table first, as a renderer shows it
            vrt = os.path.join(d, 'x.vrt')
            subprocess.run(['gdal_translate', '-q', '-of', 'VRT', '-expand', expand, path, vrt], check=True)
            path = vrt
        et = ['-et', '0'] if 'exact' in flags else []
        subprocess.run(['gdalwarp', '-q', *et, '-t_srs', scheme, '-te', *map(repr, b), '-ts', str(size), str(size),
                        '-r', resampling, '-dstalpha', '-of', 'GTiff', path, out], check=True)
        ds = gdal.Open(out)
        arr = ds.ReadAsArray()
    alpha = arr[-1].reshape(-1)
    data = np.moveaxis(arr[:-1], 0, -1).reshape(-1, arr.shape[0] - 1).astype(np.float64)
    json.dump({'bands': data.shape[1], 'data': data.tolist(), 'alpha': alpha.tolist()}, sys.stdout)


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'fixtures':
        fixtures(args[0])
    elif cmd == 'windows':
        windows(args[0])
    elif cmd == 'window':
        window(args[0], *map(int, args[1:6]))
    elif cmd == 'raw':
        raw(args[0], int(args[1]), args[2])
    elif cmd == 'warp':
        warp(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), int(args[5]), args[6], *args[7:])
    else:
        sys.exit('unknown command ' + cmd)

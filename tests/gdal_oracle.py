#!/usr/bin/python3
"""GDAL as the test oracle: makes fixture COGs and answers what GDAL reads from them.

Run with Debian's /usr/bin/python3 (python3-gdal, numpy). Subcommands:
  fixtures OUTDIR [NAME...]    make the fixture matrix (or only the NAMEd fixtures), print its manifest (JSON list)
  windows FILE                 for every level, GDAL's samples of the window x=w/3, y=h/4, up to
                               300x280 (JSON list of {level, x, y, w, h, bands, data})
  window FILE LEVEL X Y W H    print GDAL's samples of that window of that level (level 0 = full
                               resolution) as JSON {dtype, bands, data: [[band values per pixel]...]}
  corners FILE                 GDAL's CRS authority code and PROJ.4 string, image corners in lon/lat
  raw FILE LEVEL OUT           write the whole level as GDAL reads it (pixel-interleaved native samples) to
                               OUT, print {dtype, bands, width, height}
  warp FILE SCHEME Z X Y SIZE RESAMPLING [rgba] [exact]
                               (rgba: expand a palette first; exact: gdalwarp -et 0)
                               gdalwarp the tile bounds of SCHEME (EPSG:3857 | EPSG:4326) to SIZE²,
                               print {bands, data, alpha} (alpha from -dstalpha)
  cog_cases OUTDIR             make the COG-validation fixtures (valid COG, stripped, tiled without
                               overviews, gdaladdo afterwards, COPY_SRC_OVERVIEWS, ghost area wiped,
                               edited in place, broken block leader/trailer); print their manifest
  validate FILE [full]         GDAL's validate_cloud_optimized_geotiff.validate() on FILE: {errors,
                               warnings, details} (full: full_check=True, as the script does locally)
  layout FILE                  what GDAL tells of each image (main, overviews, masks): IFD offset, size,
                               block size, first block's offset and size; nodata, EPSG, geotransform
  dump TIFF                    what GDAL reads from a (Geo)TIFF: {width, height, bands, dtype, geotransform,
                               epsg, nodata, data, mask (per-dataset mask band, when any), alpha}
  translate SRC ARG...         gdal_translate SRC with ARGs (e.g. -srcwin X Y W H) to a GeoTIFF, then dump it
  projwin SRC EPSG L T R B     the box L,T,R,B in EPSG:code: its 4 corners transformed by OSR into SRC's CRS,
                               their bounding box given to gdal_translate -projwin; prints the dump
  resampled FILE LEVEL X Y W H BW BH
                               GDAL's nearest-neighbour RasterIO of that window of that level into BW x BH
  histogram FILE LEVEL BINS [density]
                               per band, numpy.histogram of the valid (mask band != 0, not NaN) samples of
                               that level, as float64: {hist, bin_edges, min, max, count}
  rgba_histogram RAW W H BINS  per channel of raw RGBA bytes, numpy.histogram with range [min, max + 1] as
                               large_image computes it: {hist, bin_edges, min, max, mean, stdev}
  make_sample OUT              the COG of tests/dli_recorded/make_sample.sh (django-large-image's recorded sample)
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
    if srs is not None:  # None: a plain image, no georeferencing at all
        s = osr.SpatialReference()
        if isinstance(srs, str):  # a PROJ.4 string: no authority code, so GDAL writes user-defined GeoKeys
            s.ImportFromProj4(srs)
        else:
            s.ImportFromEPSG(srs)
        src.SetProjection(s.ExportToWkt())
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


def fixtures(out, *only):
    gdal.SetConfigOption('GDAL_TIFF_INTERNAL_MASK', 'YES')
    os.makedirs(out, exist_ok=True)
    geo = (-20.0, 0.05, 0, 60.0, 0, -0.05)
    merc = (1000000.0, 150.0, 0, 6000000.0, 0, -150.0)
    m = []

    def add(name, w, h, bands, dtype, co, lossless=True, srs=4326, gt=geo, **kw):
        if only and name not in only:
            return
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
    # Lossy WebP tiles with alpha (libtiff's WebP codec: libwebp's defaults, the normal loop filter).
    add('u8_rgba_webp', 520, 300, 4, np.uint8, ['COMPRESS=WEBP', 'QUALITY=70', 'BLOCKSIZE=256'], lossless=False, alpha=True)
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
    # CRSs given by GeoKey parameters only (ProjectedCSTypeGeoKey = user-defined)
    add('u16_lcc_userdefined', 500, 400, 1, np.uint16, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        srs='+proj=lcc +lat_1=35 +lat_2=55 +lat_0=45 +lon_0=12 +x_0=600000 +y_0=200000 +ellps=GRS80 +units=m +no_defs',
        gt=(400000.0, 250.0, 0, 300000.0, 0, -250.0))
    add('u8_tmerc_usft_userdefined', 400, 300, 3, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        srs='+proj=tmerc +lat_0=40 +lon_0=-100 +k=0.9996 +x_0=500000.00001016 +y_0=0 +datum=NAD83 +units=us-ft +no_defs',
        gt=(1500000.0, 800.0, 0, 900000.0, 0, -800.0))
    add('u8_aea_userdefined', 400, 300, 1, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        srs='+proj=aea +lat_1=29.5 +lat_2=45.5 +lat_0=23 +lon_0=-96 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs',
        gt=(-500000.0, 2000.0, 0, 1800000.0, 0, -2000.0))
    add('u8_polar_south_userdefined', 400, 400, 1, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        srs='+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs',
        gt=(-2000000.0, 5000.0, 0, 2000000.0, 0, -5000.0))
    # Longitudes past 180°: a geographic file crossing the antimeridian (175° to 185.24° east), a whole
    # world kept in the 0–360° convention, and a projected CRS centred on the Pacific (PDC Mercator,
    # lon_0=150) whose extent crosses 180° in projected metres.
    add('u8_rgb_4326_cross180', 1024, 600, 3, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        gt=(175.0, 0.01, 0, -10.0, 0, -0.01))
    add('u8_gray_4326_world360', 1440, 720, 1, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        gt=(0.0, 0.25, 0, 90.0, 0, -0.25))
    add('u8_rgb_3832_pacific', 600, 400, 3, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'],
        srs=3832, gt=(2800000.0, 2000.0, 0, -1100000.0, 0, -2000.0))
    # Layouts whose block size is not large_image's 256: 512-pixel blocks, one strip for the whole image,
    # tiles without overviews, and a plain image with no georeferencing.
    add('u16_deflate_512', 1500, 1100, 2, np.uint16, ['COMPRESS=DEFLATE', 'PREDICTOR=2', 'BLOCKSIZE=512'], nodata=0)
    add('u8_rgb_one_strip', 700, 450, 3, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKYSIZE=450'], driver='GTiff',
        overviews=False)
    add('i16_tiled_no_overviews', 1100, 700, 1, np.int16, ['COMPRESS=LZW', 'TILED=YES'], driver='GTiff',
        overviews=False)
    add('u8_gray_no_georef', 600, 400, 1, np.uint8, ['COMPRESS=DEFLATE', 'BLOCKSIZE=256'], srs=None)
    json.dump(m, sys.stdout)


def corners(path):
    """GDAL's reading of FILE's CRS: its authority code (null when user-defined), PROJ.4 form, and the
    image corners (ll, ul, lr, ur, center) in lon/lat through GDAL/PROJ."""
    ds = gdal.Open(path)
    s = ds.GetSpatialRef()
    wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326)
    for r in (s, wgs):
        r.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(s, wgs)
    g, w, h = ds.GetGeoTransform(), ds.RasterXSize, ds.RasterYSize
    px = {'ll': (0, h), 'ul': (0, 0), 'lr': (w, h), 'ur': (w, 0), 'center': (w / 2, h / 2)}
    out = {}
    for k, (c, r) in px.items():
        x, y = g[0] + c * g[1] + r * g[2], g[3] + c * g[4] + r * g[5]
        lon, lat, _ = ct.TransformPoint(x, y)
        out[k] = [lon, lat]
    json.dump({'authority': s.GetAuthorityCode(None), 'proj4': s.ExportToProj4(), 'corners': out}, sys.stdout)


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


GEO = (-20.0, 0.05, 0, 60.0, 0, -0.05)


def cog_cases(out):
    os.makedirs(out, exist_ok=True)
    src = os.path.join(out, 'src.tif')
    if not os.path.exists(src):
        make(src, 1500, 1100, 3, np.uint8, 4326, GEO, ['COMPRESS=DEFLATE'], driver='GTiff', overviews=False)
    m = []

    def add(name, build):
        p = os.path.join(out, name + '.tif')
        if not os.path.exists(p):
            build(p + '.tmp.tif')
            os.replace(p + '.tmp.tif', p)
        m.append({'name': name, 'path': p})

    def translate(*args):
        return lambda p: subprocess.run(['gdal_translate', '-q', *args, src, p], check=True)

    def gdaladdo(p):
        translate('-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE')(p)
        subprocess.run(['gdaladdo', '-q', '-r', 'nearest', p, '2', '4'], check=True)

    def copy_src_overviews(p):
        subprocess.run(['gdal_translate', '-q', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', '-co',
                        'COPY_SRC_OVERVIEWS=YES', os.path.join(out, 'gdaladdo_after.tif'), p], check=True)

    def patched(fn):
        # a copy of the valid COG with some bytes changed by fn(bytearray, dataset of the COG)
        def build(p):
            base = os.path.join(out, 'cog_valid.tif')
            ds = gdal.Open(base)
            data = bytearray(open(base, 'rb').read())
            fn(data, ds)
            ds = None
            open(p, 'wb').write(data)
        return build

    def wipe_ghost(data, ds):
        n = data.index(b'\n', data.index(b'GDAL_STRUCTURAL_METADATA_SIZE='))
        data[8:n] = b' ' * (n - 8)

    def block(ds, band=1, ovr=None):
        b = ds.GetRasterBand(band)
        if ovr is not None:
            b = b.GetOverview(ovr)
        return int(b.GetMetadataItem('BLOCK_OFFSET_1_1', 'TIFF')), int(b.GetMetadataItem('BLOCK_SIZE_1_1', 'TIFF'))

    def break_trailer(data, ds):
        off, size = block(ds)
        data[off + size] ^= 0xFF

    def break_leader(data, ds):
        off, size = block(ds, ovr=0)
        data[off - 4] ^= 0x01

    def edit_in_place(p):
        import shutil
        shutil.copy(os.path.join(out, 'cog_valid.tif'), p)
        ds = gdal.Open(p, gdal.GA_Update)
        noise = np.random.default_rng(5).integers(0, 256, size=(300, 300)).astype(np.uint8)  # grows the blocks
        ds.GetRasterBand(1).WriteArray(noise, 256, 256)
        ds = None

    add('cog_valid', translate('-of', 'COG', '-co', 'COMPRESS=DEFLATE', '-co', 'BLOCKSIZE=256'))
    add('cog_bigtiff_mask', lambda p: subprocess.run(
        ['gdal_translate', '-q', '-of', 'COG', '-co', 'BIGTIFF=YES', '-co', 'BLOCKSIZE=512', '-b', '1', '-b', '2',
         '-b', '3', '-mask', '1', src, p], check=True))
    add('cog_no_overviews', translate('-of', 'COG', '-co', 'OVERVIEWS=NONE'))
    add('stripped', translate('-co', 'COMPRESS=LZW'))
    add('tiled_no_overviews', translate('-co', 'TILED=YES'))
    add('gdaladdo_after', gdaladdo)
    add('copy_src_overviews', copy_src_overviews)
    add('ghost_wiped', patched(wipe_ghost))
    add('trailer_broken', patched(break_trailer))
    add('leader_broken', patched(break_leader))
    add('edited_in_place', edit_in_place)
    json.dump(m, sys.stdout)


def validate(path, *flags):
    from osgeo_utils.samples import validate_cloud_optimized_geotiff as v
    ds = gdal.Open(path)
    warnings, errors, details = v.validate(ds, full_check='full' in flags)
    json.dump({'errors': errors, 'warnings': warnings, 'details': details}, sys.stdout)


def layout(path):
    ds = gdal.Open(path)
    md = lambda b, k: b.GetMetadataItem(k, 'TIFF')
    srs = ds.GetSpatialRef()

    def one(role, b):
        first = md(b, 'BLOCK_OFFSET_0_0')
        return {'role': role, 'ifd_offset': int(md(b, 'IFD_OFFSET')), 'width': b.XSize, 'height': b.YSize,
                'block': list(b.GetBlockSize()), 'first_block_offset': int(first) if first else None,
                'first_block_size': int(md(b, 'BLOCK_SIZE_0_0') or 0) or None}
    main = ds.GetRasterBand(1)
    out = [one('main', main)]
    if main.GetMaskFlags() == gdal.GMF_PER_DATASET:
        out.append(one('mask of main', main.GetMaskBand()))
    for i in range(main.GetOverviewCount()):
        o = main.GetOverview(i)
        out.append(one('overview %d' % i, o))
        if o.GetMaskFlags() == gdal.GMF_PER_DATASET:
            out.append(one('mask of overview %d' % i, o.GetMaskBand()))
    json.dump({'images': out, 'nodata': main.GetNoDataValue(), 'bands': ds.RasterCount,
               'epsg': int(srs.GetAuthorityCode(None)) if srs is not None and srs.GetAuthorityCode(None) else None,
               'has_srs': srs is not None,
               'geotransform': list(ds.GetGeoTransform())}, sys.stdout)


def open_level(path, level):
    return gdal.OpenEx(path, open_options=[] if level == 0 else ['OVERVIEW_LEVEL=%d' % (level - 1)])


def dump(path):
    ds = gdal.Open(path)
    arr = ds.ReadAsArray()
    if arr.ndim == 2:
        arr = arr[None]
    srs = ds.GetSpatialRef()
    epsg = None
    if srs is not None:
        srs.AutoIdentifyEPSG()
        code = srs.GetAuthorityCode(None)
        epsg = int(code) if code else None
    b1 = ds.GetRasterBand(1)
    vals = np.moveaxis(arr, 0, -1).reshape(-1, arr.shape[0]).astype(np.float64)
    out = {'width': ds.RasterXSize, 'height': ds.RasterYSize, 'bands': ds.RasterCount, 'dtype': str(arr.dtype),
           'geotransform': list(ds.GetGeoTransform(can_return_null=True) or []), 'epsg': epsg,
           'nodata': b1.GetNoDataValue(), 'alpha': ds.GetRasterBand(ds.RasterCount).GetColorInterpretation() == gdal.GCI_AlphaBand,
           'data': [[None if np.isnan(v) else float(v) for v in px] for px in vals]}
    if b1.GetMaskFlags() == gdal.GMF_PER_DATASET:
        out['mask'] = b1.GetMaskBand().ReadAsArray().reshape(-1).tolist()
    return out


def translate(src, *args):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'out.tif')
        subprocess.run(['gdal_translate', '-q', '-of', 'GTiff', *args, src, out], check=True)
        return dump(out)


def projwin(src, code, l, t, r, b):
    ds = gdal.Open(src)
    s_from = osr.SpatialReference(); s_from.ImportFromEPSG(int(code))
    s_to = ds.GetSpatialRef()
    for s in (s_from, s_to):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(s_from, s_to)
    pts = [ct.TransformPoint(x, y)[:2] for x, y in ((l, t), (r, t), (l, b), (r, b))]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    gt = ds.GetGeoTransform()
    # the bounding box, written as the pixel-space corners gdal_translate -projwin expects (north-up)
    ulx, lrx = min(xs), max(xs)
    uly, lry = (max(ys), min(ys)) if gt[5] < 0 else (min(ys), max(ys))
    res = translate(src, '-projwin', repr(ulx), repr(uly), repr(lrx), repr(lry))
    res['projwin'] = [ulx, uly, lrx, lry]
    return res


def resampled(path, level, x, y, w, h, bw, bh):
    ds = open_level(path, level)
    arr = ds.ReadAsArray(x, y, w, h, buf_xsize=bw, buf_ysize=bh, resample_alg=gdal.GRIORA_NearestNeighbour)
    if arr.ndim == 2:
        arr = arr[None]
    vals = np.moveaxis(arr, 0, -1).reshape(-1, arr.shape[0]).astype(np.float64)
    return {'bands': arr.shape[0], 'data': vals.tolist()}


def histogram(path, level, bins, *flags):
    ds = open_level(path, level)
    out = []
    for i in range(ds.RasterCount):
        band = ds.GetRasterBand(i + 1)
        a = band.ReadAsArray().astype(np.float64)
        valid = (band.GetMaskBand().ReadAsArray() != 0) & ~np.isnan(a)
        v = a[valid]
        hist, edges = np.histogram(v, bins, density='density' in flags)
        out.append({'hist': hist.tolist(), 'bin_edges': edges.tolist(), 'count': int(v.size),
                    'min': float(v.min()) if v.size else None, 'max': float(v.max()) if v.size else None,
                    'level_width': ds.RasterXSize})
    return out


def rgba_histogram(raw, w, h, bins):
    a = np.fromfile(raw, dtype=np.uint8).reshape(h * w, 4)
    out = []
    for c in range(4):
        v = a[:, c]
        lo, hi = float(v.min()), float(v.max())
        hist, edges = np.histogram(v, bins, (lo, hi + 1))
        f = v.astype(np.float64)
        out.append({'hist': hist.tolist(), 'bin_edges': edges.tolist(), 'min': lo, 'max': hi, 'mean': float(f.mean()),
                    'stdev': float(max(0.0, (f ** 2).mean() - f.mean() ** 2) ** 0.5)})
    return out


def make_sample(out):
    """The COG django-large-image 0.10.5's answers in tests/dli_recorded/ were recorded for, made by the
    same script (tests/dli_recorded/make_sample.sh)."""
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'dli_recorded', 'make_sample.sh')
        subprocess.run(['bash', script, out + '.tmp.tif'], check=True)
        os.replace(out + '.tmp.tif', out)
    return {'path': out}


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'fixtures':
        fixtures(args[0], *args[1:])
    elif cmd == 'windows':
        windows(args[0])
    elif cmd == 'window':
        window(args[0], *map(int, args[1:6]))
    elif cmd == 'corners':
        corners(args[0])
    elif cmd == 'raw':
        raw(args[0], int(args[1]), args[2])
    elif cmd == 'warp':
        warp(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), int(args[5]), args[6], *args[7:])
    elif cmd == 'cog_cases':
        cog_cases(args[0])
    elif cmd == 'validate':
        validate(args[0], *args[1:])
    elif cmd == 'layout':
        layout(args[0])


    elif cmd == 'dump':
        json.dump(dump(args[0]), sys.stdout)
    elif cmd == 'translate':
        json.dump(translate(args[0], *args[1:]), sys.stdout)
    elif cmd == 'projwin':
        json.dump(projwin(args[0], args[1], *map(float, args[2:6])), sys.stdout)
    elif cmd == 'resampled':
        json.dump(resampled(args[0], *map(int, args[1:8])), sys.stdout)
    elif cmd == 'histogram':
        json.dump(histogram(args[0], int(args[1]), int(args[2]), *args[3:]), sys.stdout)
    elif cmd == 'rgba_histogram':
        json.dump(rgba_histogram(args[0], *map(int, args[1:4])), sys.stdout)
    elif cmd == 'make_sample':
        json.dump(make_sample(args[0]), sys.stdout)
    else:
        sys.exit('unknown command ' + cmd)

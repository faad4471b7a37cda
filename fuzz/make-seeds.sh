#!/usr/bin/env bash
# Recreates the fuzz seed corpus under fuzz/seeds/ from small synthetic GeoTIFFs made with Debian's
# GDAL (gdal_translate, python3-gdal, numpy in /usr/bin/python3).
#   fuzz/seeds/open_cog/*.tif          whole files for the open_cog target (each <= 64 KiB)
#   fuzz/seeds/decode_<codec>/*.bin    tile 0 of those files, prefixed with the layout header that
#                                      fuzz/harness.rs reads (see decode_header there)
# Usage: bash fuzz/make-seeds.sh   (from anywhere; rewrites fuzz/seeds/)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$here/seeds"
mkdir -p "$here/seeds"
/usr/bin/python3 - "$work" "$here/seeds" <<'PY'
import os, struct, subprocess, sys
import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
work, seeds = sys.argv[1], sys.argv[2]
MAX = 64 * 1024

def pattern(w, h, bands, dtype, seed=0):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    rng = np.random.default_rng(seed)
    out = []
    for b in range(bands):
        v = np.sin(x / (7.0 + 3 * b)) * np.cos(y / (11.0 + 2 * b))
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            lo, hi = max(info.min, -30000), min(info.max, 60000)
            v = lo + (v + 1) / 2 * (hi - lo) + rng.integers(-2, 3, size=v.shape)
            v = np.clip(v, lo, hi)
        else:
            v = v * 100.0 + rng.normal(0, 0.01, size=v.shape)
        out.append(v.astype(dtype))
    return out

GDT = {np.uint8: gdal.GDT_Byte, np.uint16: gdal.GDT_UInt16, np.int16: gdal.GDT_Int16,
       np.uint32: gdal.GDT_UInt32, np.int32: gdal.GDT_Int32, np.float32: gdal.GDT_Float32,
       np.float64: gdal.GDT_Float64}

def source(name, w, h, bands, dtype, nodata=None, binary=False):
    p = os.path.join(work, name + '.src.tif')
    ds = gdal.GetDriverByName('GTiff').Create(p, w, h, bands, GDT[dtype])
    s = osr.SpatialReference(); s.ImportFromEPSG(4326); ds.SetProjection(s.ExportToWkt())
    ds.SetGeoTransform((10.0, 0.01, 0, 50.0, 0, -0.01))
    for i, a in enumerate(pattern(w, h, bands, dtype, seed=len(name))):
        if binary:
            a = (a > np.median(a)).astype(dtype)
        if bands == 4 and i == 3:  # alpha: a transparent corner
            a[:] = 255; a[: h // 3, : w // 3] = 0
        band = ds.GetRasterBand(i + 1)
        if nodata is not None:
            a[:4, :] = nodata; band.SetNoDataValue(nodata)
        band.WriteArray(a)
    ds = None
    return p

def translate(src, name, driver, co, extra=()):
    out = os.path.join(work, name + '.tif')
    args = ['gdal_translate', '-q', '-of', driver] + list(extra)
    for c in co:
        args += ['-co', c]
    r = subprocess.run(args + [src, out], capture_output=True, text=True)
    noise = [l for l in r.stderr.splitlines() if 'unexpected value for BLOCKSIZE' not in l]
    if r.returncode != 0 or noise:
        sys.stderr.write('\n'.join(noise) + '\n')
    r.check_returncode()
    return out

def cog(name, w, h, bands, dtype, co, nodata=None, extra=(), src_kw={}):
    src = source(name, w, h, bands, dtype, nodata, **src_kw)
    return translate(src, name, 'COG', co + ['OVERVIEW_RESAMPLING=NEAREST'], extra)

def gtiff(name, w, h, bands, dtype, co, nodata=None, overviews=False, src_kw={}):
    src = source(name, w, h, bands, dtype, nodata, **src_kw)
    if overviews:
        ds = gdal.Open(src, gdal.GA_Update); ds.BuildOverviews('NEAREST', [2]); ds = None
        co = co + ['COPY_SRC_OVERVIEWS=YES']
    return translate(src, name, 'GTiff', co)

# --- a tiny first-IFD reader, for the tags the decoder header needs --------------------------------
def first_ifd_tags(path):
    b = open(path, 'rb').read()
    e = '<' if b[:2] == b'II' else '>'
    big = struct.unpack(e + 'H', b[2:4])[0] == 43
    off = struct.unpack(e + ('Q' if big else 'I'), b[8:16] if big else b[4:8])[0]
    n = struct.unpack(e + ('Q' if big else 'H'), b[off:off + (8 if big else 2)])[0]
    pos, es = off + (8 if big else 2), (20 if big else 12)
    size = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 11: 4, 12: 8, 16: 8}
    fmt = {1: 'B', 2: 'B', 3: 'H', 4: 'I', 6: 'b', 7: 'B', 8: 'h', 9: 'i', 11: 'f', 12: 'd', 16: 'Q'}
    tags = {}
    for i in range(n):
        ent = b[pos + i * es: pos + (i + 1) * es]
        tag, typ = struct.unpack(e + 'HH', ent[:4])
        cnt = struct.unpack(e + ('Q' if big else 'I'), ent[4:12] if big else ent[4:8])[0]
        if typ not in size:
            continue
        total = size[typ] * cnt
        inline = ent[12:20] if big else ent[8:12]
        if total <= len(inline):
            raw = inline[:total]
        else:
            o = struct.unpack(e + ('Q' if big else 'I'), inline)[0]
            raw = b[o:o + total]
        tags[tag] = list(struct.unpack(e + fmt[typ] * cnt, raw)) if typ in (1, 3, 4, 16) else raw
    return tags, e == '>'

DTYPES = ['bit', 'u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'f16', 'f32', 'f64']
def dtype_index(fmt, bits):
    if bits == 1:
        return 0
    name = {1: 'u', 4: 'u', 2: 'i', 3: 'f'}[fmt] + str(bits)
    return DTYPES.index(name)

PHOTO = [1, 2, 6, 5, 0, 3, 4, 8]  # photometric selector of the header (fuzz/harness.rs)

def header(tags, big):
    """The 4-byte layout header of fuzz/harness.rs::decode_header, for tile 0 of this file."""
    w = tags[256][0]; h = tags[257][0]
    tw = tags.get(322, [w])[0]; th = tags.get(323, tags.get(278, [h]))[0]
    th = min(th, h)
    spp = tags.get(277, [1])[0]
    if tags.get(284, [1])[0] == 2:
        spp = 1
    assert 1 <= tw <= 256 and 1 <= th <= 256 and 1 <= spp <= 4, (tw, th, spp)
    dt = dtype_index(tags.get(339, [1])[0], tags.get(258, [1])[0])
    pred = tags.get(317, [1])[0]
    photo = PHOTO.index(tags.get(262, [1])[0])
    lerc_add = tags.get(50674, [0, 0])[1] if 50674 in tags else 0
    b0 = tw - 1; b1 = th - 1
    b2 = (spp - 1) | (dt << 2)
    b3 = (pred - 1) | (int(big) << 2) | (photo << 3) | (lerc_add << 6)
    return bytes([b0, b1, b2, b3])

def tile0(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    off = int(band.GetMetadataItem('BLOCK_OFFSET_0_0', 'TIFF'))
    n = int(band.GetMetadataItem('BLOCK_SIZE_0_0', 'TIFF'))
    return open(path, 'rb').read()[off:off + n]

def put(target, name, data):
    d = os.path.join(seeds, target); os.makedirs(d, exist_ok=True)
    assert len(data) <= MAX, (target, name, len(data))
    open(os.path.join(d, name), 'wb').write(data)

def seed_file(path, name):
    put('open_cog', name + '.tif', open(path, 'rb').read())

def seed_tile(path, target, name):
    tags, big = first_ifd_tags(path)
    data = header(tags, big)
    if target == 'decode_jpeg':
        t = bytes(tags.get(347, b''))
        data += struct.pack('<H', len(t)) + t
    put(target, name + '.bin', data + tile0(path))

# COG warns that BLOCKSIZE should be >= 128 but writes 32x32 tiles, which keeps the files small.
B = 'BLOCKSIZE=32'
files = [
    # (name, path, decoder target or None)
    ('u8_gray_deflate', cog('u8_gray_deflate', 128, 96, 1, np.uint8, ['COMPRESS=DEFLATE', B]), 'decode_deflate'),
    ('u16_lzw_pred2', cog('u16_lzw_pred2', 96, 64, 2, np.uint16, ['COMPRESS=LZW', 'PREDICTOR=2', B], nodata=0), 'decode_lzw'),
    ('u8_rgb_lzw', cog('u8_rgb_lzw', 64, 64, 3, np.uint8, ['COMPRESS=LZW', B]), 'decode_lzw'),
    ('f32_zstd_pred3_bigtiff', cog('f32_zstd_pred3_bigtiff', 80, 64, 1, np.float32,
                                   ['COMPRESS=ZSTD', 'PREDICTOR=3', 'BIGTIFF=YES', B]), 'decode_zstd'),
    ('i16_zstd_pred2', cog('i16_zstd_pred2', 64, 64, 1, np.int16, ['COMPRESS=ZSTD', 'PREDICTOR=2', B]), 'decode_zstd'),
    ('u8_rgb_jpeg_ycbcr', cog('u8_rgb_jpeg_ycbcr', 96, 64, 3, np.uint8, ['COMPRESS=JPEG', 'QUALITY=60', B]), 'decode_jpeg'),
    ('u8_rgb_jpeg_rgb', gtiff('u8_rgb_jpeg_rgb', 64, 64, 3, np.uint8,
                              ['COMPRESS=JPEG', 'PHOTOMETRIC=RGB', 'TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32']), 'decode_jpeg'),
    ('u8_gray_jpeg', cog('u8_gray_jpeg', 64, 48, 1, np.uint8, ['COMPRESS=JPEG', B]), 'decode_jpeg'),
    ('u8_rgba_webp_lossless', gtiff('u8_rgba_webp_lossless', 64, 64, 4, np.uint8,
                                    ['COMPRESS=WEBP', 'WEBP_LOSSLESS=YES', 'TILED=YES', 'BLOCKXSIZE=32',
                                     'BLOCKYSIZE=32']), 'decode_webp'),
    ('u8_rgb_webp_lossy', cog('u8_rgb_webp_lossy', 64, 64, 3, np.uint8, ['COMPRESS=WEBP', 'QUALITY=50', B]), 'decode_webp'),
    ('f32_lerc', cog('f32_lerc', 64, 64, 1, np.float32, ['COMPRESS=LERC', 'MAX_Z_ERROR=0.001', B], nodata=-9999),
     'decode_lerc'),
    ('u16_lerc_deflate', cog('u16_lerc_deflate', 64, 64, 2, np.uint16, ['COMPRESS=LERC_DEFLATE', B]), 'decode_lerc'),
    ('f64_lerc_zstd', cog('f64_lerc_zstd', 48, 48, 1, np.float64, ['COMPRESS=LERC_ZSTD', 'MAX_Z_ERROR=0.01', B]),
     'decode_lerc'),
    ('u8_gray_packbits', gtiff('u8_gray_packbits', 96, 64, 1, np.uint8,
                               ['COMPRESS=PACKBITS', 'TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32'], overviews=True),
     'decode_packbits'),
    ('u8_rgb_none_planar', gtiff('u8_rgb_none_planar', 48, 48, 3, np.uint8,
                                 ['COMPRESS=NONE', 'INTERLEAVE=BAND', 'TILED=YES', 'BLOCKXSIZE=16', 'BLOCKYSIZE=16']),
     'decode_none'),
    ('i16_none_strips_bigendian', gtiff('i16_none_strips_bigendian', 40, 30, 1, np.int16,
                                        ['COMPRESS=NONE', 'ENDIANNESS=BIG', 'BLOCKYSIZE=8']), 'decode_none'),
    ('f16_deflate_pred3', gtiff('f16_deflate_pred3', 64, 64, 1, np.float32,
                                ['COMPRESS=DEFLATE', 'NBITS=16', 'PREDICTOR=3', 'TILED=YES', 'BLOCKXSIZE=32',
                                 'BLOCKYSIZE=32']), 'decode_deflate'),
    ('bit_packbits', gtiff('bit_packbits', 64, 40, 1, np.uint8, ['COMPRESS=PACKBITS', 'NBITS=1'],
                           src_kw={'binary': True}), 'decode_packbits'),
    ('u32_deflate_pred2', gtiff('u32_deflate_pred2', 48, 32, 1, np.uint32,
                                     ['COMPRESS=DEFLATE', 'PREDICTOR=2', 'TILED=YES', 'BLOCKXSIZE=16', 'BLOCKYSIZE=16']),
     'decode_deflate'),
]
# An RGB COG with an internal 1-bit transparency mask IFD (and its overviews' masks).
rgba = source('u8_rgb_mask', 96, 64, 4, np.uint8)
files.append(('u8_rgb_mask_deflate', translate(rgba, 'u8_rgb_mask_deflate', 'COG', ['COMPRESS=DEFLATE', B],
                                               ['-b', '1', '-b', '2', '-b', '3', '-mask', '4']), None))
for name, path, target in files:
    seed_file(path, name)
    if target:
        seed_tile(path, target, name)
# Decoder seeds with no file behind them: a tiny raw tile per dtype for the uncompressed codec.
for dt in range(12):
    put('decode_none', 'raw_dtype%d.bin' % dt, bytes([7, 3, (dt << 2) | 1, 0]) + bytes(range(256)) * 2)
for name in sorted(os.listdir(seeds)):
    d = os.path.join(seeds, name)
    sizes = [os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)]
    print('%-16s %2d files, %6d bytes, largest %d' % (name, len(sizes), sum(sizes), max(sizes)))
PY

"""rio-tiler as the second oracle. Run with the virtualenv scripts/setup makes ($LIW_RIOTILER_PYTHON).

Subcommands (JSON on stdout):
  render FILE SCHEME Z X Y QUERY
      The tile's band values from Debian's `gdalwarp -et 0 -r near -dstalpha` (the same samples GDAL's
      tiles hold), styled by rio-tiler 7's own ImageData code with TiTiler's query parameters (bidx,
      expression, rescale, nodata, colormap_name, colormap) and rendered to PNG by rio-tiler; prints
      the decoded PNG as RGBA: {"rgba": [r, g, b, a, ...]}.
  tile FILE Z X Y
      rio-tiler's whole pipeline: Reader(FILE).tile(X, Y, Z) (web mercator, 256 px, nearest) rendered
      to PNG with the default settings; prints {"rgba": [...]}.
"""
import json, os, subprocess, sys, tempfile, warnings
from urllib.parse import parse_qsl

import numpy as np
import rasterio
from rasterio.io import MemoryFile
from rio_tiler.colormap import cmap
from rio_tiler.models import ImageData

warnings.simplefilter('ignore')
MERC = np.pi * 6378137.0


def tile_bounds(scheme, z, x, y):
    if scheme == 'EPSG:3857':
        n = 2 ** z
        t = 2 * MERC / n
        return (-MERC + x * t, MERC - (y + 1) * t, -MERC + (x + 1) * t, MERC - y * t)
    t = 180.0 / 2 ** z
    return (-180 + x * t, 90 - (y + 1) * t, -180 + (x + 1) * t, 90 - y * t)


def png_rgba(png):
    with MemoryFile(png) as mem, mem.open() as ds:
        a = ds.read()
    if a.shape[0] == 2:  # grey + alpha
        a = np.stack([a[0], a[0], a[0], a[1]])
    elif a.shape[0] == 3:
        a = np.concatenate([a, np.full_like(a[:1], 255)])
    return np.moveaxis(a, 0, -1).reshape(-1).astype(int).tolist()


def titiler_colormap(text):
    """TiTiler's ColorMapParams: a JSON object of value → colour, or a list of intervals."""
    v = json.loads(text)
    if isinstance(v, dict):
        return {int(k) if float(k).is_integer() else float(k): tuple(c) for k, c in v.items()}
    return [(tuple(r), tuple(c)) for r, c in v]


def render(path, scheme, z, x, y, query):
    params = parse_qsl(query, keep_blank_values=True)
    b = tile_bounds(scheme, z, x, y)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 't.tif')
        subprocess.run(['/usr/bin/gdalwarp', '-q', '-et', '0', '-t_srs', scheme, '-te', *map(repr, b), '-ts', '256',
                        '256', '-r', 'near', '-dstalpha', '-of', 'GTiff', path, out], check=True)
        with rasterio.open(out) as ds:
            arr = ds.read()
    data, alpha = arr[:-1], arr[-1]
    mask = np.repeat((alpha == 0)[None], data.shape[0], axis=0)
    nodata = [float(v) for k, v in params if k == 'nodata']
    if nodata:
        mask |= data == nodata[-1]
    bidx = [int(i) for k, v in params if k == 'bidx' for i in v.split(',')]
    if bidx:
        data, mask = data[[i - 1 for i in bidx]], mask[[i - 1 for i in bidx]]
    img = ImageData(np.ma.MaskedArray(data, mask=mask), band_names=['b%d' % (i + 1) for i in range(data.shape[0])])
    expr = [v for k, v in params if k == 'expression']
    if expr:
        img = img.apply_expression(expr[-1])
    rescale = [tuple(map(float, v.split(','))) for k, v in params if k == 'rescale']
    if rescale:
        img.rescale(in_range=rescale)
    cm = None
    names = [v for k, v in params if k == 'colormap_name']
    if names:
        cm = cmap.get(names[-1])
    custom = [v for k, v in params if k == 'colormap']
    if custom:
        cm = titiler_colormap(custom[-1])
    return {'rgba': png_rgba(img.render(img_format='PNG', colormap=cm))}


def tile(path, z, x, y):
    from rio_tiler.io import Reader
    with Reader(path) as r:
        img = r.tile(x, y, z, tilesize=256)
    return {'rgba': png_rgba(img.render(img_format='PNG'))}


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'render':
        out = render(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), args[5])
    elif cmd == 'tile':
        out = tile(args[0], int(args[1]), int(args[2]), int(args[3]))
    else:
        sys.exit('unknown command ' + cmd)
    json.dump(out, sys.stdout)

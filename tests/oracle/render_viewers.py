"""django-large-image 0.10.5's own viewer pages (its templates geojsViewer.html and cesiumViewer.html, with
their _include/ parts), rendered by Django's template engine to static HTML, as a Django project would
serve them, pointed at an image id and an API prefix: for the browser test of the service worker.

The templates are left as they are but for their CDN URLs, which this machine cannot reach: each is
replaced by the same library from a pinned npm package served under /vendor/ (CDN below). Tailwind's v3
Play CDN script is not on npm; its successor, the v4 browser build (@tailwindcss/browser), stands in.

Usage (the virtualenv of requirements-dli.txt):
  python render_viewers.py OUTDIR IMAGE_ID BASE_ENDPOINT STATIC_URL
writes OUTDIR/geojsViewer.html and OUTDIR/cesiumViewer.html, prints the folder of the package's static
files (to be served at STATIC_URL)."""
import json
import os
import sys

import django
from django.conf import settings

CDN = {
    'https://cesium.com/downloads/cesiumjs/releases/1.87.1/Build/Cesium/': '/vendor/cesium-1.87.1/',
    'https://cdn.jsdelivr.net/npm/remixicon@2.5.0/fonts/remixicon.css': '/vendor/remixicon/remixicon.css',
    'https://cdn.jsdelivr.net/npm/daisyui@2.14.2/dist/full.css': '/vendor/daisyui/full.css',
    '//unpkg.com/alpinejs': '/vendor/alpinejs/cdn.min.js',
    'https://cdn.tailwindcss.com': '/vendor/tailwindcss-browser/index.global.js',
}

# What a project's page does before including a viewer (django-large-image's example project:
# `var imageId = …; var baseEndpoint = …;`), with the values as JSON that cannot close the script.
WRAPPER = """<script>
  var imageId = {{ image_id }};
  var baseEndpoint = {{ base_endpoint }};
</script>
{% include template %}
"""


def js_string(s):
    return json.dumps(s).replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')


def main(out, image_id, base_endpoint, static_url):
    settings.configure(
        INSTALLED_APPS=['django.contrib.staticfiles', 'django_large_image'],
        TEMPLATES=[{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'APP_DIRS': True}],
        STATIC_URL=static_url,
    )
    django.setup()
    from django.template import engines
    from django.utils.safestring import mark_safe
    import django_large_image

    os.makedirs(out, exist_ok=True)
    engine = engines['django']
    for name in ('geojsViewer', 'cesiumViewer'):
        html = engine.from_string(WRAPPER).render({
            'image_id': mark_safe(js_string(image_id)),
            'base_endpoint': mark_safe(js_string(base_endpoint)),
            'template': f'django_large_image/{name}.html',
            'cesium_token': '',
        })
        for cdn, local in CDN.items():
            html = html.replace(cdn, local)
        with open(os.path.join(out, f'{name}.html'), 'w') as f:
            f.write(html)
    print(os.path.join(os.path.dirname(django_large_image.__file__), 'static'))


if __name__ == '__main__':
    main(*sys.argv[1:5])

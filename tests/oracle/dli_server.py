"""The reference system, run for real: django-large-image 0.10.5 (PyPI) over a folder of COGs.

Every route of django-large-image's LargeImageDetailMixin at /api/image/{file name}/..., plus
/api/large-image/{sources,colormaps,formats}. Tests start it on 127.0.0.1 and compare our answers with its
answers, live, on fixtures GDAL made in the same run.

Usage: DLI_ROOT=FOLDER python dli_server.py runserver 127.0.0.1:PORT --noreload
The server exits when its standard input is closed (so it never outlives the test that started it).
(venv: tests/oracle/requirements-dli.txt, made by scripts/setup.)"""
import os
import sys
import threading

import django
from django.conf import settings

ROOT = os.path.abspath(os.environ.get('DLI_ROOT', '.'))
settings.configure(
    DEBUG=False, SECRET_KEY='local-oracle', ROOT_URLCONF=__name__, ALLOWED_HOSTS=['*'],
    INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth', 'rest_framework', 'django_large_image'],
    DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}},
    REST_FRAMEWORK={'UNAUTHENTICATED_USER': None},
)
django.setup()

from django.urls import include, path  # noqa: E402
from rest_framework import routers, viewsets  # noqa: E402
from rest_framework.exceptions import NotFound  # noqa: E402
from django_large_image.rest import LargeImageDetailMixin  # noqa: E402
import django_large_image.urls  # noqa: E402


class ImageViewSet(viewsets.ViewSet, LargeImageDetailMixin):
    lookup_value_regex = r'[^/]+'

    def get_path(self, request, pk=None):
        p = os.path.abspath(os.path.join(ROOT, pk))
        if not p.startswith(ROOT + os.sep) or not os.path.isfile(p):
            raise NotFound(f'no file {pk}')
        return p


router = routers.SimpleRouter(trailing_slash=False)
router.register(r'api/image', ImageViewSet, basename='image')
urlpatterns = [path('', include(router.urls)), path('', include(django_large_image.urls))]


def exit_when_stdin_closes():
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)


if __name__ == '__main__':
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)

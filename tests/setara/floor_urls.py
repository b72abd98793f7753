"""The site's addresses plus the benchmark's floor page, as bench/load.py's server
has them (BENCH_FLOOR_PAGE=1)."""

from django.urls import include, path

from setara.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("bench/floor/", include("setara.floor"))]

"""The shop's URLs plus the floors its benchmarks measure against: /bench/floor, the cheapest
response the same stack can give, and /bench/write-floor, the cheapest write (one row inserted
in one transaction, into a table only benchmarks have: WRITE_FLOOR_TABLE)."""

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

WRITE_FLOOR_TABLE = """
CREATE TABLE IF NOT EXISTS bench_write_floor (
    id bigserial PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now(), body text NOT NULL
)
"""


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def write_floor(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_write_floor (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse("ok", content_type="text/plain", status=201)


urlpatterns = [path("bench/floor", floor), path("bench/write-floor", write_floor), path("", include("shop.urls"))]

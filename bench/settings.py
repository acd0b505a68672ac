"""The shop's settings plus a floor view, for benchmarks only."""

from shop.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"

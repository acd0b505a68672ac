"""The catalogue's API routes, mounted under /api/."""

from django.urls import path

from . import api
from .cache import cached_read

ISBN = "<str:isbn>"

urlpatterns = [
    path("publications/", cached_read(api.PublicationList.as_view()), name="api-publication-list"),
    path(f"publications/{ISBN}/", cached_read(api.PublicationDetail.as_view()), name="api-publication-detail"),
    path(f"publications/{ISBN}/comments/", cached_read(api.PublicationComments.as_view()), name="api-publication-comments"),
    path(f"publications/{ISBN}/stock/", api.PublicationStock.as_view(), name="api-publication-stock"),
]

"""The catalogue's API routes, mounted under /api/."""

from django.urls import path

from . import api

ISBN = "<str:isbn>"

urlpatterns = [
    path("publications/", api.PublicationList.as_view(), name="api-publication-list"),
    path(f"publications/{ISBN}/", api.PublicationDetail.as_view(), name="api-publication-detail"),
    path(f"publications/{ISBN}/comments/", api.PublicationComments.as_view(), name="api-publication-comments"),
    path(f"publications/{ISBN}/stock/", api.PublicationStock.as_view(), name="api-publication-stock"),
]

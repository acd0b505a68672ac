"""Reader pages."""

from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("publications/<slug:slug>/", views.publication, name="publication"),
    path("publications/<slug:slug>/comments/", views.publication_comment, name="publication-comment"),
]

"""The shop's URLs: pages, the JSON API under /api/, the admin and the health check."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .admin_site import ShopAdminSite
from .ratelimits import limit

admin.site.__class__ = ShopAdminSite  # a second factor whenever DEBUG is off

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says: the shop's icon, not a 404.
    path("favicon.ico", views.favicon, name="favicon"),
    # Sign-in attempts per address, whatever the username (the lockout counts each username apart).
    path("admin/login/", limit("ADMIN_LOGIN_RATE", group="admin.login")(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: nothing inline for the policy to refuse.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="shop/api_docs.html"), name="api-docs"),
    path("api/", include("catalogue.api_urls")),
    path("api/", include("orders.api_urls")),
    path("api/", include("reports.api_urls")),
    # The catalogue first: its pages are most of what readers ask for, and every include tried
    # and missed on the way costs the resolver a list of what it tried.
    path("", include("catalogue.urls")),
    path("", include("orders.urls")),
    # Covers kept on this host's disk (one machine, no object store), DEBUG or not.
    re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", views.media, name="media"),
]
handler403 = "shop.views.permission_denied"
handler500 = "shop.views.server_error"

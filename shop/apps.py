from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Print shop"

    def ready(self):
        from . import checks, roles  # noqa: F401 (checks registers the deploy checks)

        # Runs after each app's permissions are created (auth connected its handler first).
        post_migrate.connect(roles.sync_groups, dispatch_uid="shop.roles.sync_groups")

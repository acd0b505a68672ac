from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _typo_threshold(sender, connection, **kwargs):
    """On PostgreSQL, how like a title's word a search term must be to be taken for a typo of it
    (pg_trgm's `<%`, which the title's trigram index serves; see selectors.publication_search)."""
    if connection.vendor == "postgresql":
        from .selectors import TYPO_SIMILARITY

        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(TYPO_SIMILARITY)])


class CatalogueConfig(AppConfig):
    name = "catalogue"

    def ready(self):
        connection_created.connect(_typo_threshold, dispatch_uid="catalogue.typo_threshold")

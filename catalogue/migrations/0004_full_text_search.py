"""Search on PostgreSQL: a weighted tsvector the database keeps (a stored generated column, so no
write path can forget it) with a GIN index, and trigram indexes for typos in titles and for ISBN
fragments. Django does not know the column: catalogue.search reads it. SQLite has none of this
and searches with its simple fallback.

Changing the type of title, subtitle, summary, authors or key_findings on PostgreSQL means
dropping the column first (it depends on them) and adding it again after.
"""

from django.db import migrations

SEARCH_VECTOR = """
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(subtitle, '')), 'B')
    || setweight(jsonb_to_tsvector('english'::regconfig, coalesce(authors, '[]'::jsonb), '["string"]'), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'C')
    || setweight(jsonb_to_tsvector('english'::regconfig, coalesce(key_findings, '[]'::jsonb), '["string"]'), 'C')
"""


def add_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension: the database's owner may create it without superuser rights.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"ALTER TABLE catalogue_publication ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED")
    schema_editor.execute("CREATE INDEX publication_search ON catalogue_publication USING gin (search_vector)")
    schema_editor.execute("CREATE INDEX publication_title_trigram ON catalogue_publication USING gin (title gin_trgm_ops)")
    schema_editor.execute("CREATE INDEX publication_isbn_trigram ON catalogue_publication USING gin (isbn gin_trgm_ops)")


def remove_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS publication_isbn_trigram")
    schema_editor.execute("DROP INDEX IF EXISTS publication_title_trigram")
    schema_editor.execute("ALTER TABLE catalogue_publication DROP COLUMN IF EXISTS search_vector")  # its index goes with it


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_comment_numbers_and_imported_pages")]

    operations = [migrations.RunPython(add_search, remove_search)]

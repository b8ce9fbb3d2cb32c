"""Trigram index for the substring search on PostgreSQL; SQLite scans instead.

Korean attaches particles to words (알고리즘을, 알고리즘의), so search matches
substrings of the normalized text rather than stemmed tokens. pg_trgm makes
those LIKE '%term%' lookups use an index.
"""

from django.db import migrations

from studygroup.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX reviews_paper_search_trgm ON reviews_paper "
                "USING gin (search_text gin_trgm_ops)",
            ],
            reverse_sql=["DROP INDEX IF EXISTS reviews_paper_search_trgm"],
        )
    ]

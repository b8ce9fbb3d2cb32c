"""One GIN index per kind of document, and one on paper titles.

A single index over every kind made a common word's lookup return the matches of all kinds
and intersect them with the kind index; per-kind indexes answer "papers mentioning X"
from the papers' entries alone. The title index gives search its first ranking tier
without reading any vector.
"""

from django.db import migrations

from studygroup.migration_ops import PostgresOnlySQL

KINDS = ("paper", "review", "section", "comment", "member")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "DROP INDEX IF EXISTS search_document_matches_gin",
                "DROP INDEX IF EXISTS search_document_vector_gin",
                *(
                    f"CREATE INDEX search_{kind}_vector_gin ON search_document "
                    f"USING gin (vector) WHERE kind = '{kind}'"
                    for kind in KINDS
                ),
                *(
                    f"CREATE INDEX search_{kind}_matches_gin ON search_document "
                    f"USING gin (matches) WHERE kind = '{kind}'"
                    for kind in ("paper", "review")
                ),
                "CREATE INDEX search_paper_title_gin ON search_document "
                "USING gin (to_tsvector('english'::regconfig, title)) WHERE kind = 'paper'",
                "ANALYZE search_document",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS search_paper_title_gin",
                *(
                    f"DROP INDEX IF EXISTS search_{kind}_matches_gin"
                    for kind in ("paper", "review")
                ),
                *(f"DROP INDEX IF EXISTS search_{kind}_vector_gin" for kind in KINDS),
                "CREATE INDEX search_document_vector_gin ON search_document USING gin (vector)",
                "CREATE INDEX search_document_matches_gin ON search_document "
                "USING gin (matches) WHERE matches IS NOT NULL",
            ],
        ),
    ]

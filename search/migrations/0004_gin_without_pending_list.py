"""The GIN indexes without a pending list.

With GIN's default `fastupdate`, new entries wait in an unsorted list that every search
reads through until a vacuum merges them: after a rebuild that was the whole title index,
2–3 ms of each search for a word nothing matches. Writes to the index are few (a review
published, a comment posted), so they go into the index at once; `search_rebuild` drops
and recreates the indexes around its bulk load (search.services.index_rebuild).
"""

from django.db import migrations

from studygroup.migration_ops import PostgresOnlySQL

GIN = (
    *(f"search_{kind}_vector_gin" for kind in ("paper", "review", "section", "comment", "member")),
    "search_review_matches_gin",
    "search_paper_title_gin",
    "search_paper_words_gin",
)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_paper_words")]

    operations = [
        PostgresOnlySQL(
            sql=[
                *(f"ALTER INDEX {name} SET (fastupdate = off)" for name in GIN),
                *(f"SELECT gin_clean_pending_list('{name}'::regclass)" for name in GIN),
            ],
            reverse_sql=[f"ALTER INDEX {name} RESET (fastupdate)" for name in GIN],
        ),
    ]

"""The search index. On PostgreSQL: GIN indexes, a bounded union of tsvectors, slim rows.

Rows keep their text and vectors out of line (toast_tuple_target), so the scans behind a
common word read small heap rows.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from studygroup.migration_ops import PostgresOnlySQL

UNION_SQL = """
CREATE FUNCTION search_tsvector_union_step(acc tsvector, item tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN item IS NULL THEN acc
        WHEN acc IS NULL THEN strip(item)
        WHEN pg_column_size(acc) + pg_column_size(item) > 500000 THEN acc
        ELSE acc || strip(item)
    END
$$;
CREATE AGGREGATE search_tsvector_union(tsvector) (
    SFUNC = search_tsvector_union_step, STYPE = tsvector
);
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reviews", "0007_run_requeue"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("paper", "Paper"),
                            ("review", "Review"),
                            ("section", "Section"),
                            ("comment", "Comment"),
                            ("member", "Member"),
                        ],
                        max_length=10,
                    ),
                ),
                ("section", models.CharField(blank=True, max_length=20)),
                ("title", models.TextField(blank=True)),
                ("text", models.TextField(blank=True)),
                ("dated", models.DateTimeField(null=True)),
                ("weight", models.PositiveIntegerField(default=0)),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
                ("matches", django.contrib.postgres.search.SearchVectorField(null=True)),
                (
                    "comment",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_documents",
                        to="reviews.comment",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_documents",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "paper",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_documents",
                        to="reviews.paper",
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_documents",
                        to="reviews.review",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["kind", "-dated"], name="search_docu_kind_74acb5_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "paper")),
                        fields=("paper",),
                        name="search_one_document_per_paper",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("kind__in", ["review", "section"])),
                        fields=("review", "section"),
                        name="search_one_document_per_review_section",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "comment")),
                        fields=("comment",),
                        name="search_one_document_per_comment",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "member")),
                        fields=("member",),
                        name="search_one_document_per_member",
                    ),
                ],
            },
        ),
        PostgresOnlySQL(
            sql=[
                UNION_SQL,
                "ALTER TABLE search_document SET (toast_tuple_target = 128)",
                "CREATE INDEX search_document_vector_gin ON search_document USING gin (vector)",
                "CREATE INDEX search_document_matches_gin ON search_document "
                "USING gin (matches) WHERE matches IS NOT NULL",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS search_document_matches_gin",
                "DROP INDEX IF EXISTS search_document_vector_gin",
                "DROP AGGREGATE IF EXISTS search_tsvector_union(tsvector)",
                "DROP FUNCTION IF EXISTS search_tsvector_union_step(tsvector, tsvector)",
            ],
        ),
    ]

from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Lower

import reviews.models


def username_case_clashes(member_model: type[models.Model], using: str) -> list[list[str]]:
    """Groups of usernames that differ only in case, each sorted (by code point), in order."""
    clashing = (
        member_model._default_manager.using(using)
        .annotate(folded=Lower("username"))
        .values("folded")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("folded", flat=True)
    )
    groups: dict[str, list[str]] = {}
    # Group by the database's own folding (SQLite's lower() folds ASCII only), as the
    # constraint will.
    for folded, username in (
        member_model._default_manager.using(using)
        .annotate(folded=Lower("username"))
        .filter(folded__in=list(clashing))
        .values_list("folded", "username")
    ):
        groups.setdefault(folded, []).append(username)
    return [sorted(groups[key]) for key in sorted(groups)]


def refuse_case_clashes(apps, schema_editor) -> None:
    # The constraint below cannot be added over clashing rows, and which of two members keeps
    # a name is an organizer's decision, so the migration stops and names every group.
    member_model = apps.get_model("reviews", "Member")
    groups = username_case_clashes(member_model, schema_editor.connection.alias)
    if groups:
        listed = "; ".join(", ".join(group) for group in groups)
        raise RuntimeError(
            "Usernames must be unique regardless of case. Rename all but one member in each "
            f"group, then migrate again: {listed}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_review_source"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="member",
            managers=[
                ("objects", reviews.models.MemberManager()),
            ],
        ),
        migrations.RunPython(refuse_case_clashes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                Lower("username"),
                name="unique_member_username_ci",
                violation_error_message="A member with that username already exists.",
            ),
        ),
        # Private feed URLs (reviews.feeds) ship in the same change as the sign-in lockdown.
        migrations.CreateModel(
            name="FeedKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "member",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="feed_key",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]

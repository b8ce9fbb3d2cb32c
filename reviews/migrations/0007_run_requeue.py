from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_username_case_insensitive"),
    ]

    operations = [
        migrations.AddField(
            model_name="experimentrun",
            name="missing_since",
            field=models.DateTimeField(blank=True, null=True, verbose_name="message missing since"),
        ),
        migrations.AddField(
            model_name="experimentrun",
            name="resent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="re-sent"),
        ),
    ]

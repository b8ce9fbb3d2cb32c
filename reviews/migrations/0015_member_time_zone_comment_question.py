import django.conf
from django.db import migrations, models

import reviews.validators


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0014_review_working_copy"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="is_question",
            field=models.BooleanField(default=False, verbose_name="question"),
        ),
        migrations.AddField(
            model_name="comment",
            name="resolved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="resolved"),
        ),
        migrations.AddField(
            model_name="member",
            name="time_zone",
            field=models.CharField(
                default=django.conf.settings.TIME_ZONE,
                help_text="Session times are shown in this time zone, like Asia/Seoul.",
                max_length=64,
                validators=[reviews.validators.validate_time_zone],
                verbose_name="time zone",
            ),
        ),
    ]

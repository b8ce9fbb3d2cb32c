from django.db import migrations, models
from django.db.models import F


def addresses_to_verify(apps, schema_editor):
    """Addresses given before verification existed were never checked: they wait for their
    owner to ask for the link from the profile, and nothing is mailed to them until then."""
    Member = apps.get_model("reviews", "Member")
    Member.objects.exclude(email="").update(email_pending=F("email"), email="")


def addresses_back(apps, schema_editor):
    Member = apps.get_model("reviews", "Member")
    Member.objects.exclude(email_pending="").filter(email="").update(
        email=F("email_pending"), email_pending=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0017_run_texts"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="email_pending",
            field=models.EmailField(
                blank=True, max_length=254, verbose_name="e-mail address to verify"
            ),
        ),
        migrations.RunPython(addresses_to_verify, addresses_back),
    ]

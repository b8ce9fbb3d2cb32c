# The session date and presenter of reading-list entries now live in meetings.Session;
# meetings' migration 0002 copies them there before this one runs.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0015_member_time_zone_comment_question"),
    ]

    operations = [
        migrations.RemoveField(model_name="readinglistentry", name="presenter"),
        migrations.RemoveField(model_name="readinglistentry", name="session_date"),
    ]

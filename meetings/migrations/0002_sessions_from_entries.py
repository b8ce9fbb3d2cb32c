"""Reading-list entries' session dates and presenters become sessions.

Entries of one cohort on the same date share a session (19:00–21:00 in the site's time zone,
held if the date has passed). An entry with a presenter but no date gets a session of its own
on the day its list was made, so no presenter is lost; the organizer moves it to its real date.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

START = datetime.time(19, 0)
LENGTH = datetime.timedelta(hours=2)


def entries_to_sessions(apps, schema_editor):
    Entry = apps.get_model("reviews", "ReadingListEntry")
    Session = apps.get_model("meetings", "Session")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    entries = (
        Entry.objects.filter(session_date__isnull=False)
        | Entry.objects.filter(presenter__isnull=False)
    ).select_related("reading_list")
    by_slot = {}
    for entry in entries.order_by("reading_list__cohort_id", "session_date", "number", "pk"):
        cohort_id = entry.reading_list.cohort_id
        day = entry.session_date
        key = (cohort_id, day) if day else (cohort_id, None, entry.pk)
        by_slot.setdefault(key, []).append(entry)
    numbers = {}
    for key, slot in sorted(
        by_slot.items(), key=lambda item: (item[0][0], item[0][1] or datetime.date.max)
    ):
        cohort_id = key[0]
        day = key[1] or timezone.localtime(slot[0].reading_list.created_at, zone).date()
        starts_at = datetime.datetime.combine(day, START, tzinfo=zone)
        numbers[cohort_id] = numbers.get(cohort_id, 0) + 1
        session = Session.objects.create(
            cohort_id=cohort_id,
            number=numbers[cohort_id],
            starts_at=starts_at,
            ends_at=starts_at + LENGTH,
            time_zone=settings.TIME_ZONE,
            status="held" if key[1] and starts_at + LENGTH < now else "planned",
        )
        session.entries.set(slot)
        session.presenters.set({e.presenter_id for e in slot if e.presenter_id})


def sessions_to_entries(apps, schema_editor):
    Session = apps.get_model("meetings", "Session")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for session in Session.objects.prefetch_related("entries", "presenters"):
        presenters = list(session.presenters.all())
        for entry in session.entries.all():
            entry.session_date = timezone.localtime(session.starts_at, zone).date()
            entry.presenter = presenters[0] if presenters else None
            entry.save(update_fields=["session_date", "presenter"])
    Session.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("reviews", "0015_member_time_zone_comment_question"),
    ]
    run_before = [("reviews", "0016_entry_session_fields_moved")]

    operations = [migrations.RunPython(entries_to_sessions, sessions_to_entries)]

"""Entries' session dates and presenters become sessions (meetings migration 0002)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reviews", "0015_member_time_zone_comment_question"), ("meetings", "0001_initial")]
AFTER = [("reviews", "0016_entry_session_fields_moved"), ("meetings", "0002_sessions_from_entries")]


@pytest.mark.django_db(transaction=True)
def test_entry_dates_and_presenters_move_into_sessions() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Member = apps.get_model("reviews", "Member")
    Cohort = apps.get_model("reviews", "Cohort")
    ReadingList = apps.get_model("reviews", "ReadingList")
    Paper = apps.get_model("reviews", "Paper")
    Entry = apps.get_model("reviews", "ReadingListEntry")
    alex = Member.objects.create(username="alex")
    cohort = Cohort.objects.create(name="C", slug="c")
    rl = ReadingList.objects.create(cohort=cohort, title="L", slug="l")
    day = datetime.date(2025, 3, 6)
    papers = [Paper.objects.create(title=f"P{n}") for n in range(4)]
    Entry.objects.create(
        reading_list=rl, number=1, paper=papers[0], session_date=day, presenter=alex
    )
    Entry.objects.create(reading_list=rl, number=2, paper=papers[1], session_date=day)
    Entry.objects.create(reading_list=rl, number=3, paper=papers[2], presenter=alex)
    Entry.objects.create(reading_list=rl, number=4, paper=papers[3])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Session = apps.get_model("meetings", "Session")
    sessions = list(Session.objects.order_by("number"))
    assert len(sessions) == 2
    first = sessions[0]
    assert first.starts_at.astimezone(datetime.UTC) == datetime.datetime(
        2025, 3, 6, 10, 0, tzinfo=datetime.UTC
    )
    assert first.status == "held"
    assert sorted(e.number for e in first.entries.all()) == [1, 2]
    assert [m.username for m in first.presenters.all()] == ["alex"]
    assert [e.number for e in sessions[1].entries.all()] == [3]
    assert sessions[1].status == "planned"

    # Back and forth: the way down puts dates and presenters back on the entries.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Entry = apps.get_model("reviews", "ReadingListEntry")
    rows = dict(Entry.objects.values_list("number", "session_date"))
    assert rows[1] == day and rows[2] == day and rows[4] is None
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

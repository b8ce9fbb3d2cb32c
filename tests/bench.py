"""`make bench`: rendering, page and search timings on a throwaway test database.

Runs against DATABASE_URL (SQLite when unset) in a fresh test database that is
dropped afterwards. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from io import StringIO

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

PAGE_REPEATS = 30
SEARCH_PAPERS = 5000


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def bench_markdown(rows: list[str]) -> None:
    from reviews import demo_data
    from reviews.markdown import render_markdown

    review = next(r for r in demo_data.REVIEWS if r["arxiv_id"] == "1803.05407")
    text = "\n\n".join(review[k] for k in ("introduction", "core_algorithm", "results"))
    size = len(text.encode())
    median, p95 = timed(lambda: render_markdown(text), 50)
    rows.append(
        f"| render_markdown, SWA review ({size / 1024:.1f} KB) | {median:.2f} | {p95:.2f} | |"
    )
    # The pathological inputs have a table of their own: bench_markdown_worst_case().


def _render_cpu_ms(text: str, repeats: int) -> float:
    """Best CPU time of ``repeats`` renders, each as if the text were new.

    CPU time rather than wall time, so that other work on the machine does not count; the
    formula and code-highlighting caches are emptied first, since a real section's formulas
    and code blocks are rarely in them (repeats within the one text still hit them).
    """
    from reviews import markdown as md
    from reviews import markdown_linear

    best = float("inf")
    for _ in range(repeats):
        md._render_formula.cache_clear()
        markdown_linear.clear_caches()
        start = time.process_time()
        md.render_markdown(text)
        best = min(best, time.process_time() - start)
    return best * 1000


def _code(name: str) -> str:
    """``name`` as a code span in a Markdown table cell."""
    name = name.replace("|", "\\|")
    ticks = "``" if "`" in name else "`"
    pad = " " if name.startswith("`") or name.endswith("`") else ""
    return f"{ticks}{pad}{name}{pad}{ticks}"


def bench_markdown_worst_case() -> list[str]:
    """Every pathological input of tests/markdown_corpus.py against ordinary review text.

    Each input is rendered at 10 KB and at 100 KB (the largest section a form accepts); the
    ratio is its 100 KB time over that of the demo reviews' sections repeated to 100 KB, and
    growth is its 100 KB time over its 10 KB time (10 for linear time).
    """
    from reviews.markdown import MAX_SOURCE_BYTES
    from tests import markdown_corpus

    small_size = MAX_SOURCE_BYTES // 10
    base_text = markdown_corpus.baseline(MAX_SOURCE_BYTES)
    _render_cpu_ms(base_text, 2)  # warm up: imports, lexers, regexes
    base = _render_cpu_ms(base_text, 5)
    small = markdown_corpus.corpus(small_size)
    large = markdown_corpus.corpus(MAX_SOURCE_BYTES)
    results = []
    for number, (name, text) in enumerate(large.items()):
        if number % 20 == 19:
            base = min(base, _render_cpu_ms(base_text, 2))
        print(f"  markdown worst case {number + 1}/{len(large)}: {name}", file=sys.stderr)
        results.append((name, _render_cpu_ms(small[name], 3), _render_cpu_ms(text, 3)))
    results.sort(key=lambda row: -row[2])
    lines = [
        f"Markdown worst case: {len(results)} inputs of {MAX_SOURCE_BYTES // 1024} KB against "
        f"ordinary review text ({base:.1f} ms CPU for {MAX_SOURCE_BYTES // 1024} KB)",
        "",
        "| input | 10 KB ms | 100 KB ms | growth 10→100 KB | × ordinary text |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, small_ms, large_ms in results:
        lines.append(
            f"| {_code(name)} | {small_ms:.1f} | {large_ms:.1f} | {large_ms / small_ms:.1f}× | "
            f"{large_ms / base:.2f}× |"
        )
    name, _, large_ms = results[0]
    growth_name, growth_small, growth_large = max(results, key=lambda row: row[2] / row[1])
    lines += [
        "",
        f"worst ratio: {large_ms / base:.2f}× ordinary text ({name!r}, {large_ms:.0f} ms)",
        f"largest growth 10→100 KB: {growth_large / growth_small:.1f}× ({growth_name!r})",
    ]
    return lines


def bench_pages(rows: list[str]) -> None:
    from reviews.models import Member, Paper, ReadingList, Review

    call_command("loaddemo", stdout=StringIO())
    client = Client()
    rl = ReadingList.objects.get()
    swa = Paper.objects.get(arxiv_id="1803.05407")
    review = Review.objects.filter(paper=swa, status="published").first()
    pages = {
        "reading list (14 entries)": rl.get_absolute_url(),
        "reading list search “알고리즘”": rl.get_absolute_url() + "?q=알고리즘",
        "paper page (2 reviews)": swa.get_absolute_url(),
        "review page": review.get_absolute_url(),
        "Atom feed": "/feeds/reviews.atom",
    }
    for who in ("anonymous", "member"):
        if who == "member":
            client.force_login(Member.objects.get(username="minji"))
        for label, url in pages.items():
            connection.queries_log.clear()  # a full log makes the capture read zero
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            median, p95 = timed(lambda url=url: client.get(url), PAGE_REPEATS)
            rows.append(f"| {label}, {who} | {median:.2f} | {p95:.2f} | {len(queries)} |")


def bench_search(rows: list[str]) -> None:
    from reviews.models import Paper, ReadingList, ReadingListEntry
    from reviews.selectors import reading_list_entries
    from search.services import index_rebuild

    rl = ReadingList.objects.get()
    words = ["확률적", "가중치를", "평균", "optimization", "transformer", "메타", "학습", "pruning"]
    papers = [
        Paper(
            title=f"Synthetic paper {i}",
            authors=[f"Author {i}"],
            abstract=" ".join(words[(i + j) % len(words)] for j in range(40)),
        )
        for i in range(SEARCH_PAPERS)
    ]
    Paper.objects.bulk_create(papers, batch_size=1000)
    index_rebuild()
    last = ReadingListEntry.objects.filter(reading_list=rl).order_by("-number").first().number
    ReadingListEntry.objects.bulk_create(
        [
            ReadingListEntry(reading_list=rl, number=last + 1 + i, paper=p)
            for i, p in enumerate(Paper.objects.filter(title__startswith="Synthetic"))
        ],
        batch_size=1000,
    )
    from django.contrib.auth.models import AnonymousUser

    for query in ("가중치을", "알고리즘", "swa 평균"):
        median, p95 = timed(
            lambda q=query: len(
                list(reading_list_entries(reading_list=rl, user=AnonymousUser(), query=q)[:50])
            ),
            10,
        )
        rows.append(
            f"| search “{query}”, {SEARCH_PAPERS + 14} papers, first 50 | "
            f"{median:.2f} | {p95:.2f} | |"
        )


FAN_OUT_MEMBERS = 200
DIGEST_EVENTS = 1000


def bench_notifications(rows: list[str]) -> None:
    """A review published to a cohort of 200, and the daily digests of 1,000 events for 200
    members (e-mail to Django's in-memory backend, so building is what is timed)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.test import override_settings

    from notifications import mail
    from notifications.enums import Delivery, Kind
    from notifications.models import Notification, NotificationSettings
    from notifications.services import notify_review_published
    from reviews import services
    from reviews.models import Cohort, CohortMembership, Member, Paper, ReadingList, Review

    cohort = Cohort.objects.create(name="Bench cohort", slug="bench-cohort")
    members = Member.objects.bulk_create(
        [
            Member(username=f"bench{i}", email=f"bench{i}@example.org", time_zone="Asia/Seoul")
            for i in range(FAN_OUT_MEMBERS)
        ]
    )
    members = list(Member.objects.filter(username__startswith="bench").order_by("pk"))
    CohortMembership.objects.bulk_create(
        [CohortMembership(cohort=cohort, member=m) for m in members]
    )
    rl = ReadingList.objects.create(cohort=cohort, title="Bench list", slug="bench-list")
    paper = Paper.objects.create(title="A paper the whole cohort follows")
    rl.entries.create(number=1, paper=paper)
    content = services.ReviewContent(tldr="Fan-out", thoughts="@bench1 @bench2 have a look")
    review = services.review_create(paper=paper, author=members[0], content=content, publish=True)

    def fan_out() -> None:
        Notification.objects.filter(review=review).delete()
        notify_review_published(review_id=review.pk, by_id=members[0].pk, first=True)

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        fan_out()
    sent = Notification.objects.filter(review=review).count()
    median, p95 = timed(fan_out, 10)
    rows.append(
        f"| fan-out: first publish to {sent} members of a cohort | {median:.2f} | {p95:.2f} "
        f"| {len(queries)} |"
    )

    Notification.objects.all().delete()
    NotificationSettings.objects.bulk_create(
        [NotificationSettings(member=m, deliveries={Kind.COMMENT: Delivery.DAILY}) for m in members]
    )
    seoul = ZoneInfo("Asia/Seoul")
    eight = datetime(2026, 12, 8, 8, 5, tzinfo=seoul)
    reviews = list(Review.objects.filter(status="published")[:20]) or [review]
    events = [
        Notification(
            recipient=members[i % len(members)],
            kind=Kind.COMMENT,
            actor=members[(i + 1) % len(members)],
            review=reviews[i % len(reviews)],
            created_at=eight - timedelta(hours=3),
        )
        for i in range(DIGEST_EVENTS)
    ]
    Notification.objects.bulk_create(events)

    def digests() -> int:
        Notification.objects.update(emailed_at=None)
        NotificationSettings.objects.update(daily_sent_on=None)
        return mail.digests_due(now=eight)

    backend = "django.core.mail.backends.locmem.EmailBackend"
    with override_settings(EMAIL_BACKEND=backend):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            messages = digests()
        median, p95 = timed(digests, 3)
    rows.append(
        f"| daily digests: {DIGEST_EVENTS} events to {messages} members (built and handed to "
        f"the mail backend) | {median:.2f} | {p95:.2f} | {len(queries)} |"
    )


def main() -> None:
    if sys.argv[1:] == ["markdown"]:  # python -m tests.bench markdown: only the worst case
        print("\n".join(bench_markdown_worst_case()))
        return
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = ["| what | median ms | p95 ms | queries |", "| --- | ---: | ---: | ---: |"]
    try:
        if sys.argv[1:] == ["notifications"]:  # python -m tests.bench notifications: alone
            bench_notifications(rows)
        else:
            bench_markdown(rows)
            bench_pages(rows)
            bench_search(rows)
            bench_notifications(rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"database: {connection.vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print("\n".join(rows))
    if sys.argv[1:] in (["pages"], ["notifications"]):  # without the worst case
        return
    print()
    print("\n".join(bench_markdown_worst_case()))


if __name__ == "__main__":
    main()

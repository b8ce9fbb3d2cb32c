"""`make bench`: rendering, page and search timings on a throwaway test database.

Runs against DATABASE_URL (SQLite when unset) in a fresh test database that is
dropped afterwards. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import os
import random
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


REC_PAPERS = 10_000
REC_REVIEWS = 20_000
REC_MEMBERS = 200
REC_TOPICS = 40


def _topic_words(rng: random.Random) -> list[tuple[list[str], list[str]]]:
    """Each topic's own English and Korean words (made up, deterministic)."""
    syllables = [chr(0xAC00 + i) for i in range(0, 11172, 7)]
    return [
        (
            [
                "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))
                for _ in range(40)
            ],
            ["".join(rng.choice(syllables) for _ in range(2)) for _ in range(25)],
        )
        for _ in range(REC_TOPICS)
    ]


def _topic_text(rng: random.Random, topic: tuple[list[str], list[str]], n: int, ko: bool) -> str:
    common = "we the model method results show training data learning network of and".split()
    particles = ["을", "를", "은", "는", "이", "가", "의", "에서", ""]
    words = []
    for _ in range(n):
        r = rng.random()
        if ko and r < 0.45:
            words.append(rng.choice(topic[1]) + rng.choice(particles))
        elif r < 0.6:
            words.append(rng.choice(common))
        else:
            words.append(rng.choice(topic[0]))
    return " ".join(words)


def bench_recommendations(rows: list[str]) -> None:
    """10,000 papers in 40 topics (English and Korean), 20,000 published reviews by 200
    members who each read two topics: the nightly recompute (text model, similar papers and
    every member's model, fitting included) and the reads of its results."""
    from django.test import Client
    from django.utils import timezone

    from recommend import compute, selectors
    from reviews.models import (
        Bookmark,
        Cohort,
        CohortMembership,
        Member,
        Paper,
        ReadingList,
        ReadingListEntry,
        Review,
    )

    rng = random.Random(15)
    topics = _topic_words(rng)
    paper_topic = [rng.randrange(REC_TOPICS) for _ in range(REC_PAPERS)]
    Paper.objects.bulk_create(
        [
            Paper(
                title=f"rec{i} " + _topic_text(rng, topics[t], 8, False),
                abstract=_topic_text(rng, topics[t], 180, rng.random() < 0.3),
            )
            for i, t in enumerate(paper_topic)
        ],
        batch_size=1000,
    )
    papers = list(
        Paper.objects.filter(title__startswith="rec").order_by("pk").values_list("pk", flat=True)
    )
    Member.objects.bulk_create(
        [Member(username=f"rec{i}", email=f"rec{i}@example.org") for i in range(REC_MEMBERS)]
    )
    members = list(Member.objects.filter(username__startswith="rec").order_by("pk"))
    by_topic: dict[int, list[int]] = {}
    for pk, t in zip(papers, paper_topic, strict=True):
        by_topic.setdefault(t, []).append(pk)
    now = timezone.now()
    reviews, taken = [], set()
    while len(reviews) < REC_REVIEWS:
        member = members[len(reviews) % REC_MEMBERS]
        t = rng.choice([member.pk % REC_TOPICS, (member.pk * 7) % REC_TOPICS])
        paper = rng.choice(by_topic[t])
        if (member.pk, paper) in taken:
            continue
        taken.add((member.pk, paper))
        ko = rng.random() < 0.5
        reviews.append(
            Review(
                paper_id=paper,
                author=member,
                status="published",
                published_at=now,
                language="ko" if ko else "en",
                tldr=_topic_text(rng, topics[t], 12, ko),
                introduction=_topic_text(rng, topics[t], 150, ko),
                core_algorithm=_topic_text(rng, topics[t], 150, ko),
                thoughts=_topic_text(rng, topics[t], 60, ko),
            )
        )
    Review.objects.bulk_create(reviews, batch_size=1000)
    Bookmark.objects.bulk_create(
        [Bookmark(member=m, paper_id=rng.choice(papers)) for m in members for _ in range(5)],
        ignore_conflicts=True,
    )
    for c in range(5):
        cohort = Cohort.objects.create(name=f"Rec cohort {c}", slug=f"rec-cohort-{c}")
        CohortMembership.objects.bulk_create(
            [CohortMembership(cohort=cohort, member=m) for m in members[c::5]]
        )
        reading_list = ReadingList.objects.create(cohort=cohort, title=f"Rec {c}", slug=f"rec-{c}")
        ReadingListEntry.objects.bulk_create(
            [
                ReadingListEntry(reading_list=reading_list, number=n + 1, paper_id=pk)
                for n, pk in enumerate(rng.sample(papers, 300))
            ]
        )

    start = time.perf_counter()
    steps = compute.vectors_rebuild()
    total = time.perf_counter() - start
    detail = ", ".join(
        f"{name} {steps[name]:.1f} s"
        for name in ("read texts", "weigh", "similar", "store", "members")
    )
    rows.append(
        f"| recommendations: recompute everything for {int(steps['papers']):,} papers and "
        f"{int(steps['member count'])} members, fitting included ({detail}) "
        f"| {total * 1000:.0f} | {total * 1000:.0f} | |"
    )
    member = members[0]
    median, p95 = timed(lambda: compute.recommendations_refresh(member_id=member.pk), 3)
    rows.append(f"| recommendations: refit one member | {median:.0f} | {p95:.0f} | |")
    changed = Paper.objects.get(pk=papers[0])

    def refresh_paper() -> None:
        changed.abstract += " " + _topic_text(rng, topics[paper_topic[0]], 20, False)
        changed.save(update_fields=["abstract"])
        compute.paper_refresh(paper_id=changed.pk)

    median, p95 = timed(refresh_paper, 3)
    rows.append(f"| similar papers: re-weigh one changed paper | {median:.0f} | {p95:.0f} | |")

    def read() -> object:
        found = selectors.for_you(member)
        return [r.paper.title for r in found.from_group + found.from_lists]

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        read()
    median, p95 = timed(read, PAGE_REPEATS)
    rows.append(
        f"| recommendations: read a member's (selectors.for_you) | {median:.2f} | {p95:.2f} "
        f"| {len(queries)} |"
    )
    client = Client()
    client.force_login(member)
    for name, url in (
        ("page: /for-you/", "/for-you/"),
        ("page: a paper with similar papers and who can help", f"/papers/{papers[1]}/"),
    ):
        connection.queries_log.clear()  # a full log makes the capture read zero
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        median, p95 = timed(lambda url=url: client.get(url), PAGE_REPEATS)
        rows.append(f"| {name} | {median:.2f} | {p95:.2f} | {len(queries)} |")
        if os.environ.get("BENCH_QUERIES"):
            for query in queries.captured_queries:
                print(query["time"], query["sql"][:300], file=sys.stderr)


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
        elif sys.argv[1:] == ["recommendations"]:  # python -m tests.bench recommendations
            bench_recommendations(rows)
        else:
            bench_markdown(rows)
            bench_pages(rows)
            bench_search(rows)
            bench_notifications(rows)
            bench_recommendations(rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"database: {connection.vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print("\n".join(rows))
    if sys.argv[1:] in (
        ["pages"],
        ["notifications"],
        ["recommendations"],
    ):  # without the worst case
        return
    print()
    print("\n".join(bench_markdown_worst_case()))


if __name__ == "__main__":
    main()

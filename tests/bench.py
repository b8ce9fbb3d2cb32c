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
    from reviews.markdown import MAX_SOURCE_BYTES, render_markdown

    review = next(r for r in demo_data.REVIEWS if r["arxiv_id"] == "1803.05407")
    text = "\n\n".join(review[k] for k in ("introduction", "core_algorithm", "results"))
    size = len(text.encode())
    median, p95 = timed(lambda: render_markdown(text), 50)
    rows.append(
        f"| render_markdown, SWA review ({size / 1024:.1f} KB) | {median:.2f} | {p95:.2f} | |"
    )
    # Inputs on which Python-Markdown alone is quadratic; the guards in reviews.markdown keep
    # them near-linear. 100 KB is the largest section a form accepts.
    hostile = {
        "100 KB of a⏎-⏎ (setext)": "a\n-\n",
        "100 KB of ---⏎ (rules)": "---\n",
        "100 KB of [ (brackets)": "[",
        "100 KB of <![CDATA[": "<![CDATA[ ",
        "100 KB of # x⏎ (headings)": "# x\n",
    }
    for label, unit in hostile.items():
        text = (unit * (MAX_SOURCE_BYTES // len(unit) + 1))[:MAX_SOURCE_BYTES]
        median, p95 = timed(lambda text=text: render_markdown(text), 3)
        rows.append(f"| render_markdown, {label} | {median:.0f} | {p95:.0f} | |")


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
    from reviews.services import normalize_search_text

    rl = ReadingList.objects.get()
    words = ["확률적", "가중치", "평균", "optimization", "transformer", "메타", "학습", "pruning"]
    papers = [
        Paper(
            title=f"Synthetic paper {i}",
            authors=[f"Author {i}"],
            search_text=normalize_search_text(
                f"synthetic paper {i} " + " ".join(words[(i + j) % len(words)] for j in range(40))
            ),
        )
        for i in range(SEARCH_PAPERS)
    ]
    Paper.objects.bulk_create(papers, batch_size=1000)
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


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = ["| what | median ms | p95 ms | queries |", "| --- | ---: | ---: | ---: |"]
    try:
        bench_markdown(rows)
        bench_pages(rows)
        bench_search(rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    print(f"database: {connection.vendor}, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

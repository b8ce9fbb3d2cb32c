"""The bare baseline of `make bench-scale`: the same rows in the same JSON, with nothing else.

A plain WSGI app on psycopg, no Django, served by gunicorn with the same settings as the app
(2 sync workers), one connection per worker kept open. It answers, for anonymous clients,

- ``/api/reviews/?page_size=N&page=P``: published reviews, newest first, as the API's
  ``ReviewSerializer`` writes them inside its page envelope (``count``, ``next``,
  ``previous``, ``results``);
- ``/api/papers/?search=WORDS&page_size=N&page=P``: the papers the app's search finds, in
  its order, as ``PaperSerializer`` writes them. With the search app's index
  (``search_document``) that is its paper rows whose ``paper_words`` hold every word as a
  prefix (``to_tsquery('english', 'word':* & …)``), in the app's tiers (what names the paper
  holds the words, or only its abstract or reviews do), most reviewed first within a tier;
  the words are taken as typed (the bench's carry no Korean particle to strip). Without the
  index, the older ``reviews_paper.search_text LIKE '%word%'`` by title.

Each is one page query (the papers' tags in it, as the app's), and one ``count(*)`` unless a
first page has room to spare (the app's paginator skips it then too), reading only the
columns the JSON shows. Dates are ISO 8601 in TIME_ZONE, as Django REST framework writes them;
the JSON is written by orjson where it is installed (as the app's is), else by the json module.

    DATABASE_URL=postgres://… gunicorn tests.bench_bare:app --workers 2
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

import psycopg

try:  # the app's JSON library, where it has one
    from orjson import dumps
except ImportError:

    def dumps(data: Any) -> bytes:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


TZ = ZoneInfo(os.environ.get("TIME_ZONE") or "Asia/Seoul")
MAX_PAGE_SIZE = 100
MAX_TERMS, MAX_TERM_LENGTH = 8, 100
SECTIONS = ("introduction", "core_algorithm", "results", "thoughts")

_connection: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        # Planned per query, as Django's psycopg backend does (client-side binding, nothing
        # prepared): a statement psycopg prepares after 5 runs keeps PostgreSQL's generic plan,
        # which after a common word's searches took 9.6 ms for a rare word instead of 1.2 ms.
        _connection = psycopg.connect(
            os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None
        )
    return _connection


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(TZ).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def member_name(display_name: str, first: str, last: str, username: str) -> str:
    return display_name or f"{first} {last}".strip() or username


class Page:
    """``page`` and ``page_size`` from the query, and the envelope around the results."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        self.size = min(int(self.query.get("page_size", ["20"])[0]), MAX_PAGE_SIZE)
        self.number = int(self.query.get("page", ["1"])[0])
        scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ["wsgi.url_scheme"]
        self.base = f"{scheme}://{environ['HTTP_HOST']}{environ['PATH_INFO']}"

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def url(self, number: int) -> str:
        query = {k: v for k, v in self.query.items() if k != "page"}
        if number > 1:
            query["page"] = [str(number)]
        return f"{self.base}?{urlencode(sorted(query.items()), doseq=True)}"

    def envelope(self, count: int, results: list[dict[str, Any]]) -> dict[str, Any]:
        last = max(1, -(-count // self.size))
        return {
            "count": count,
            "next": self.url(self.number + 1) if self.number < last else None,
            "previous": self.url(self.number - 1) if self.number > 1 else None,
            "results": results,
        }


REVIEW_COLUMNS = (
    "r.id, r.paper_id, p.title, m.id, m.username, m.display_name, m.first_name, m.last_name, "
    "r.tldr, r.language, r.status, "
    + ", ".join(f"r.{s}" for s in SECTIONS)
    + ", "
    + ", ".join(f"r.{s}_html" for s in SECTIONS)
    + ", r.version, r.created_at, r.updated_at, r.published_at"
)


def reviews(environ: dict[str, Any]) -> dict[str, Any]:
    page = Page(environ)
    db = connection()
    count = db.execute("SELECT count(*) FROM reviews_review WHERE status = 'published'")
    total = count.fetchone()[0]
    rows = db.execute(
        f"""
        SELECT {REVIEW_COLUMNS}
        FROM reviews_review r
        JOIN reviews_paper p ON p.id = r.paper_id
        JOIN reviews_member m ON m.id = r.author_id
        WHERE r.status = 'published'
        ORDER BY r.published_at DESC, r.id DESC
        LIMIT %s OFFSET %s
        """,
        [page.size, page.offset],
    ).fetchall()
    results = []
    for row in rows:
        (rid, paper, title, mid, username, display, first, last, tldr, language, status) = row[:11]
        texts, html = row[11:15], row[15:19]
        version, created, updated, published = row[19:]
        results.append(
            {
                "id": rid,
                "paper": paper,
                "paper_title": title,
                "author": {
                    "id": mid,
                    "username": username,
                    "name": member_name(display, first, last, username),
                },
                "tldr": tldr,
                "language": language,
                "status": status,
                **dict(zip(SECTIONS, texts, strict=True)),
                **{f"{s}_html": h for s, h in zip(SECTIONS, html, strict=True)},
                "version": version,
                "created_at": iso(created),
                "updated_at": iso(updated),
                "published_at": iso(published),
            }
        )
    return page.envelope(total, results)


def search_terms(query: str) -> list[str]:
    terms = unicodedata.normalize("NFKC", query.replace("\x00", " ")).lower().split()
    return [t[:MAX_TERM_LENGTH] for t in terms[:MAX_TERMS]]


def like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def tsquery(terms: list[str]) -> str:
    return " & ".join("'" + re.sub(r"(['\\])", r"\\\1", t) + "':*" for t in terms)


_indexed: bool | None = None


def indexed(db: psycopg.Connection) -> bool:
    """Whether the search app's index is there (else the papers' own search_text)."""
    global _indexed
    if _indexed is None:
        _indexed = db.execute("SELECT to_regclass('search_document')").fetchone()[0] is not None
    return _indexed


# Tags in the page query itself, as the app asks for them on PostgreSQL.
PAPER_COLUMNS = """p.id, p.title, p.authors, p.year, p.venue, p.arxiv_id, p.doi, p.url,
    p.pdf_url, p.code_url, p.project_url, p.abstract, m.username, p.created_at,
    ARRAY(SELECT t.slug FROM reviews_paper_tags pt JOIN reviews_tag t ON t.id = pt.tag_id
          WHERE pt.paper_id = p.id ORDER BY t.slug)"""


def counted(page: Page, rows: list[Any], count: Callable[[], int]) -> int:
    """The page's rows are all there is when a first page has room to spare (as the app's
    paginator knows); otherwise one count."""
    if page.offset == 0 and len(rows) < page.size:
        return len(rows)
    return count()


def papers(environ: dict[str, Any]) -> dict[str, Any]:
    page = Page(environ)
    terms = search_terms(page.query.get("search", [""])[0])
    db = connection()
    if terms and indexed(db):
        query = tsquery(terms)
        # As the app asks it: only a paper's own document has paper_words.
        match = (
            "FROM reviews_paper p JOIN search_document d ON d.paper_id = p.id "
            "WHERE d.paper_words @@ to_tsquery('english', %s)"
        )
        rows = db.execute(
            f"""
            SELECT {PAPER_COLUMNS}
            {match.replace("WHERE", "LEFT JOIN reviews_member m ON m.id = p.added_by_id WHERE")}
            ORDER BY CASE
                WHEN d.paper_id IN (SELECT paper_id FROM search_document WHERE kind = 'paper'
                              AND to_tsvector('english'::regconfig, title)
                                  @@ to_tsquery('english', %s)) THEN 1
                ELSE 0 END DESC,
              d.weight DESC, d.paper_id
            LIMIT %s OFFSET %s
            """,
            [query, query, page.size, page.offset],
        ).fetchall()
        total = counted(
            page, rows, lambda: db.execute(f"SELECT count(*) {match}", [query]).fetchone()[0]
        )
    else:
        where = " AND ".join(["p.search_text LIKE %s"] * len(terms)) or "TRUE"
        params = [like(t) for t in terms]
        rows = db.execute(
            f"""
            SELECT {PAPER_COLUMNS}
            FROM reviews_paper p LEFT JOIN reviews_member m ON m.id = p.added_by_id
            WHERE {where}
            ORDER BY p.title, p.id
            LIMIT %s OFFSET %s
            """,
            [*params, page.size, page.offset],
        ).fetchall()
        total = counted(
            page,
            rows,
            lambda: db.execute(
                f"SELECT count(*) FROM reviews_paper p WHERE {where}", params
            ).fetchone()[0],
        )
    keys = (
        "id", "title", "authors", "year", "venue", "arxiv_id", "doi", "url", "pdf_url",
        "code_url", "project_url", "abstract",
    )  # fmt: skip
    results = [
        {
            **dict(zip(keys, row[:12], strict=True)),
            "tags": row[14],
            "added_by": row[12],
            "created_at": iso(row[13]),
        }
        for row in rows
    ]
    return page.envelope(total, results)


ROUTES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "/api/reviews/": reviews,
    "/api/papers/": papers,
}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/health":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    view = ROUTES.get(path)
    if view is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    body = dumps(view(environ))
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]

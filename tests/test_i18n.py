"""The UI in English and Korean: how the language is chosen, and the committed catalog."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import services_required
from tests.factories import make_review

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
KO_PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / "django.po"
KO_MO = LOCALE_DIR / "ko" / "LC_MESSAGES" / "django.mo"

KO_SECTIONS = ["소개", "핵심 알고리즘", "결과", "소감"]
EN_SECTIONS = ["Introduction", "Core algorithm", "Results", "My thoughts"]


# --- a small PO reader: enough for the files makemessages writes ---------------------------


@dataclass
class PoEntry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[PoEntry]:
    """Entries of a PO file, header included (the entry whose msgid is "")."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and current.msgstr:
            entries.append(current)
        current, target = None, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            if current is None:
                current = PoEntry()
            current.obsolete = True
            continue
        if line.startswith("#,"):
            if current is not None and current.msgstr:
                finish()
            current = current or PoEntry()
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"stray line in {path}: {raw}"
            kind, index = target
            value = _unquote(line)
            if kind == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, kind, getattr(current, kind) + value)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
            finish()
        current = current or PoEntry()
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            assert keyword in ("msgctxt", "msgid", "msgid_plural"), f"unknown line: {raw}"
            setattr(current, keyword, _unquote(rest))
            target = (keyword, 0)
    finish()
    return [entry for entry in entries if not entry.obsolete]


def po_messages(path: Path) -> dict[tuple[str | None, str], PoEntry]:
    return {entry.key: entry for entry in parse_po(path) if entry.msgid}


def po_header(path: Path) -> dict[str, str]:
    header = next(entry for entry in parse_po(path) if entry.msgid == "")
    pairs = (line.partition(":") for line in header.msgstr[0].splitlines() if line)
    return {name.strip(): value.strip() for name, _, value in pairs}


# --- choosing the language --------------------------------------------------------------


def test_start_page_is_english_by_default(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reading lists" in html
    assert "읽기 목록" not in html
    assert '<html lang="en">' in html


def assert_korean(response) -> None:
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "읽기 목록" in html
    assert "Reading lists" not in html
    assert response.headers["Content-Language"] == "ko"


def test_language_cookie_gives_korean(client: Client, db: None) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    assert_korean(client.get("/"))


def test_language_switch_sets_cookie_and_korean(client: Client, db: None) -> None:
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert_korean(client.get("/"))

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Reading lists" in client.get("/").content.decode()


def test_accept_language_gives_korean(client: Client, db: None) -> None:
    assert_korean(client.get("/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5"))


def test_member_preference_gives_korean_without_cookie(client: Client, member) -> None:
    member.preferred_language = "ko"
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    response = client.get("/")
    assert_korean(response)
    assert "로그아웃" in response.content.decode()


def test_switch_cookie_wins_over_member_preference(client: Client, member) -> None:
    member.preferred_language = "ko"
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Reading lists" in html
    assert "Sign out" in html


def test_english_member_preference_beats_accept_language(client: Client, member) -> None:
    client.force_login(member)  # preferred_language is "en" by default
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<html lang="en">' in html
    assert "Reading lists" in html


def test_review_sections_in_korean(client: Client, author) -> None:
    review = make_review(author=author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    response = client.get(review.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for heading in KO_SECTIONS:
        assert f"<h2>{heading}</h2>" in html
    for heading in EN_SECTIONS:
        assert f"<h2>{heading}</h2>" not in html
    assert "댓글" in html


def test_review_sections_in_english(client: Client, author) -> None:
    review = make_review(author=author)
    html = client.get(review.get_absolute_url()).content.decode()
    for heading in EN_SECTIONS:
        assert f"<h2>{heading}</h2>" in html


# --- the committed catalog -----------------------------------------------------------------


def test_po_header_has_korean_plural_forms() -> None:
    header = po_header(KO_PO)
    assert header["Language"] == "ko"
    assert header["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"


def test_every_message_is_translated() -> None:
    messages = po_messages(KO_PO)
    assert len(messages) > 100
    untranslated = [key for key, entry in messages.items() if not all(entry.msgstr.values())]
    fuzzy = [key for key, entry in messages.items() if "fuzzy" in entry.flags]
    assert untranslated == []
    assert fuzzy == []
    for entry in messages.values():
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0], f"Korean has one plural form: {entry.msgid}"


def test_placeholders_are_kept() -> None:
    placeholder = re.compile(r"%\([a-z_]+\)[sd]|\{\{\s*\w+\s*\}\}")
    for entry in po_messages(KO_PO).values():
        expected = sorted(placeholder.findall(entry.msgid))
        for text in entry.msgstr.values():
            assert sorted(placeholder.findall(text)) == expected, entry.msgid


def test_review_section_names() -> None:
    messages = po_messages(KO_PO)
    for english, korean in zip(EN_SECTIONS, KO_SECTIONS, strict=True):
        assert messages[(None, english)].msgstr[0] == korean


def test_compiled_catalog_matches_po() -> None:
    """A .mo compiled from an older .po (or not compiled at all) fails here."""
    messages = po_messages(KO_PO)
    with KO_MO.open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)
    assert catalog.info().get("plural-forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    for (context, msgid), entry in messages.items():
        if entry.msgid_plural is None:
            if context is None:
                got = catalog.gettext(msgid)
            else:
                got = catalog.pgettext(context, msgid)
            assert got == entry.msgstr[0], msgid
        else:
            for n in (1, 2, 5):
                if context is None:
                    got = catalog.ngettext(msgid, entry.msgid_plural, n)
                else:
                    got = catalog.npgettext(context, msgid, entry.msgid_plural, n)
                assert got == entry.msgstr[0], msgid
    # Nothing in the .mo that the .po no longer has.
    compiled = {key if isinstance(key, str) else key[0] for key in catalog._catalog}
    expected = {msgid if ctx is None else f"{ctx}\x04{msgid}" for ctx, msgid in messages}
    assert compiled - {""} == expected


@pytest.mark.skipif(
    not shutil.which("msgfmt") and not services_required(),
    reason="GNU gettext (msgfmt) is not installed",
)
def test_po_passes_msgfmt_check(tmp_path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(KO_PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")) and not services_required(),
    reason="GNU gettext (xgettext, msgmerge) is not installed",
)
def test_makemessages_finds_nothing_new(tmp_path: Path) -> None:
    """Run makemessages on a copy of the project: the catalog must come out the same."""
    base = Path(settings.BASE_DIR)
    skip_top = {".venv", "var", "tests", ".git", ".pytest_cache", ".ruff_cache", "test-results"}

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
        if Path(directory) == base:
            skipped |= skip_top & set(names)
        return skipped

    project = tmp_path / "project"
    shutil.copytree(base, project, ignore=ignore, symlinks=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "ko", "--no-obsolete"]
        + ["--ignore", ".venv/*", "--ignore", "var/*", "--ignore", "tests/*"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    before = po_messages(KO_PO)
    after = po_messages(project / "locale" / "ko" / "LC_MESSAGES" / "django.po")
    hint = "run makemessages --no-obsolete, translate, then compilemessages"
    assert sorted(after.keys() - before.keys(), key=str) == [], hint
    assert sorted(before.keys() - after.keys(), key=str) == [], hint
    for key, entry in after.items():
        assert "fuzzy" not in entry.flags, key
        assert entry.msgstr == before[key].msgstr, key

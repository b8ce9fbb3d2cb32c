"""export_group / import_group: the whole group round-trips through one JSON archive."""

from __future__ import annotations

import base64
import json
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from meetings.models import Assignment, Attendance, Session
from meetings.services.coursework import comment_mark_question, comment_resolve
from reviews import services
from reviews.enums import RunStatus, RunVerdict
from reviews.exports.archive import ARCHIVE_FORMAT, archive_json, group_export
from reviews.importers.blog import parse_feed
from reviews.models import (
    Bookmark,
    Comment,
    ExperimentRun,
    ImportedPost,
    Member,
    Paper,
    ReadingListEntry,
    Review,
    ReviewRevision,
    ReviewWorkingCopy,
    Tag,
)
from reviews.services.blog_import import feed_import, feed_preview
from reviews.services.images import review_image_store
from tests.factories import MemberFactory, PaperFactory, make_comment, make_review, paper_found_by
from tests.test_review_images import PNG

FIGURE = '<svg xmlns="http://www.w3.org/2000/svg"><text>정확도 $x^2$ &amp; loss</text></svg>'


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def add_run(review: Review, by: Member, *, status: str = RunStatus.SUCCEEDED, **extra: Any):
    run = ExperimentRun.objects.create(
        review=review,
        requested_by=by,
        experiment="grokking",
        preset="tiny",
        config={"lr": 0.001, "weight_decay": 1.0, "seed": 7},
        status=status,
        progress=1.0 if status == RunStatus.SUCCEEDED else 0.0,
        series={"val_acc": {"x": [1.0, 10.0, 1e-05], "y": [[0.1, 0.2], [0.99, 1.0], [0.5, 0.5]]}},
        summary={"final_val_acc": 0.995, "note": "일반화"},
        verdict=RunVerdict.REPRODUCED if status == RunStatus.SUCCEEDED else "",
        verdict_reason="Validation accuracy jumps long after training accuracy: 100%.",
        seeds=[0, 1],
        steps=1000,
        time_limit_s=600,
        **extra,
    )
    if status == RunStatus.SUCCEEDED:
        run.figure = default_storage.save(f"runs/run-{run.pk}.svg", ContentFile(FIGURE.encode()))
        run.save(update_fields=["figure"])
    return run


def populate() -> None:
    """The demo group plus what loaddemo lacks: runs, revisions, threads, Korean and math."""
    call_command("loaddemo", stdout=StringIO())
    minji = Member.objects.get(username="minji")
    organizer = Member.objects.get(username="organizer")
    Member.objects.filter(username="minji").update(run_limit=3, first_name="민지")
    review = Review.objects.filter(author=minji, status="published").first()
    image_url = review_image_store(member=minji, folder=str(review.paper_id), data=PNG)
    services.review_save(
        review=review,
        by=minji,
        content=services.ReviewContent(
            tldr="두 번째 판: $\\lambda$ 조정",
            language="ko",
            introduction="소개: 수식 $e^{i\\pi} + 1 = 0$ 과 코드 `x = 1`.",
            core_algorithm="$$\n\\nabla_\\theta L\n$$",
            results=f"| a | b |\n| - | - |\n| 1 | 2 |\n\n![곡선]({image_url})",
            thoughts='좋다 "quoted": yes',
        ),
        expected_version=review.version,
    )
    review.refresh_from_db()
    services.review_working_copy_save(
        review=review,
        by=minji,
        content=services.ReviewContent(
            language="ko", tldr="고치는 중", introduction="다음 판 $\\alpha$"
        ),
        expected_version=review.version,
    )
    ImportedPost.objects.create(
        member=minji,
        title="[논문 리뷰] 모르는 논문",
        source_url="https://velog.io/@minji/unknown",
        source_guid="unknown-1",
        language="ko",
        sections={"introduction": "소개 $x$"},
        tags=["기타"],
        reason="No paper matched.",
    )
    root = make_comment(review=review, author=organizer, body="질문: $p < 0.05$?")
    make_comment(review=review, author=minji, body="답: **네**.", parent=root, section="results")
    # A question for the session, answered; an edited comment keeps its earlier text.
    comment_mark_question(comment=root, by=organizer, question=True)
    comment_resolve(comment=root, by=organizer)
    services.comment_update(comment=root, by=organizer, body="질문: $p < 0.01$?")
    Member.objects.filter(username="alex").update(time_zone="Europe/Berlin")
    add_run(review, minji)
    add_run(review, organizer, status=RunStatus.FAILED, error="CUDA out of memory")
    paper = PaperFactory(
        title='한국어 제목: "따옴표" & 50% {braces}',
        arxiv_id="",
        doi="10.1000/xyz-1",
        authors=["김민지", "Lee, Jun"],
    )
    services.paper_save(paper=paper, tag_names=["최적화", "math"])
    twin = PaperFactory(title=paper.title, arxiv_id="", doi="")  # same title, no natural key
    Bookmark.objects.create(member=minji, paper=paper)
    make_review(paper=twin, author=organizer, published=False, language="en")
    # A blog moved in: drafts with their source; an older import's paper without authors.
    PaperFactory(title="Attention Is All You Need", arxiv_id="", authors=[])
    feed = (Path(__file__).parent / "data" / "feeds" / "velog.xml").read_bytes()
    plans = feed_preview(items=parse_feed(feed), member=minji)
    report = feed_import(plans=plans, member=minji)
    assert report.reviews and any(not o.paper.authors for o in report.reviews)


def export_text(tmp_path: Path, name: str) -> bytes:
    path = tmp_path / name
    call_command("export_group", str(path), stdout=StringIO())
    return path.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_archive_round_trip_is_byte_identical(tmp_path: Path) -> None:
    # On the embedded SQLite too; CI runs the whole suite on PostgreSQL (tests/conftest.py).
    populate()
    first = export_text(tmp_path, "first.json")
    call_command("flush", interactive=False, stdout=StringIO())
    out = StringIO()
    call_command("import_group", str(tmp_path / "first.json"), stdout=out)
    second = export_text(tmp_path, "second.json")

    assert second == first
    assert "Imported" in out.getvalue() and "changepassword" in out.getvalue()
    data = json.loads(first)
    assert data["format"] == ARCHIVE_FORMAT and data["version"] == 1
    run = ExperimentRun.objects.get(status=RunStatus.SUCCEEDED)
    with run.figure.open("rb") as stored:
        assert stored.read().decode() == FIGURE
    # The review's image moved under its name: the address in the text still serves it.
    (image,) = data["review_images"]
    review = Review.objects.get(results__contains=image["name"])
    assert Client().get(f"/images/{image['name']}").content == PNG
    assert f'src="/images/{image["name"]}"' in review.results_html


@pytest.mark.django_db(transaction=True)
def test_imported_group_has_rendered_html_search_and_no_passwords(tmp_path: Path) -> None:
    populate()
    path = tmp_path / "group.json"
    call_command("export_group", str(path), stdout=StringIO())
    call_command("flush", interactive=False, stdout=StringIO())
    call_command("import_group", str(path), stdout=StringIO())

    minji = Member.objects.get(username="minji")
    assert not minji.has_usable_password()
    assert minji.run_limit == 3
    assert Member.objects.get(username="organizer").is_staff
    review = Review.objects.filter(author=minji, language="ko", revisions__number=2).get()
    assert "<math" in review.introduction_html
    assert "$e^{i\\pi} + 1 = 0$" in review.introduction
    assert ReviewRevision.objects.filter(review=review).count() == 2
    reply = Comment.objects.get(body="답: **네**.")
    assert reply.parent.body == "질문: $p < 0.01$?"
    question = reply.parent
    assert question.is_question and question.resolved_at and question.edited_at
    assert list(question.revisions.values_list("body", flat=True)) == ["질문: $p < 0.05$?"]
    # Revisions read rendered, as they were published.
    assert all("<math" in v.introduction_html for v in review.revisions.filter(number=2))
    assert Member.objects.get(username="alex").time_zone == "Europe/Berlin"
    # The author's unpublished changes and the posts waiting in the inbox came along.
    assert ReviewWorkingCopy.objects.get(review=review).introduction == "다음 판 $\\alpha$"
    assert ImportedPost.objects.get(source_guid="unknown-1").sections == {
        "introduction": "소개 $x$"
    }
    # The season came along: sessions with their papers, presenters and attendance.
    held = Session.objects.filter(status="held").prefetch_related("presenters", "entries")
    assert held.exists() and all(s.presenters.exists() and s.entries.exists() for s in held)
    assert Attendance.objects.filter(attended=True).exists()
    assert Assignment.objects.exists()
    assert "<" in Session.objects.exclude(agenda="").first().agenda_html
    assert "<strong>네</strong>" in reply.body_html
    assert paper_found_by(review.paper, "두 번째")
    korean = Paper.objects.get(doi="10.1000/xyz-1")
    assert set(korean.tags.values_list("name", flat=True)) == {"최적화", "math"}
    assert ReadingListEntry.objects.count() == 14
    assert Tag.objects.filter(slug="최적화").exists()


def test_archive_leaves_out_passwords_tokens_and_active_runs(db: None) -> None:
    member = MemberFactory(username="solo")
    review = make_review(author=member)
    add_run(review, member, status=RunStatus.QUEUED)
    result = group_export()
    text = archive_json(result.data)
    assert "password" not in text
    assert member.password not in text
    assert result.data["reviews"][0]["runs"] == []
    assert result.active_runs_left_out == 1


def test_export_group_reports_counts_and_left_out_runs(db: None, tmp_path: Path) -> None:
    member = MemberFactory(username="solo")
    add_run(make_review(author=member), member, status=RunStatus.RUNNING)
    out = StringIO()
    call_command("export_group", str(tmp_path / "a.json"), stdout=out)
    assert "Exported 1 members" in out.getvalue()
    assert "Left out 1 queued or running" in out.getvalue()


def test_export_group_to_unwritable_path_fails_cleanly(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_group", str(tmp_path / "missing" / "a.json"), stdout=StringIO())


def test_import_group_refuses_non_empty_database(db: None, tmp_path: Path) -> None:
    make_review(author=MemberFactory(username="solo"))
    path = tmp_path / "a.json"
    call_command("export_group", str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="already has data"):
        call_command("import_group", str(path), stdout=StringIO())
    assert Member.objects.count() == 1


def archive(**sections: Any) -> dict[str, Any]:
    return {"format": ARCHIVE_FORMAT, "version": 1, **sections}


def member_row(username: str, **extra: Any) -> dict[str, Any]:
    return {
        "username": username,
        "first_name": "",
        "last_name": "",
        "display_name": "",
        "email": f"{username}@example.org",
        "bio": "",
        "preferred_language": "ko",
        "is_staff": False,
        "is_superuser": False,
        "is_active": True,
        "run_limit": None,
        "date_joined": "2024-03-01T01:02:03+00:00",
        **extra,
    }


def run_import(tmp_path: Path, data: Any) -> tuple[str, str]:
    path = tmp_path / "in.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_group", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_group_bad_records_save_nothing_with_a_message_each(
    db: None, tmp_path: Path
) -> None:
    paper = {
        "key": "paper-1",
        "title": "Fine",
        "authors": ["A"],
        "year": 1800,
        "venue": "",
        "arxiv_id": "not-an-id",
        "doi": "",
        "url": "",
        "pdf_url": "",
        "code_url": "",
        "project_url": "",
        "abstract": "",
        "tags": [],
        "added_by": None,
        "created_at": "2024-03-01T01:02:03+00:00",
    }
    data = archive(
        members=[member_row("good"), member_row("bad name!"), member_row("good"), "junk"],
        papers=[paper],
    )
    err = StringIO()
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=r"Nothing was imported: 3 problem"):
        call_command("import_group", str(path), stdout=StringIO(), stderr=err)
    messages = err.getvalue()
    assert "members[3]: not an object" in messages
    assert "members[1] bad name!: username:" in messages
    assert "members[2] good: this username appears twice" in messages
    assert Member.objects.count() == 0


def test_import_group_bad_review_images_are_reported(db: None, tmp_path: Path) -> None:
    good = "1/import/" + "A" * 22
    data = archive(
        review_images=[
            {"name": "../../etc/passwd", "base64": ""},
            {"name": f"{good}.png", "base64": "not base64!"},
            {"name": f"{good}.gif", "base64": base64.b64encode(PNG).decode()},
        ]
    )
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match=r"Nothing was imported: 3 problem"):
        call_command("import_group", str(path), stdout=StringIO(), stderr=err)
    messages = err.getvalue()
    assert "review_images[0] ../../etc/passwd: not the name of a review image" in messages
    assert f"review_images[1] {good}.png: its bytes are not base64" in messages
    assert f"review_images[2] {good}.gif: not a gif image of at most 5 MB" in messages
    assert default_storage.listdir("review-images") == ([], [])


def test_import_group_unknown_reference_is_reported(db: None, tmp_path: Path) -> None:
    data = archive(
        members=[member_row("a")],
        bookmarks=[{"member": "ghost", "paper": "paper-9", "created_at": None}],
    )
    err = StringIO()
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_group", str(path), stdout=StringIO(), stderr=err)
    assert "bookmarks[0]: missing or unknown “ghost”" in err.getvalue()
    assert Member.objects.count() == 0


def test_import_group_app_section_not_a_list_is_said_once(db: None, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(archive(sessions={"week": 1}, assignments=["junk"])), "utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match=r"Nothing was imported: 2 problem"):
        call_command("import_group", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue().count("“sessions” in the archive must be a list") == 1
    assert err.getvalue().count("assignments[0]: not an object") == 1


def test_import_group_bad_sessions_are_reported(db: None, tmp_path: Path) -> None:
    session = {
        "cohort": "nowhere",
        "number": 1,
        "title": "",
        "time_zone": "Asia/Seoul",
        "place": "",
        "video_url": "",
        "agenda": "",
        "notes": "",
        "status": "planned",
        "sequence": 0,
        "uid": "b318b269-a9ba-4c2e-bbba-5046bc28a82e",
        "starts_at": "2026-10-29T10:30:00+00:00",
        "ends_at": "2026-10-29T12:30:00+00:00",
        "entries": [],
        "presenters": [],
        "attendance": [],
        "created_at": "2026-10-01T00:00:00+00:00",
        "updated_at": "2026-10-01T00:00:00+00:00",
    }
    backwards = {**session, "cohort": "c", "ends_at": "2026-10-29T09:00:00+00:00"}
    # Checked as the planning page checks it: a section's Markdown limit.
    huge = {**session, "cohort": "c", "number": 2, "uid": str(uuid.uuid4()), "agenda": "가" * 40000}
    cohort = {"slug": "c", "name": "C", "description": "", "created_at": None, "memberships": []}
    data = archive(members=[member_row("a")], cohorts=[cohort], sessions=[session, backwards, huge])
    err = StringIO()
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=r"Nothing was imported: 3 problem"):
        call_command("import_group", str(path), stdout=StringIO(), stderr=err)
    assert "sessions[0] nowhere 1: missing or unknown “nowhere”" in err.getvalue()
    assert "sessions[2] c 2: agenda:" in err.getvalue()
    assert "sessions[1] c 1: it must end after it starts" in err.getvalue()
    assert Member.objects.count() == 0 and not Session.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not JSON"),
        ('{"format": "other"}', "not a StudyGroup archive"),
        (json.dumps({"format": ARCHIVE_FORMAT, "version": 99}), "format version 99"),
        (json.dumps(archive(members={})), "“members” in the archive must be a list"),
        (json.dumps(archive()), "holds no data"),
    ],
)
def test_import_group_refuses_other_files(
    db: None, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run_import(tmp_path, text)


def test_import_group_missing_file(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_group", str(tmp_path / "nope.json"), stdout=StringIO())


def test_import_group_commands_exit_codes(db: None, tmp_path: Path) -> None:
    """From the shell a refusal is exit status 1 with the message on stderr."""
    path = tmp_path / "bad.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "import_group", str(path)]).execute()
    assert exit_info.value.code == 1


def test_import_group_malformed_nested_rows_are_messages_not_crashes(
    db: None, tmp_path: Path
) -> None:
    cohort = {
        "slug": "s6",
        "name": "Season 6",
        "description": "",
        "created_at": "2024-03-01T01:02:03",  # no offset
        "memberships": ["junk", {"member": "a", "role": "boss", "joined": "2024-03-01"}],
    }
    good = {**cohort, "slug": "s7", "created_at": "2024-03-01T01:02:03+09:00"}
    data = archive(members=[member_row("a")], cohorts=[cohort, good])
    err = StringIO()
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_group", str(path), stdout=StringIO(), stderr=err)
    messages = err.getvalue()
    assert "cohorts[0] s6: “2024-03-01T01:02:03” has no time zone offset" in messages
    assert "cohorts s7 memberships: string indices must be integers" in messages
    assert "cohorts s7 memberships: role: Value 'boss' is not a valid choice." in messages
    assert Member.objects.count() == 0

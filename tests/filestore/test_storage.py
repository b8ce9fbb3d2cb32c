"""DatabaseStorage, the default storage: files as rows, shared by web servers and workers."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filestore.models import StoredFile
from filestore.storage import DatabaseStorage
from reviews.enums import RunStatus
from reviews.models import ExperimentRun, Member
from reviews.services import runs
from tests.factories import make_review

pytestmark = pytest.mark.django_db

EVERY_BYTE = bytes(range(256)) * 4
KOREAN = "runs/실험 그림 1.svg"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Factories set a password for every member; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def storage() -> DatabaseStorage:
    return DatabaseStorage()


def read(storage: DatabaseStorage, name: str) -> bytes:
    with storage.open(name, "rb") as stored:
        return stored.read()


def test_storage_is_the_default() -> None:
    assert isinstance(storages["default"], DatabaseStorage)


def test_storage_binary_content_round_trips(storage: DatabaseStorage) -> None:
    name = storage.save("data/every-byte.bin", ContentFile(EVERY_BYTE))
    assert name == "data/every-byte.bin"
    assert read(storage, name) == EVERY_BYTE
    assert storage.size(name) == len(EVERY_BYTE)
    row = StoredFile.objects.get(name=name)
    assert (row.size, row.content_type) == (1024, "application/octet-stream")


def test_storage_text_is_saved_as_utf8_and_opens_as_text(storage: DatabaseStorage) -> None:
    name = storage.save("notes/메모.txt", ContentFile("그림 없음 — no figure"))
    assert read(storage, name) == "그림 없음 — no figure".encode()
    with storage.open(name, "r") as stored:
        assert stored.read() == "그림 없음 — no figure"


def test_storage_korean_name_round_trips(storage: DatabaseStorage) -> None:
    name = storage.save(KOREAN, ContentFile(b"<svg/>"))
    assert name == KOREAN
    assert storage.exists(KOREAN)
    assert read(storage, KOREAN) == b"<svg/>"
    assert storage.listdir("runs") == ([], ["실험 그림 1.svg"])
    assert StoredFile.objects.get(name=KOREAN).content_type == "image/svg+xml"
    assert storage.url(KOREAN) == "/files/runs/%EC%8B%A4%ED%97%98%20%EA%B7%B8%EB%A6%BC%201.svg"


def test_storage_exists_and_delete(storage: DatabaseStorage) -> None:
    name = storage.save("runs/run-1.svg", ContentFile(b"<svg/>"))
    assert storage.exists(name)
    storage.delete(name)
    assert not storage.exists(name)
    storage.delete(name)  # deleting a missing file is not an error, as on a filesystem
    with pytest.raises(ValueError):
        storage.delete("")


def test_storage_missing_file_is_file_not_found(storage: DatabaseStorage) -> None:
    for read_it in (storage.open, storage.size, storage.get_modified_time):
        with pytest.raises(FileNotFoundError):
            read_it("runs/never.svg")


def test_storage_opens_for_reading_only(storage: DatabaseStorage) -> None:
    name = storage.save("runs/run-1.svg", ContentFile(b"<svg/>"))
    with pytest.raises(ValueError):
        storage.open(name, "wb")


def test_storage_same_name_twice_keeps_both(storage: DatabaseStorage) -> None:
    first = storage.save("runs/run-1.svg", ContentFile(b"first"))
    second = storage.save("runs/run-1.svg", ContentFile(b"second"))
    assert first == "runs/run-1.svg"
    assert second != first and second.startswith("runs/run-1_") and second.endswith(".svg")
    assert (read(storage, first), read(storage, second)) == (b"first", b"second")


def test_storage_save_that_loses_the_name_race_takes_another(storage: DatabaseStorage) -> None:
    """``_save`` with a name taken since ``get_available_name`` checked it, as when another
    process saved first: a new name, inside the caller's transaction, which stays usable."""
    storage.save("runs/run-1.svg", ContentFile(b"theirs"))
    with transaction.atomic():
        name = storage._save("runs/run-1.svg", ContentFile(b"ours"))
        assert StoredFile.objects.count() == 2  # the transaction survived the clash
    assert name != "runs/run-1.svg"
    assert (read(storage, "runs/run-1.svg"), read(storage, name)) == (b"theirs", b"ours")


def test_storage_save_is_part_of_the_callers_transaction(storage: DatabaseStorage) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        storage.save("runs/run-1.svg", ContentFile(b"<svg/>"))
        raise RuntimeError("roll back")
    assert not storage.exists("runs/run-1.svg")


def test_storage_refuses_path_traversal(storage: DatabaseStorage) -> None:
    for name in ("../outside.svg", "runs/../../outside.svg", "/etc/passwd"):
        with pytest.raises(SuspiciousFileOperation):
            storage.save(name, ContentFile(b"x"))
    assert StoredFile.objects.count() == 0


def test_storage_listdir_separates_folders_and_files(storage: DatabaseStorage) -> None:
    for name in ("runs/a.svg", "runs/b.svg", "runs/old/c.svg", "RUNS/d.svg", "top.txt"):
        storage.save(name, ContentFile(b"x"))
    assert storage.listdir("runs") == (["old"], ["a.svg", "b.svg"])
    assert storage.listdir("runs/") == (["old"], ["a.svg", "b.svg"])
    assert storage.listdir("runs/old") == ([], ["c.svg"])
    assert storage.listdir("") == (["RUNS", "runs"], ["top.txt"])
    assert storage.listdir("nothing") == ([], [])


def test_storage_times_are_aware(storage: DatabaseStorage) -> None:
    before = timezone.now()
    name = storage.save("runs/run-1.svg", ContentFile(b"x"))
    created, modified = storage.get_created_time(name), storage.get_modified_time(name)
    assert isinstance(created, datetime) and timezone.is_aware(created)
    assert before <= created <= modified <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_storage_concurrent_saves_of_one_name_all_land() -> None:
    """Four saves of one name at once, each on its own connection: four names, none lost."""
    count = 4
    barrier = threading.Barrier(count)
    names: list[str | None] = [None] * count
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            names[i] = DatabaseStorage().save("runs/race.svg", ContentFile(f"{i}".encode()))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(set(names)) == count
    storage = DatabaseStorage()
    assert sorted(read(storage, name) for name in names) == [b"0", b"1", b"2", b"3"]


# Serving: members read figures through views that check their rights; the storage's own
# address is for those who may view every file.


def succeeded_run(member: Member) -> ExperimentRun:
    run = runs.run_create(review=make_review(), by=member, experiment="grokking")
    ExperimentRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        figure=default_storage.save(f"runs/run-{run.pk}.svg", ContentFile(b"<svg/>")),
    )
    run.refresh_from_db()
    return run


def test_stored_file_view_needs_the_view_permission(
    member: Member, organizer: Member, storage: DatabaseStorage
) -> None:
    name = storage.save(KOREAN, ContentFile(b"<svg><script>alert(1)</script></svg>"))
    url = storage.url(name)
    member_client, organizer_client = Client(), Client()
    member_client.force_login(member)
    organizer_client.force_login(organizer)  # staff, but not granted the permission
    for client in (Client(), member_client, organizer_client):
        assert client.get(url).status_code == 404
    organizer.is_superuser = True
    organizer.save()
    response = organizer_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert response.content == b"<svg><script>alert(1)</script></svg>"
    assert organizer_client.get(storage.url("runs/never.svg")).status_code == 404
    assert organizer_client.post(url).status_code == 405


def test_stored_file_view_sends_other_files_as_attachments(
    organizer: Member, storage: DatabaseStorage
) -> None:
    organizer.is_superuser = True
    organizer.save()
    client = Client()
    client.force_login(organizer)
    name = storage.save("imports/page.html", ContentFile(b"<p>hi</p>"))
    response = client.get(storage.url(name))
    assert response["Content-Type"] == "text/html"
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'


def test_run_admin_links_the_figure_through_the_permission_checked_view(
    member: Member, organizer: Member
) -> None:
    run = succeeded_run(member)
    organizer.is_superuser = True
    organizer.save()
    client = Client()
    client.force_login(organizer)
    page = client.get(reverse("admin:reviews_experimentrun_change", args=[run.pk]))
    assert page.status_code == 200
    assert f'href="/files/runs/run-{run.pk}.svg"' in page.content.decode()
    stored = StoredFile.objects.get()
    page = client.get(reverse("admin:filestore_storedfile_change", args=[stored.pk]))
    assert page.status_code == 200
    assert f'href="/files/runs/run-{run.pk}.svg"' in page.content.decode()

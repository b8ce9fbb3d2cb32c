"""The OpenAPI schema: generated cleanly, served, and honest about errors and authentication."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
WRITE_METHODS = ("put", "post", "patch", "delete")
IF_MATCH_OPERATIONS = (
    "reviews_update",
    "reviews_partial_update",
    "reviews_destroy",
    "reviews_publish_create",
    "reviews_unpublish_create",
    "reviews_working_copy_update",
    "reviews_working_copy_partial_update",
    "reviews_working_copy_destroy",
    "reviews_working_copy_publish_create",
)
# Resources anyone may read; the rest belong to the signed-in member alone.
PUBLIC_PREFIXES = (
    "/api/papers/",
    "/api/reviews/",
    "/api/comments/",
    "/api/members/",
    "/api/cohorts/",
    "/api/reading-lists/",
    "/api/entries/",
    "/api/experiments/",
    "/api/runs/",
    "/api/sessions/",
    "/api/assignments/",
    "/api/search/",
)
# A comment's earlier texts (its author's and organizers'), a review's working copy (its
# author's): not for anonymous readers.
SELF_ONLY_PATHS = (
    "/api/members/me/",
    "/api/comments/{id}/revisions/",
    "/api/reviews/{id}/working-copy/",
)
SELF_ONLY_PREFIXES = (
    "/api/tokens/",
    "/api/bookmarks/",
    "/api/reading-status/",
    "/api/swaps/",
    "/api/notifications/",
    "/api/recommendations/",
)


def _generate() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = _generate()
OPERATIONS: list[tuple[str, str, dict[str, Any]]] = [
    (path, method, operation)
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
    if method in HTTP_METHODS
]


def _params(predicate: Any = None) -> list[Any]:
    """One pytest param per operation the predicate accepts, named by its operationId."""
    return [
        pytest.param(path, method, operation, id=operation["operationId"])
        for path, method, operation in OPERATIONS
        if predicate is None or predicate(path, method, operation)
    ]


def _anonymous(operation: dict[str, Any]) -> bool:
    return {} in operation.get("security", [])


def _self_only(path: str) -> bool:
    return path in SELF_ONLY_PATHS or path.startswith(SELF_ONLY_PREFIXES)


def test_schema_generates_without_warnings_or_errors(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.")
    assert len(document["paths"]) >= 20
    assert document["paths"] == SCHEMA["paths"]


def test_schema_served_as_openapi_3(db: None) -> None:
    response = APIClient().get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "StudyGroup API"
    assert document["paths"] == SCHEMA["paths"]


def test_schema_json_format_served(db: None) -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert response.json()["paths"].keys() == SCHEMA["paths"].keys()


def test_schema_covers_every_resource() -> None:
    prefixes = {"/".join(path.split("/")[:3]) + "/" for path, _method, _op in OPERATIONS}

    assert prefixes == {
        *PUBLIC_PREFIXES,
        *SELF_ONLY_PREFIXES,
    }
    assert len(OPERATIONS) >= 50
    assert len({op["operationId"] for _path, _method, op in OPERATIONS}) == len(OPERATIONS)


@pytest.mark.parametrize(("path", "method", "operation"), _params())
def test_schema_operation_documents_401_and_429(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert {"401", "429"} <= operation["responses"].keys()


@pytest.mark.parametrize(
    ("path", "method", "operation"), _params(lambda path, method, op: "{" in path)
)
def test_schema_detail_operation_documents_404(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert "404" in operation["responses"]


@pytest.mark.parametrize(
    ("path", "method", "operation"), _params(lambda path, method, op: method in WRITE_METHODS)
)
def test_schema_write_operation_documents_400(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert "400" in operation["responses"]


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    _params(lambda path, method, op: op["operationId"] in IF_MATCH_OPERATIONS),
)
def test_schema_review_write_documents_412_and_428(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert {"412", "428"} <= operation["responses"].keys()
    if_match = [p for p in operation["parameters"] if p["name"] == "If-Match"]
    assert if_match and if_match[0]["in"] == "header" and if_match[0]["required"] is True


def test_schema_if_match_operations_are_the_review_writes() -> None:
    documented = {
        op["operationId"] for _path, _method, op in OPERATIONS if "412" in op["responses"]
    }

    assert documented == set(IF_MATCH_OPERATIONS)


@pytest.mark.parametrize(
    ("path", "method", "operation"), _params(lambda path, method, op: not _anonymous(op))
)
def test_schema_member_operation_documents_403(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert "403" in operation["responses"]


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    _params(lambda path, method, op: method == "get" and not _self_only(path)),
)
def test_schema_public_read_allows_anonymous(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert {} in operation["security"]
    assert {"tokenAuth": []} in operation["security"]


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    _params(lambda path, method, op: method != "get" or _self_only(path)),
)
def test_schema_self_only_or_write_requires_authentication(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert operation["security"], "no security requirement"
    assert {} not in operation["security"]
    assert {"tokenAuth": []} in operation["security"]


def test_schema_token_scheme_is_the_authorization_header() -> None:
    schemes = SCHEMA["components"]["securitySchemes"]

    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["tokenAuth"]["description"],
    }
    assert "Token <key>" in schemes["tokenAuth"]["description"]


def test_schema_delete_204_has_no_body() -> None:
    """A DELETE answers 204 with no body and no Content-Type; the schema must not promise one."""
    with_body = [
        operation["operationId"]
        for _path, method, operation in OPERATIONS
        if method == "delete" and "content" in operation["responses"]["204"]
    ]

    assert with_body == []


def test_schema_pagination_parameters_are_bounded() -> None:
    """Pagination answers 400 below 1, above 100 (page_size) or past 9 digits (page)."""
    unbounded = []
    for _path, _method, operation in OPERATIONS:
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] in ("page", "page_size"):
                bounds = (parameter["schema"].get("minimum"), parameter["schema"].get("maximum"))
                expected = (1, 100) if parameter["name"] == "page_size" else (1, 999_999_999)
                if bounds != expected:
                    unbounded.append((operation["operationId"], parameter["name"], bounds))

    assert unbounded == []


def test_schema_id_filters_are_positive_integers() -> None:
    """`?paper=` and `?review=` take primary keys; 0, -1 and 1.5 are answered with 400."""
    loose = [
        (operation["operationId"], parameter["name"], parameter["schema"])
        for _path, _method, operation in OPERATIONS
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] in ("paper", "review")
        if parameter["schema"].get("type") != "integer" or parameter["schema"].get("minimum") != 1
    ]

    assert loose == []


def test_schema_paginated_list_documents_404() -> None:
    """A page past the last one is DRF's 404 ("Invalid page.")."""
    missing = [
        operation["operationId"]
        for _path, method, operation in OPERATIONS
        if method == "get"
        and any(p["name"] == "page" for p in operation.get("parameters", []))
        and "404" not in operation["responses"]
    ]

    assert missing == []

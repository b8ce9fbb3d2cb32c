"""OpenAPI generation: every operation lists the error answers it can give."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from . import permissions


class ErrorSerializer(serializers.Serializer):
    """`detail` for general errors; field names map to lists of messages for bad input."""

    detail = serializers.CharField(required=False)


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "reviews.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` or `Bearer <key>`; create keys on your profile page.",
        }


ANONYMOUS_READS = (
    permissions.ReadOnlyOrMember,
    permissions.ReadOnlyOrOrganizer,
    permissions.AuthorOrOrganizerDeletes,
    permissions.PapersPermission,
)


class AutoSchema(openapi.AutoSchema):
    def _anonymous_allowed(self) -> bool:
        if self.method not in SAFE_METHODS:
            return False
        return all(isinstance(p, ANONYMOUS_READS) for p in self.view.get_permissions())

    def get_auth(self) -> list[dict[str, list]]:
        auth = super().get_auth()
        auth = [scheme for scheme in auth if scheme != {}]
        if self._anonymous_allowed():
            auth.append({})
        return auth

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        # Here rather than in get_response_serializers(), which @extend_schema(responses=...)
        # replaces: every operation lists its errors, however its success is declared.
        responses = super()._get_response_bodies(direction=direction)
        codes = {"400": "Bad input; field errors.", "401": "Missing, invalid or revoked token."}
        codes["429"] = "Too many requests."
        if not self._anonymous_allowed():
            codes["403"] = "Not allowed for this member."
        if self._is_detail():
            codes["404"] = "No such object, or not yours to see."
        elif self.method == "GET" and self._is_list_view():
            codes["404"] = "No such page."
        if self._needs_if_match():
            codes["412"] = "If-Match is stale: the review changed since you read it."
            codes["428"] = "If-Match is missing."
        for code, description in codes.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code
                )
        return responses

    def _is_detail(self) -> bool:
        return "{" in self.path

    def _needs_if_match(self) -> bool:
        view_name = type(self.view).__name__
        action = getattr(self.view, "action", None)
        if view_name == "ReviewViewSet" and action == "working_copy":
            return self.method != "GET"
        return view_name == "ReviewViewSet" and action in (
            "update",
            "partial_update",
            "destroy",
            "publish",
            "unpublish",
            "publish_working_copy",
        )


def allow_empty_filter_values(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """django-filter treats `?status=` as no filter at all, so an empty value is valid input."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] not in NOT_FILTERS:
                    parameter["allowEmptyValue"] = True
    return result


NOT_FILTERS = {"page", "page_size", "search", "ordering"}

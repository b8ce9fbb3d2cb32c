"""Who may do what through the API; object rules mirror the browser views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView


def _is_member(request: Request) -> bool:
    return bool(request.user and request.user.is_authenticated and request.user.is_active)


class ReadOnlyOrMember(BasePermission):
    """Anyone reads; signed-in members write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or _is_member(request)


class ReadOnlyOrOrganizer(BasePermission):
    """Anyone reads; organizers (staff) write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return _is_member(request) and request.user.is_staff


class MemberOnly(BasePermission):
    """Only signed-in members, for their own things (tokens, bookmarks, reading status)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return _is_member(request)


class AuthorOrOrganizerDeletes(BasePermission):
    """Authors edit their own; organizers may also delete (moderate)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or _is_member(request)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if obj.author_id == request.user.pk:
            return True
        return request.method == "DELETE" and request.user.is_staff


class PapersPermission(BasePermission):
    """Members create and edit papers; only organizers delete them."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return _is_member(request) and request.user.is_staff
        return _is_member(request)

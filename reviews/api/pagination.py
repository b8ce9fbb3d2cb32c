"""Page-number pagination that answers a malformed page or page size with 400."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView

MAX_PAGE_SIZE = 100
MAX_PAGE_NUMBER = 999_999_999


class CountingPaginator(Paginator):
    """Counts by reading where it can: a first page with room to spare holds the whole list,
    so its length is the count and no COUNT query runs (a rare word's search, a short list).
    A full first page reads one row more to know that, then counts."""

    def page(self, number: int | str) -> Page:
        if str(number) != "1" or "count" in self.__dict__:
            return super().page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        return self._get_page(rows[: self.per_page], 1, self)


class Pagination(pagination.PageNumberPagination):
    django_paginator_class = CountingPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list | None:
        self._validate(request)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            parameter["schema"]["maximum"] = (
                self.max_page_size
                if parameter["name"] == self.page_size_query_param
                else MAX_PAGE_NUMBER
            )
        return parameters

    def _validate(self, request: Request) -> None:
        errors = {}
        for name, upper in (("page", None), (self.page_size_query_param, self.max_page_size)):
            raw = request.query_params.get(name)
            if raw is None or (name == "page" and raw == "last"):
                continue
            if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
                errors[name] = [_("A positive whole number is required.")]
            elif upper is not None and int(raw) > upper:
                errors[name] = [_("At most %(max)d.") % {"max": upper}]
        if errors:
            raise ValidationError(errors)

"""API viewsets, one module per resource. Reads use selectors' querysets; writes call
reviews.services."""

from .base import (
    ApiNotFound,
    PreconditionFailed,
    PreconditionRequired,
    exception_handler,
    review_etag,
)
from .lists import CohortViewSet, EntryViewSet, ReadingListViewSet
from .members import BookmarkViewSet, EntryStatusViewSet, MemberViewSet, TokenViewSet
from .reviews import IF_MATCH, CommentViewSet, PaperViewSet, ReviewViewSet
from .runs import ExperimentViewSet, RunViewSet

__all__ = [
    "IF_MATCH",
    "ApiNotFound",
    "BookmarkViewSet",
    "CohortViewSet",
    "CommentViewSet",
    "EntryStatusViewSet",
    "EntryViewSet",
    "ExperimentViewSet",
    "MemberViewSet",
    "PaperViewSet",
    "PreconditionFailed",
    "PreconditionRequired",
    "ReadingListViewSet",
    "ReviewViewSet",
    "RunViewSet",
    "TokenViewSet",
    "exception_handler",
    "review_etag",
]

"""API representations, one module per resource. Writes are handed to reviews.services by
the views."""

from .fields import (
    MAX_ID,
    ModelSerializer,
    StrictCharField,
    StrictSlugField,
    TagListField,
    markdown_field,
)
from .lists import (
    BookmarkSerializer,
    CohortSerializer,
    EntrySerializer,
    EntryStatusSerializer,
    MembershipSerializer,
    ReadingListSerializer,
)
from .members import (
    AuthorSerializer,
    MemberSerializer,
    MeSerializer,
    NewTokenSerializer,
    TokenSerializer,
)
from .reviews import (
    CommentEditSerializer,
    CommentRevisionSerializer,
    CommentSerializer,
    PaperSerializer,
    ReviewEditSerializer,
    ReviewRevisionSerializer,
    ReviewSerializer,
    ReviewWorkingCopySerializer,
)
from .runs import ExperimentSerializer, RunCreateSerializer, RunDetailSerializer, RunSerializer

__all__ = [
    "MAX_ID",
    "AuthorSerializer",
    "BookmarkSerializer",
    "CohortSerializer",
    "CommentEditSerializer",
    "CommentRevisionSerializer",
    "CommentSerializer",
    "EntrySerializer",
    "EntryStatusSerializer",
    "ExperimentSerializer",
    "MeSerializer",
    "MemberSerializer",
    "MembershipSerializer",
    "ModelSerializer",
    "NewTokenSerializer",
    "PaperSerializer",
    "ReadingListSerializer",
    "ReviewEditSerializer",
    "ReviewRevisionSerializer",
    "ReviewSerializer",
    "ReviewWorkingCopySerializer",
    "RunCreateSerializer",
    "RunDetailSerializer",
    "RunSerializer",
    "StrictCharField",
    "StrictSlugField",
    "TagListField",
    "TokenSerializer",
    "markdown_field",
]

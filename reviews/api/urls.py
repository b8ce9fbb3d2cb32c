"""`/api/`: one router, so later resources (experiments, runs) register beside these."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("papers", views.PaperViewSet, basename="paper")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("comments", views.CommentViewSet, basename="comment")
router.register("members", views.MemberViewSet, basename="member")
router.register("cohorts", views.CohortViewSet, basename="cohort")
router.register("reading-lists", views.ReadingListViewSet, basename="readinglist")
router.register("entries", views.EntryViewSet, basename="entry")
router.register("reading-status", views.EntryStatusViewSet, basename="entrystatus")
router.register("bookmarks", views.BookmarkViewSet, basename="bookmark")
router.register("tokens", views.TokenViewSet, basename="token")
router.register("experiments", views.ExperimentViewSet, basename="experiment")
router.register("runs", views.RunViewSet, basename="run")


def docs_policy(view: object) -> object:
    """Swagger UI and Redoc set styles from script; their scripts stay 'self' only."""

    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            settings.CONTENT_SECURITY_POLICY.replace(
                "style-src 'self'", "style-src 'self' 'unsafe-inline'"
            )
            + "; worker-src 'self' blob:"
        )
        return response

    return wrapped


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        docs_policy(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "redoc/",
        docs_policy(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("", include(router.urls)),
    re_path(r"^.*$", views.ApiNotFound.as_view(), name="api-not-found"),
]

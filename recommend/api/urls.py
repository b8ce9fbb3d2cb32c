"""The recommend API, mounted under /api/ ahead of reviews' routes (and their JSON 404)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("recommendations/", views.RecommendationsView.as_view(), name="recommendations"),
    path("recommendations/not-for-me/", views.NotForMeView.as_view(), name="not-for-me"),
    path(
        "recommendations/not-for-me/<int:paper>/",
        views.NotForMeDetailView.as_view(),
        name="not-for-me-detail",
    ),
    path("papers/<int:pk>/related/", views.RelatedView.as_view(), name="paper-related"),
]

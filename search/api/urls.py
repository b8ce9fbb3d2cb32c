"""The search API, mounted under /api/ ahead of reviews' routes (and their JSON 404)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [path("search/", views.SearchView.as_view(), name="api-search")]

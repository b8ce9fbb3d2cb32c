"""Pages of the recommend app."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "recommend"

urlpatterns = [
    path("for-you/", views.for_you, name="for_you"),
    path("for-you/<int:paper_id>/not-for-me/", views.not_for_me, name="not_for_me"),
    path("for-you/<int:paper_id>/undo/", views.undo_not_for_me, name="undo"),
]

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("<path:name>", views.stored_file, name="stored_file"),
]

"""The notifications API, mounted under /api/ ahead of reviews' routes (and their JSON 404)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [path("", include(router.urls))]

"""The meetings API, mounted under /api/ ahead of reviews' routes (and their JSON 404)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("sessions", views.SessionViewSet, basename="session")
router.register("swaps", views.SwapViewSet, basename="swap")
router.register("assignments", views.AssignmentViewSet, basename="assignment")

urlpatterns = [path("", include(router.urls))]

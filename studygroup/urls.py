"""Root URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("meetings.api.urls")),
    path("api/", include("notifications.api.urls")),
    path("api/", include("search.api.urls")),
    path("api/", include("recommend.api.urls")),
    path("api/", include("reviews.api.urls")),
    path("files/", include("filestore.urls")),
    path("", include("reviews.urls")),
    path("", include("meetings.urls")),
    path("", include("notifications.urls")),
    path("", include("search.urls")),
    path("", include("recommend.urls")),
]

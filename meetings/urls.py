"""Pages and calendars of the meetings app."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("cohorts/<str:slug>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<str:slug>/plan/", views.plan, name="plan"),
    path("cohorts/<str:slug>/since/", views.since_last_session, name="since_last_session"),
    path("cohorts/<str:slug>/rotation/", views.rotation_assign, name="rotation_assign"),
    path("cohorts/<str:slug>/assignments/", views.assignment_create, name="assignment_create"),
    path("cohorts/<str:slug>/unavailable/", views.unavailability_edit, name="unavailability_edit"),
    path("cohorts/<str:slug>/calendar.ics", views.cohort_calendar, name="cohort_calendar"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/row/", views.session_row, name="session_row"),
    path("sessions/<int:pk>/rsvp/", views.session_rsvp, name="session_rsvp"),
    path("sessions/<int:pk>/volunteer/", views.session_volunteer, name="session_volunteer"),
    path("sessions/<int:pk>/withdraw/", views.session_withdraw, name="session_withdraw"),
    path("sessions/<int:pk>/swap/", views.swap_create, name="swap_create"),
    path("sessions/<int:pk>/attendance/", views.attendance_take, name="attendance_take"),
    path("swaps/<int:pk>/", views.swap_answer, name="swap_answer"),
    path("reviews/<int:pk>/slides.md", views.review_slides_download, name="review_slides"),
    path("comments/<int:pk>/question/", views.comment_question, name="comment_question"),
    path("comments/<int:pk>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("account/calendar/", views.calendar_key_create, name="calendar_key_create"),
    path("account/calendar/revoke/", views.calendar_key_revoke, name="calendar_key_revoke"),
    # Private addresses: under /feeds/private/, which members-only mode lets through.
    path("feeds/private/<str:key>/calendar.ics", views.private_calendar, name="private_calendar"),
    path(
        "feeds/private/<str:key>/cohorts/<str:slug>.ics",
        views.private_cohort_calendar,
        name="private_cohort_calendar",
    ),
]

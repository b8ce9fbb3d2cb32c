"""Browser pages and calendar feeds of the meetings app."""

from __future__ import annotations

from .calendars import (
    calendar_key_create,
    calendar_key_revoke,
    cohort_calendar,
    private_calendar,
    private_cohort_calendar,
)
from .planning import (
    assignment_create,
    plan,
    rotation_assign,
    session_edit,
    session_row,
    unavailability_edit,
)
from .sessions import (
    attendance_take,
    cohort_detail,
    comment_question,
    comment_resolve,
    session_detail,
    session_rsvp,
    session_volunteer,
    session_withdraw,
    since_last_session,
    swap_answer,
    swap_create,
)
from .slides import review_slides_download

__all__ = [
    "assignment_create",
    "attendance_take",
    "calendar_key_create",
    "calendar_key_revoke",
    "cohort_calendar",
    "cohort_detail",
    "comment_question",
    "comment_resolve",
    "plan",
    "private_calendar",
    "private_cohort_calendar",
    "review_slides_download",
    "rotation_assign",
    "session_detail",
    "since_last_session",
    "session_edit",
    "session_row",
    "session_rsvp",
    "session_volunteer",
    "session_withdraw",
    "swap_answer",
    "swap_create",
    "unavailability_edit",
]

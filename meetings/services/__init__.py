"""Every write the meetings app makes, one keyword-only function each.

Views and the API call these. Each checks who may do it and what the cohort allows, and
either writes everything or raises (ValidationError with field errors, PermissionDenied)
having written nothing. Every change a calendar shows bumps the session's SEQUENCE.
"""

from __future__ import annotations

from .coursework import (
    assignment_create,
    comment_mark_question,
    comment_resolve,
    entry_statuses_follow_paper,
    entry_statuses_follow_review,
)
from .members import (
    attendance_answer,
    attendance_take,
    calendar_key_create,
    calendar_key_revoke,
    session_volunteer,
    session_withdraw,
    swap_accept,
    swap_decline,
    swap_request,
    unavailability_set,
)
from .sessions import (
    MAX_SESSIONS_AT_ONCE,
    Schedule,
    SessionFields,
    rotation_assign,
    schedule_create,
    schedule_days,
    session_create,
    session_update,
)

__all__ = [
    "MAX_SESSIONS_AT_ONCE",
    "Schedule",
    "SessionFields",
    "assignment_create",
    "attendance_answer",
    "attendance_take",
    "calendar_key_create",
    "calendar_key_revoke",
    "comment_mark_question",
    "comment_resolve",
    "entry_statuses_follow_paper",
    "entry_statuses_follow_review",
    "rotation_assign",
    "schedule_create",
    "schedule_days",
    "session_create",
    "session_update",
    "session_volunteer",
    "session_withdraw",
    "swap_accept",
    "swap_decline",
    "swap_request",
    "unavailability_set",
]

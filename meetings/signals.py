"""Events of the meetings app that other apps (notifications) follow.

Sent by the services after the change is written, inside its transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

# session_id, by_id, cancelled (it was just cancelled), changed (the fields that moved: its
# time, place, link or status): a planner changed a session members plan around
session_changed = Signal()

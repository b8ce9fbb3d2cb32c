"""Fair presenter rotation: a pure function, no database, so it can be tested on its own.

Sessions are filled in date order. Each takes, among the members free that day who did not
present the session before, the one with the fewest turns so far (then the one whose last turn
is longest ago, then the lowest id). When that greedy choice leads to a dead end (someone must
present twice in a row, or nobody is free) the search backs up and tries the next candidate, so
a rotation is found whenever one exists within ``MAX_STEPS``; the result depends only on the
input, never on chance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

MAX_STEPS = 20_000


@dataclass(frozen=True)
class Slot:
    """A session to fill: its id and the day it takes place."""

    key: int
    day: date


class NoRotation(Exception):
    """No rotation satisfies availability and "never twice in a row"."""

    def __init__(self, day: date | None) -> None:
        super().__init__(f"nobody can present on {day}")
        # The first day nobody could take, when one day alone explains it.
        self.day = day


def rotation_plan(
    *,
    slots: Sequence[Slot],
    members: Sequence[int],
    unavailable: Mapping[int, set[date]] | None = None,
    past_turns: Mapping[int, int] | None = None,
    previous: int | None = None,
) -> dict[int, int]:
    """Return {slot key: member id} for `slots` (taken in date order)."""
    unavailable = unavailable or {}
    ordered = sorted(slots, key=lambda s: (s.day, s.key))
    people = sorted(set(members))
    for slot in ordered:
        if not any(slot.day not in unavailable.get(m, set()) for m in people):
            raise NoRotation(slot.day)
    turns = {m: (past_turns or {}).get(m, 0) for m in people}
    last_turn = {m: -1 for m in people}
    chosen: list[int] = []
    steps = 0

    def candidates(index: int) -> list[int]:
        day = ordered[index].day
        before = chosen[index - 1] if index else previous
        free = [m for m in people if m != before and day not in unavailable.get(m, set())]
        return sorted(free, key=lambda m: (turns[m], last_turn[m], m))

    def fill(index: int) -> bool:
        nonlocal steps
        if index == len(ordered):
            return True
        for member in candidates(index):
            steps += 1
            if steps > MAX_STEPS:
                return False
            kept = last_turn[member]
            turns[member] += 1
            last_turn[member] = index
            chosen.append(member)
            if fill(index + 1):
                return True
            chosen.pop()
            turns[member] -= 1
            last_turn[member] = kept
        return False

    if not fill(0):
        raise NoRotation(None)
    return {slot.key: member for slot, member in zip(ordered, chosen, strict=True)}

"""Property tests of the fair rotation (seeded random loops: deterministic, no extra library)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from meetings.rotation import NoRotation, Slot, rotation_plan

SEEDS = range(300)


def _case(seed: int) -> tuple[list[Slot], list[int], dict[int, set[date]]]:
    rng = random.Random(seed)
    start = date(2026, 1, 1)
    slots = [Slot(k, start + timedelta(days=7 * k)) for k in range(rng.randint(1, 16))]
    members = rng.sample(range(1, 50), rng.randint(2, 7))
    unavailable = {
        m: {s.day for s in slots if rng.random() < 0.2} for m in members if rng.random() < 0.5
    }
    return slots, members, unavailable


def _in_order(plan: dict[int, int], slots: list[Slot]) -> list[int]:
    return [plan[s.key] for s in sorted(slots, key=lambda s: s.day)]


def test_rotation_respects_availability_and_never_twice_in_a_row() -> None:
    solved = 0
    for seed in SEEDS:
        slots, members, unavailable = _case(seed)
        try:
            plan = rotation_plan(slots=slots, members=members, unavailable=unavailable)
        except NoRotation:
            continue
        solved += 1
        by_day = {s.key: s.day for s in slots}
        assert all(day not in unavailable.get(plan[k], set()) for k, day in by_day.items())
        turns = _in_order(plan, slots)
        assert all(a != b for a, b in zip(turns, turns[1:], strict=False))
        assert set(turns) <= set(members)
    assert solved > len(SEEDS) * 0.8


def test_rotation_is_balanced_when_everyone_is_free() -> None:
    for seed in SEEDS:
        slots, members, _unavailable = _case(seed)
        plan = rotation_plan(slots=slots, members=members)
        counts = [list(plan.values()).count(m) for m in members]
        assert max(counts) - min(counts) <= 1, (seed, counts)


def test_rotation_is_balanced_with_past_turns() -> None:
    for seed in SEEDS:
        rng = random.Random(seed)
        slots, members, _unavailable = _case(seed)
        if len(members) < 3:
            continue  # two people must alternate, whatever their past turns
        past = {m: rng.randint(0, 3) for m in members}
        plan = rotation_plan(slots=slots, members=members, past_turns=past)
        totals = [past[m] + list(plan.values()).count(m) for m in members]
        # The season never leaves the counts further apart than it found them (or one).
        assert max(totals) - min(totals) <= max(max(past.values()) - min(past.values()), 1)


def test_rotation_is_deterministic() -> None:
    for seed in SEEDS:
        slots, members, unavailable = _case(seed)
        try:
            first = rotation_plan(slots=slots, members=members, unavailable=unavailable)
        except NoRotation:
            continue
        shuffled = random.Random(seed + 1).sample(slots, len(slots))
        again = rotation_plan(
            slots=shuffled, members=list(reversed(members)), unavailable=unavailable
        )
        assert first == again


def test_rotation_backs_up_instead_of_failing() -> None:
    # Greedy would give the first week to member 1, who alone is free in week two.
    slots = [Slot(1, date(2026, 1, 1)), Slot(2, date(2026, 1, 8))]
    plan = rotation_plan(slots=slots, members=[1, 2], unavailable={2: {date(2026, 1, 8)}})
    assert plan == {1: 2, 2: 1}


def test_rotation_previous_presenter_waits() -> None:
    plan = rotation_plan(slots=[Slot(1, date(2026, 1, 1))], members=[1, 2], previous=1)
    assert plan == {1: 2}


def test_rotation_nobody_free_names_the_day() -> None:
    day = date(2026, 1, 8)
    with pytest.raises(NoRotation) as failure:
        rotation_plan(slots=[Slot(1, day)], members=[1, 2], unavailable={1: {day}, 2: {day}})
    assert failure.value.day == day


def test_rotation_one_member_two_sessions_fails() -> None:
    slots = [Slot(1, date(2026, 1, 1)), Slot(2, date(2026, 1, 8))]
    with pytest.raises(NoRotation):
        rotation_plan(slots=slots, members=[1])

"""Years of plans over many seeded random candidates: the rules hold for every one of them,
and a policy recorded before a rule existed still plans exactly as it did."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from rapport.outreach import planning
from rapport.outreach.policy import PRIORITY
from rapport.outreach.timing import Window, is_working_day, pinned_holidays, zone

from .outreach_world import (
    GOLDEN_SEEDS,
    START,
    YEARS,
    Carried,
    World,
    fingerprints,
    simulate,
    spacing_violations,
    with_policy,
    world,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "old_policy_plans.json"


def test_plans_under_the_policys_defaults_are_unchanged() -> None:
    """A workflow started before a rule was added carries a policy without the rule's field;
    it decodes with the field's default, which must plan exactly as before (replays agree).

    The fingerprints were made by the planner before the spacing rules (tests/outreach_world.py
    prints them): a plan from the start over three years and every touch carried out while
    vacancies, invitations and meetings arrive.
    """
    recorded = json.loads(GOLDEN.read_text())
    assert fingerprints(GOLDEN_SEEDS) == recorded


QUIET_DAYS = (1, 2, 3, 5)
AUDITED = range(300)


def spaced(seed: int) -> World:
    return with_policy(
        world(seed), greeting_quiet_days=QUIET_DAYS[seed % len(QUIET_DAYS)], one_touch_per_day=True
    )


def broken_rules(made: World, carried: list[Carried]) -> list[str]:
    """The rules that held before spacing: the contact budget, send windows and working days,
    greetings on their day, deadlines, a reason for every skip, no touch made twice."""
    state = made.state
    tz = zone(state.facts.timezone)
    window = Window.of(state.policy)
    holidays = pinned_holidays(state.holidays)
    deadlines = {signal.ref: signal.deadline for signal in made.signals}
    broken = []
    earlier = [(record.occasion, record.at) for record in state.recent]
    keys = [entry.touch.idempotency_key for entry in carried]
    if len(keys) != len(set(keys)):
        broken.append("a touch was carried out twice")
    for entry in carried:
        touch, local = entry.touch, entry.at.astimezone(tz)
        if not entry.sent:
            if not touch.reason:
                broken.append(f"{touch.occasion} on {local:%Y-%m-%d} skipped without a reason")
            continue
        crowded = [
            occasion
            for occasion, at in earlier
            if at <= entry.at < at + entry.budget and PRIORITY[occasion] >= PRIORITY[touch.occasion]
        ]
        if crowded:
            broken.append(f"{touch.occasion} on {local:%Y-%m-%d} within the budget of {crowded}")
        earlier.append((touch.occasion, entry.at))
        if not window.start <= local.time() < window.end:
            broken.append(f"{touch.occasion} at {local} outside the send window")
        if touch.occasion in planning.GREETINGS:
            if touch.local_date != local.date().isoformat():
                broken.append(f"{touch.occasion} for {touch.local_date} sent on {local:%Y-%m-%d}")
        elif not is_working_day(
            local.date(), state.facts.country, state.policy.send_days, holidays
        ):
            broken.append(f"{touch.occasion} on {local:%Y-%m-%d}, not a working day")
        for ref in (touch.ref_id or "").split(","):
            deadline = deadlines.get(ref)
            if deadline is not None and entry.at > deadline:
                broken.append(f"{touch.occasion} {ref} after its deadline")
    return broken


def unanswered(made: World, carried: list[Carried]) -> list[str]:
    """Signals that never became a touch (sent or skipped), though they came in time."""
    if made.state.facts.greetings_only:
        return []
    answered = {ref for entry in carried for ref in (entry.touch.ref_id or "").split(",")}
    closed = {signal.ref for signal in made.signals if signal.kind == "vacancy_closed"}
    last_call = START + timedelta(days=365 * YEARS - 60)
    return [
        signal.ref
        for signal in made.signals
        if signal.kind != "vacancy_closed"
        and signal.ref not in closed | answered
        and signal.at < last_call
    ]


@pytest.mark.parametrize("seed", AUDITED)
def test_three_years_of_spaced_outreach_keep_every_rule(seed: int) -> None:
    made = spaced(seed)
    carried = simulate(made)
    policy = made.state.policy
    assert spacing_violations(carried, made.state.facts.timezone, policy.greeting_quiet_days) == []
    assert broken_rules(made, carried) == []
    assert unanswered(made, carried) == []


@pytest.mark.parametrize("seed", GOLDEN_SEEDS)
def test_the_defaults_keep_the_rules_they_had(seed: int) -> None:
    made = world(seed)
    carried = simulate(made)
    assert broken_rules(made, carried) == []
    assert unanswered(made, carried) == []


def test_the_audit_sees_what_spacing_prevents() -> None:
    """Without spacing the same worlds break both rules: the audit is not vacuous."""
    found = [
        violation
        for seed in AUDITED
        for violation in spacing_violations(
            simulate(world(seed)), world(seed).state.facts.timezone, 3
        )
    ]
    assert any("both on" in violation for violation in found)
    assert any("too close" in violation for violation in found)
    spaced_worlds = [simulate(spaced(seed)) for seed in AUDITED]
    reasons = [entry.touch.reason or "" for carried in spaced_worlds for entry in carried]
    assert any(reason.startswith("quiet days") for reason in reasons)

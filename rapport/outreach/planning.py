"""The plan: which touches are due, on which channel, within the contact budget.

Shared by the candidate workflow and the API. Nothing here reads the clock: `now` is always
passed in, so what the API shows as a plan is what the workflow will do. Public holidays are
the ones pinned in the state (`CandidateState.holidays`); a year not pinned has none, so
callers pin the years a plan needs first (`rapport.outreach.pinned.years_needed`).
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapport.outreach import spacing
from rapport.outreach.policy import PRIORITY, choose_channel
from rapport.outreach.state import CandidateState, OneOff, PlannedTouch, SchedulePolicy
from rapport.outreach.timing import (
    Window,
    local_instant,
    next_greeting,
    next_slot,
    parse_month_day,
    pinned_holidays,
    summary,
    zone,
)
from rapport.vocabulary import Channel, Occasion, Rapport, SenderRole, Stage

GREETINGS = (Occasion.BIRTHDAY, Occasion.WORK_ANNIVERSARY)
# Warmer relationships hear from us more often; a cold one rarely.
CHECK_IN_EVERY = {
    Rapport.STRONG: timedelta(days=60),
    Rapport.WARM: timedelta(days=90),
    Rapport.COLD: timedelta(days=180),
}
# A cold relationship also gets a wider contact budget.
BUDGET_FACTOR = {Rapport.STRONG: 1, Rapport.WARM: 1, Rapport.COLD: 2}
DEFAULT_HORIZON = timedelta(days=2 * 366)


def idempotency_key(candidate_id: str, occasion: Occasion, ref: str) -> str:
    return f"{candidate_id}:{occasion}:{ref}"


@dataclass(frozen=True)
class Slot:
    """A touch before channel and budget are decided."""

    occasion: Occasion
    due_at: datetime
    local_date: date
    key_ref: str
    sender_role: SenderRole
    sender: str | None
    ref_id: str | None = None
    deadline: datetime | None = None
    vacancy_ids: tuple[str, ...] = ()


def greeting_slots(state: CandidateState, now: datetime, until: datetime) -> list[Slot]:
    facts = state.facts
    tz = zone(facts.timezone)
    window = Window.of(state.policy)
    milestones: list[tuple[Occasion, int, int, int | None]] = []
    if facts.birthday:
        month, day = parse_month_day(facts.birthday)
        milestones.append((Occasion.BIRTHDAY, month, day, None))
    if facts.job_started_on:
        started = date.fromisoformat(facts.job_started_on)
        milestones.append((Occasion.WORK_ANNIVERSARY, started.month, started.day, started.year + 1))
    slots = []
    for occasion, month, day, first_year in milestones:
        handled = (
            date.fromisoformat(state.done_through[occasion])
            if occasion in state.done_through
            else None
        )
        while True:
            found = next_greeting(
                now, tz, month, day, window, first_year=first_year, done_through=handled
            )
            if found is None or found[1] > until:
                break
            milestone, due = found
            slots.append(
                Slot(occasion, due, milestone, milestone.isoformat(), facts.owner_role, facts.owner)
            )
            handled = milestone
    return slots


def check_in_slots(state: CandidateState, now: datetime, until: datetime) -> list[Slot]:
    """Check-ins, paced by the relationship from the last one (or half a pace after enrolment)."""
    facts = state.facts
    tz = zone(facts.timezone)
    window = Window.of(state.policy)
    every = CHECK_IN_EVERY.get(facts.rapport, CHECK_IN_EVERY[Rapport.COLD])
    holidays = pinned_holidays(state.holidays)
    if state.last_check_in_at is not None:
        after = state.last_check_in_at + every
    elif facts.enrolled_on:
        after = local_instant(date.fromisoformat(facts.enrolled_on), window.start, tz) + every / 2
    else:
        after = now + every / 2
    slots: list[Slot] = []
    while True:
        due = next_slot(max(after, now), tz, window, state.policy, facts.country, holidays)
        if due > until:
            return slots
        local = due.astimezone(tz).date()
        slots.append(
            Slot(
                Occasion.CHECK_IN,
                due,
                local,
                local.isoformat(),
                facts.owner_role,
                facts.owner,
            )
        )
        after = due + every


def one_off_slots(state: CandidateState, now: datetime, until: datetime) -> list[Slot]:
    """Thank-yous and invitations one by one; vacancies pending together go in one message."""
    facts = state.facts
    tz = zone(facts.timezone)
    window = Window.of(state.policy)
    holidays = pinned_holidays(state.holidays)
    vacancies = [p for p in state.pending if p.occasion == Occasion.VACANCY]
    others = [p for p in state.pending if p.occasion != Occasion.VACANCY]
    groups = [[pending] for pending in others]
    if vacancies:
        groups.append(vacancies)
    slots: list[Slot] = []
    for group in groups:
        first = group[0]
        earliest = max(pending.not_before for pending in group)
        due = next_slot(max(earliest, now), tz, window, state.policy, facts.country, holidays)
        if due > until:
            continue
        senders = {pending.sender for pending in group}
        # Vacancies from different hiring managers, in one message: the person who holds
        # the relationship writes it; nobody does: the first hiring manager.
        one_voice = len(senders) == 1 or not facts.owner
        voice = next((pending for pending in group if pending.sender), first)
        ids = sorted(pending.ref_id for pending in group)
        ref = ",".join(ids)
        slots.append(
            Slot(
                first.occasion,
                due,
                due.astimezone(tz).date(),
                ref,
                voice.sender_role if one_voice else facts.owner_role,
                voice.sender if one_voice else facts.owner,
                ref,
                min((p.deadline for p in group if p.deadline), default=None),
                tuple(ids) if first.occasion == Occasion.VACANCY else (),
            )
        )
    return slots


def plan(
    state: CandidateState, now: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> list[PlannedTouch]:
    """Every touch due between `now` and `now + horizon`, in order, with channel and budget.

    A touch that collides with the contact budget (another touch of equal or higher priority
    went out, or one of higher priority is due, within the budget window) is planned as a
    skip with its reason, so that it is recorded, never silently dropped. With spacing in the
    policy (rapport.outreach.spacing), a touch it lets go may wait instead (planned at its new
    time) or be skipped with the reason.
    """
    facts = state.facts
    if state.stage != Stage.NURTURING or state.replies_to_classify:
        return []  # held: a person has the next word
    until = now + horizon
    if state.resume_on:
        # They said "not now, but from then": nothing before that local day.
        now = max(
            now,
            local_instant(date.fromisoformat(state.resume_on), time(0, 0), zone(facts.timezone)),
        )
        if now >= until:
            return []
    slots = greeting_slots(state, now, until)
    if not facts.greetings_only:
        slots += check_in_slots(state, now, until) + one_off_slots(state, now, until)
    tz = zone(facts.timezone)
    cal = spacing.Calendar(tz, state.policy, facts.country, pinned_holidays(state.holidays))
    spaced = spacing.enabled(state.policy)
    order = spacing.order if spaced else budget_order
    budget = timedelta(
        days=state.policy.min_days_between_touches * BUDGET_FACTOR.get(facts.rapport, 2)
    )
    queue = sorted(
        (
            (
                slot,
                choose_channel(
                    facts,
                    slot.occasion,
                    state.policy,
                    sender=slot.sender,
                    sender_role=slot.sender_role,
                    unanswered=state.unanswered,
                ),
            )
            for slot in slots
        ),
        key=lambda pair: order(pair[0]),
    )
    went_out = [cal.out(record.occasion, record.at, planned=False) for record in state.recent]
    touches = []
    while queue:
        slot, choice = queue.pop(0)
        rank = PRIORITY[slot.occasion]
        reason = None
        earlier = next(
            (
                out
                for out in reversed(went_out)
                if out.at <= slot.due_at < out.at + budget and PRIORITY[out.occasion] >= rank
            ),
            None,
        )
        later = next(
            (
                other
                for other, other_choice in queue
                if other.due_at < slot.due_at + budget
                and PRIORITY[other.occasion] > rank
                and other_choice.channel is not None
                and not (spaced and spacing.waits_for(slot, other, cal))
            ),
            None,
        )
        if slot.deadline is not None and slot.due_at > slot.deadline:
            reason = f"missed its moment: due by {slot.deadline.astimezone(tz):%Y-%m-%d}"
        elif earlier is not None:
            reason = f"contact budget: {earlier.occasion} went out on {earlier.day:%Y-%m-%d}"
        elif later is not None:
            reason = (
                f"contact budget: {later.occasion} is due on {later.due_at.astimezone(tz):%Y-%m-%d}"
            )
        elif choice.channel is None:
            reason = choice.reason
        elif spaced:
            ahead = [other for other, other_choice in queue if other_choice.channel is not None]
            verdict = spacing.verdict(slot, went_out, ahead, cal)
            if verdict.until is not None:
                moved = moved_to(slot, verdict.until, cal)
                if moved.due_at <= until:
                    bisect.insort(queue, (moved, choice), key=lambda pair: order(pair[0]))
                continue
            reason = verdict.reason
        if reason is None:
            went_out.append(cal.out(slot.occasion, slot.due_at, planned=True))
        touches.append(
            PlannedTouch(
                occasion=slot.occasion,
                channel=None if reason else choice.channel,
                sender_role=slot.sender_role,
                due_at=slot.due_at,
                local_date=slot.local_date.isoformat(),
                summary=summary(slot.occasion, slot.due_at, tz, facts.timezone),
                idempotency_key=idempotency_key(facts.candidate_id, slot.occasion, slot.key_ref),
                reason=reason,
                sender=slot.sender,
                ref_id=slot.ref_id,
                deadline=task_deadline(slot, state.policy, tz),
                assisted=bool(choice.assisted) and reason is None,
                skip=reason is not None,
                vacancy_ids=list(slot.vacancy_ids),
            )
        )
    # In the order they are due (a touch that waited was decided before some due earlier).
    return sorted(touches, key=lambda touch: touch.due_at)


def budget_order(slot: Slot) -> tuple[datetime, int]:
    """The order slots are decided in without spacing: as they fall due, the higher first."""
    return (slot.due_at, -PRIORITY[slot.occasion])


def moved_to(slot: Slot, due_at: datetime, cal: spacing.Calendar) -> Slot:
    """A slot that waits for spacing: a check-in is named by its new day."""
    day = cal.day(due_at)
    ref = day.isoformat() if slot.occasion == Occasion.CHECK_IN else slot.key_ref
    return dataclasses.replace(slot, due_at=due_at, local_date=day, key_ref=ref)


def task_deadline(slot: Slot, policy: SchedulePolicy, tz: ZoneInfo) -> datetime:
    """Until when a person may send an assisted draft before Rapport falls back.

    A greeting belongs to its day: the owner has until that day's window closes. Other touches
    get the policy's days, but never past their own deadline (a thank-you within 14 days).
    """
    window = Window.of(policy)
    if slot.occasion in GREETINGS:
        return max(local_instant(slot.local_date, window.end, tz), slot.due_at)
    deadline = slot.due_at + timedelta(days=policy.task_deadline_days)
    if slot.deadline is not None:
        deadline = min(deadline, slot.deadline)
    return max(deadline, slot.due_at)


def next_touch(state: CandidateState, now: datetime) -> PlannedTouch | None:
    """The one touch the workflow sleeps until."""
    touches = plan(state, now)
    return touches[0] if touches else None


def fallback_channel(
    state: CandidateState, touch: PlannedTouch, tried: list[Channel]
) -> tuple[Channel | None, bool, str | None]:
    """After a person did not act: the next allowed channel (channel, assisted, reason)."""
    choice = choose_channel(
        state.facts,
        touch.occasion,
        state.policy,
        sender=touch.sender,
        sender_role=touch.sender_role,
        unanswered=state.unanswered,
        exclude=tried,
    )
    return choice.channel, choice.assisted, choice.reason


def event_follow_up(
    met: date, tz_name: str, interaction_id: str, sender: str | None, sender_role: SenderRole
) -> OneOff:
    """A thank-you after meeting in person: from the next day, within 14 days of the meeting."""
    tz = zone(tz_name)
    return OneOff(
        occasion=Occasion.EVENT_FOLLOW_UP,
        ref_id=interaction_id,
        sender_role=sender_role,
        sender=sender,
        not_before=local_instant(met + timedelta(days=1), time(0, 0), tz),
        deadline=local_instant(met + timedelta(days=14), time(23, 59), tz),
    )

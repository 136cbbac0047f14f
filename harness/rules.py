"""What a simulated population's years must never show, counted from what PostgreSQL recorded
and what the workflows' histories say was done when: sends outside the candidate's local
window, handwritten notes to cold contacts, public posts about anything but a greeting (a
vacancy above all), touches after an opt-out or after a reply that stops them, contact budget
breaches, thank-yous later than 14 days after the meeting.

When a touch went out is the moment its workflow scheduled the send (the `send_touch`
activity's ActivityTaskScheduled event, server time): on the time-skipping server the rows'
`sent_at` is the real clock, and a fallback after a person's draft expired goes out later than
the touch's `due_at`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from harness.cohort import Member, Sessions
from rapport.contracts.touches import SendTouchInput
from rapport.outreach.policy import PRIORITY
from rapport.outreach.state import SchedulePolicy
from rapport.vocabulary import Occasion

GREETINGS = {Occasion.BIRTHDAY.value, Occasion.WORK_ANNIVERSARY.value}
THANK_YOU_WITHIN_DAYS = 14
HISTORY_FETCHES = 8
CLOSED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
}


@dataclass(frozen=True)
class Done:
    """A touch or a person's draft as recorded; `at`: when it was carried out."""

    candidate_id: uuid.UUID
    key: str
    occasion: str
    channel: str | None
    status: str
    at: datetime
    task: bool = False


@dataclass
class Histories:
    events: dict[str, int] = field(default_factory=dict)  # workflow id → events over its runs
    sends: dict[str, datetime] = field(default_factory=dict)  # idempotency key → scheduled at
    unfinished: list[str] = field(default_factory=list)  # workflow ids whose last run is open


async def histories(client: Client, workflow_ids: Sequence[str]) -> Histories:
    """Every run of each workflow (following continue-as-new back to the first): how many
    events, and when each `send_touch` was scheduled."""
    found = Histories()
    gate = asyncio.Semaphore(HISTORY_FETCHES)

    async def one(workflow_id: str) -> None:
        async with gate:
            run_id: str | None = None
            total = 0
            while True:
                handle = client.get_workflow_handle(workflow_id, run_id=run_id)
                history = await handle.fetch_history()
                if run_id is None and history.events[-1].event_type not in CLOSED:
                    found.unfinished.append(workflow_id)
                total += len(history.events)
                for event in history.events:
                    await _note_send(client, event, found)
                started = history.events[0].workflow_execution_started_event_attributes
                run_id = started.continued_execution_run_id or None
                if run_id is None:
                    break
            found.events[workflow_id] = total

    await asyncio.gather(*(one(workflow_id) for workflow_id in workflow_ids))
    return found


async def _note_send(client: Client, event: HistoryEvent, found: Histories) -> None:
    if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        return
    scheduled = event.activity_task_scheduled_event_attributes
    if scheduled.activity_type.name != "send_touch":
        return
    [request] = await client.data_converter.decode(scheduled.input.payloads, [SendTouchInput])
    found.sends[request.idempotency_key] = event.event_time.ToDatetime(tzinfo=UTC)


async def recorded(sessions: Sessions, sends: dict[str, datetime]) -> list[Done]:
    """Every touch and every draft for a person, each with when it was carried out."""
    async with sessions() as session:
        touches = (
            await session.execute(
                text(
                    "select candidate_id, idempotency_key, occasion, channel, status, due_at "
                    "from touches"
                )
            )
        ).all()
        tasks = (
            await session.execute(
                text("select candidate_id, idempotency_key, occasion, channel, status, due_at "
                     "from tasks where kind = 'send'")
            )
        ).all()  # fmt: skip
    done = [Done(c, key, o, ch, s, sends.get(key, due)) for c, key, o, ch, s, due in touches]
    return done + [Done(c, key, o, ch, s, due, task=True) for c, key, o, ch, s, due in tasks]


def _in_window(at: datetime, zone: str, policy: SchedulePolicy) -> bool:
    """Within the window at a minute's resolution, as the window is set: a fallback sent when
    a greeting's draft expires at the window's close (17:00:00.4) is at 17:00."""
    local = at.astimezone(ZoneInfo(zone)).time().replace(second=0, microsecond=0)
    start, end = time.fromisoformat(policy.window_start), time.fromisoformat(policy.window_end)
    return start <= local <= end


def violations(
    members: Sequence[Member], done: Sequence[Done], policy: SchedulePolicy
) -> dict[str, list[str]]:
    """Each rule's breaches, described; every list must be empty."""
    by_id = {member.candidate.id: member for member in members}
    found: dict[str, list[str]] = {
        "sends outside local windows": [],
        "handwritten notes to cold contacts": [],
        "public posts about vacancies (or anything but a greeting)": [],
        "touches after opting out": [],
        "touches after a reply that stops them": [],
        "contact budget breaches": [],
        "thank-yous later than 14 days": [],
    }
    sent: dict[uuid.UUID, list[Done]] = defaultdict(list)
    for item in done:
        member = by_id.get(item.candidate_id)
        if member is None:
            continue
        zone = member.candidate.timezone
        what = (
            f"{item.key} {item.channel} {item.status} at {item.at:%Y-%m-%d %H:%M} UTC"
            f" ({zone}, {member.rapport} {member.origin})"
        )
        unmet = member.met_at is None or item.at < member.met_at
        if item.channel == "handwritten_note" and member.rapport == "cold" and unmet:
            found["handwritten notes to cold contacts"].append(what)
        if item.channel == "linkedin_post" and item.occasion not in GREETINGS:
            found["public posts about vacancies (or anything but a greeting)"].append(what)
        if item.task or item.status != "sent":
            continue
        sent[item.candidate_id].append(item)
        if not _in_window(item.at, zone, policy):
            found["sends outside local windows"].append(
                f"{what} (local {item.at.astimezone(ZoneInfo(zone)):%a %H:%M})"
            )
        for kind, detail, at in member.stopped:
            if item.at <= at:
                continue
            if kind == "opted_out" and (detail == "all" or detail == item.channel):
                found["touches after opting out"].append(f"{what} (opted out of {detail} {at})")
            stops = detail == "interested" or (
                detail == "not_interested" and item.occasion not in GREETINGS
            )
            if kind == "replied" and stops:
                found["touches after a reply that stops them"].append(f"{what} ({detail} {at})")
        if item.occasion == Occasion.EVENT_FOLLOW_UP and member.met_on is not None:
            last = datetime.combine(
                member.met_on + timedelta(days=THANK_YOU_WITHIN_DAYS), time(23, 59),
                ZoneInfo(zone),
            )  # fmt: skip
            if item.at > last:
                found["thank-yous later than 14 days"].append(f"{what} (met {member.met_on})")
    for candidate_id, items in sent.items():
        found["contact budget breaches"] += _budget_breaches(by_id[candidate_id], items, policy)
    return found


def _budget_breaches(member: Member, items: list[Done], policy: SchedulePolicy) -> list[str]:
    """A touch within the budget after one at least as important (the planner's rule); the
    budget doubles for a cold relationship until they are met."""
    ordered = sorted(items, key=lambda item: item.at)
    breaches = []
    for index, later in enumerate(ordered):
        cold = member.rapport == "cold" and (member.met_at is None or later.at < member.met_at)
        budget = timedelta(days=policy.min_days_between_touches * (2 if cold else 1))
        for earlier in ordered[:index]:
            close = later.at - earlier.at < budget
            if close and PRIORITY[Occasion(earlier.occasion)] >= PRIORITY[Occasion(later.occasion)]:
                breaches.append(
                    f"{member.candidate.id} {earlier.occasion} {earlier.at} then "
                    f"{later.occasion} {later.at}"
                )
    return breaches


def per_candidate_year(
    members: Sequence[Member], done: Sequence[Done], years: int
) -> dict[str, dict[str, float]]:
    """Touches per candidate-year by relationship (rapport at enrolment): sent, drafts for a
    person, skipped with a reason."""
    groups = Counter(member.rapport for member in members)
    rapport_of = {member.candidate.id: member.rapport for member in members}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for item in done:
        kind = "drafts" if item.task else item.status
        counts[rapport_of[item.candidate_id]][kind] += 1
    return {
        rapport: {
            kind: round(counts[rapport][kind] / (groups[rapport] * years), 2)
            for kind in ("sent", "drafts", "skipped", "failed")
        }
        for rapport in sorted(groups)
    }

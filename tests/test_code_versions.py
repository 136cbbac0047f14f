"""Code versions (`workflows.versions`) on the real dev stack: a candidate enrolled through the
API begins at the code's version, so its history holds no patch markers and publishes only what
changed (the enrolment stores the first status); a vacancy's touch, made at once, is published
once, after it is made."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

from api.candidates.workflow import ENROLMENT_PUBLISHED_AT
from harness.api_helpers import country_without_holiday, eventually, zone_in_send_window
from harness.stack import RunningStack
from rapport import search_attributes as sa
from rapport.contracts.candidate import CandidateInput
from rapport.outreach.state import CandidateFacts, CandidateState, PlannedTouch, SchedulePolicy
from rapport.temporal import connect
from rapport.vocabulary import Channel, Occasion, SenderRole, Stage
from workflows.versions import CODE_VERSION, published_once_made

from .test_vacancies import enrol_all, people, stack_settings, vacancy_body

PATCH_MARKER = "core_patch"
LOCAL_ACTIVITY_MARKER = "core_local_activity"


def commands(events: list[HistoryEvent]) -> list[str]:
    """What the workflow's tasks did, in order: a marker by its name, anything else by its
    type; the server's own events (tasks, the signal, the activity's progress) left out."""
    done = []
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            done.append(event.marker_recorded_event_attributes.marker_name)
        elif event.event_type in (
            EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
            EventType.EVENT_TYPE_TIMER_STARTED,
            EventType.EVENT_TYPE_TIMER_CANCELED,
            EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        ):
            done.append(EventType.Name(event.event_type).removeprefix("EVENT_TYPE_").lower())
    return done


def split_at_signal(history: WorkflowHistory) -> tuple[list[HistoryEvent], list[HistoryEvent]]:
    events = list(history.events)
    [at] = [
        n
        for n, event in enumerate(events)
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ]
    return events[:at], events[at:]


async def test_an_enrolled_candidate_begins_at_the_code_version_and_publishes_once_per_touch(
    api: httpx.AsyncClient, stack: RunningStack, database_url: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    skill = f"versions{suffix}"
    zone, local_now = zone_in_send_window()
    country = country_without_holiday(local_now.date())
    [candidate_id] = await enrol_all(
        api, people(1, skill=skill, zone=zone, country=country, owners=[f"o-{suffix}@example.com"])
    )
    client = await connect(stack_settings(stack))
    handle = client.get_workflow_handle(f"candidate-{candidate_id}")

    # The enrolment stored the first status: it is there as soon as the enrolment answered.
    before = (await api.get(f"/api/candidates/{candidate_id}")).json()
    assert before["status_source"] == "published" and before["next_touch"] is not None
    # A title of its own: other tests count the stack's emails by theirs.
    body = vacancy_body(skill, title="Principal Versioning Engineer")
    vacancy = (await api.post("/api/vacancies", json=body)).json()

    async def sent() -> list[dict[str, Any]]:
        touches = (await api.get(f"/api/candidates/{candidate_id}/touches")).json()["items"]
        return [t for t in touches if t["occasion"] == "vacancy" and t["status"] == "sent"]

    await eventually(sent)

    async def stored_after_the_touch() -> WorkflowHistory | None:
        history = await handle.fetch_history()
        _, after = split_at_signal(history)
        return history if commands(after)[-1:] == ["timer_started"] else None

    history = await eventually(stored_after_the_touch)
    start = history.events[0].workflow_execution_started_event_attributes
    [state] = await client.data_converter.decode(start.input.payloads, [CandidateInput])
    assert state.state.code_version == CODE_VERSION
    enrolled, decided = split_at_signal(history)

    # No patch markers: the run took every change from its start. Its first task only sleeps,
    # as a bare workflow's does: no upsert, as it was started with the attributes of the plan
    # it made, and no status stored, as the enrolment stored the same.
    assert PATCH_MARKER not in commands(history.events)
    assert commands(enrolled) == ["timer_started"]
    # The vacancy's touch is sent at once: nothing is published before it (the stored status
    # and the attributes still name the next greeting or check-in, which it leaves as it was),
    # and its status is stored once, after it.
    assert commands(decided) == [
        "timer_canceled",
        "activity_task_scheduled",
        LOCAL_ACTIVITY_MARKER,
        "timer_started",
    ]

    after = (await api.get(f"/api/candidates/{candidate_id}")).json()
    assert after["next_touch"] == before["next_touch"]
    # What the workflow stored after the touch replaced what the enrolment stored (the plan
    # state now holds the touch), whatever the clocks: the enrolment's is older than any.
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        row = connection.execute(
            "select published_at, plan_state->'recent' from candidate_status"
            " where candidate_id = %s",
            (candidate_id,),
        ).fetchone()
    assert row is not None
    published_at, recent = row
    assert published_at > ENROLMENT_PUBLISHED_AT
    assert [touch["occasion"] for touch in recent] == ["vacancy"]
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.NEXT_OCCASION) == after["next_touch"]["occasion"]
    assert attributes.get(sa.CANDIDATE_STAGE) == "nurturing"
    matches = (await api.get(f"/api/vacancies/{vacancy['id']}/matches")).json()["items"]
    assert [m["status"] for m in matches] == ["notified"]


NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def touch_due(at: datetime, *, assisted: bool = False) -> PlannedTouch:
    return PlannedTouch(
        occasion=Occasion.VACANCY, channel=Channel.EMAIL, sender_role=SenderRole.EMPLOYEE,
        due_at=at, local_date=at.date().isoformat(), summary="vacancy",
        idempotency_key="c-1:vacancy:v-1", assisted=assisted,
    )  # fmt: skip


def test_only_the_next_touch_waits_for_a_touch_made_at_once() -> None:
    """Published after it is made only while the stage and owner shown are current, and only
    from version 1: a resumed candidate's stage, or a new owner, is shown before the send."""
    state = CandidateState(
        facts=CandidateFacts(
            candidate_id="c-1", timezone="Europe/Berlin", country="DE", owner="o@x.example"
        ),
        policy=SchedulePolicy(),
        code_version=1,
    )
    shown = (Stage.NURTURING, "o@x.example", Occasion.BIRTHDAY, NOW + timedelta(days=90))
    stored = (Stage.NURTURING, None, "{}")
    due = touch_due(NOW)
    assert published_once_made(state, due, NOW, shown, stored)
    # Not made at once: due later, or a person's draft.
    assert not published_once_made(
        state, touch_due(NOW + timedelta(minutes=10)), NOW, shown, stored
    )
    assert not published_once_made(state, touch_due(NOW, assisted=True), NOW, shown, stored)
    # The stage or owner shown is not current: published before, as always.
    assert not published_once_made(state, due, NOW, (Stage.PAUSED, *shown[1:]), stored)
    assert not published_once_made(state, due, NOW, (shown[0], "old@x.example", *shown[2:]), stored)
    assert not published_once_made(state, due, NOW, shown, (Stage.PAUSED, None, "{}"))
    assert not published_once_made(state, due, NOW, None, stored)
    assert not published_once_made(state, due, NOW, shown, None)
    # A run of version 0 publishes before, as it always did.
    assert not published_once_made(replace(state, code_version=0), due, NOW, shown, stored)

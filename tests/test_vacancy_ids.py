"""A vacancy touch names its vacancies as a list; touches planned or recorded before the list
existed name them only in `ref_id`, and `vacancy_ids_of` is the one place that reads that."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

import workflows.delivery as delivery
from rapport.contracts.touches import OpenTaskInput, SendTouchInput, vacancy_ids_of
from rapport.outreach import planning
from rapport.outreach.state import (
    CandidateFacts,
    CandidateState,
    OneOff,
    PlannedTouch,
    SchedulePolicy,
)
from rapport.vocabulary import Channel, Occasion, SenderRole

HISTORIES = Path(__file__).resolve().parent / "histories"
NOW = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)


def candidate(**values: object) -> CandidateState:
    facts = CandidateFacts(
        candidate_id="c-1",
        timezone="Europe/London",
        country="GB",
        owner="olga.owner@example.com",
        has_email=True,
        consent={Channel.EMAIL: True},
    )
    return CandidateState(facts=facts, policy=SchedulePolicy(), **values)  # type: ignore[arg-type]


def touch(occasion: Occasion, ref_id: str | None, vacancy_ids: list[str]) -> PlannedTouch:
    return PlannedTouch(
        occasion=occasion,
        channel=Channel.LINKEDIN_MESSAGE,
        sender_role=SenderRole.EMPLOYEE,
        due_at=NOW,
        local_date="2027-03-03",
        summary="",
        idempotency_key=f"c-1:{occasion}:{ref_id}",
        ref_id=ref_id,
        vacancy_ids=vacancy_ids,
    )


def test_the_planner_lists_the_vacancies_and_keeps_ref_id_and_key_as_they_were() -> None:
    pending = [
        OneOff(Occasion.VACANCY, ref, SenderRole.EMPLOYEE, None, NOW) for ref in ("v-b", "v-a")
    ]
    [planned] = [
        t for t in planning.plan(candidate(pending=pending), NOW) if t.occasion == Occasion.VACANCY
    ]
    assert planned.vacancy_ids == ["v-a", "v-b"]
    assert planned.ref_id == "v-a,v-b"
    assert planned.idempotency_key == "c-1:vacancy:v-a,v-b"
    assert delivery.request(candidate(), planned, None, 0).vacancy_ids == ["v-a", "v-b"]


def test_a_touch_without_the_list_names_the_vacancies_of_its_ref_id() -> None:
    legacy = touch(Occasion.VACANCY, "v-a,v-b", [])
    assert vacancy_ids_of(legacy) == ["v-a", "v-b"]
    # The list, where there is one, is what is read.
    assert vacancy_ids_of(touch(Occasion.VACANCY, "v-a,v-b", ["v-a"])) == ["v-a"]
    # Other touches name no vacancies, whatever their ref_id.
    assert vacancy_ids_of(touch(Occasion.INVITATION, "inv-1,inv-2", [])) == []
    assert vacancy_ids_of(touch(Occasion.VACANCY, None, [])) == []


def test_a_legacy_touch_carried_in_the_state_is_withdrawn_and_answered_as_before() -> None:
    legacy = touch(Occasion.VACANCY, "v-a,v-b", [])
    state = candidate(closed_vacancies=["v-b"])
    assert delivery.closed_in(state, legacy) == {"v-b"}
    assert not delivery.cancelled(state, Channel.LINKEDIN_MESSAGE, legacy)
    assert delivery.cancelled(state, Channel.LINKEDIN_MESSAGE, legacy, any_close=True)
    # Its request carries the list from then on, and the key it always had.
    sent = delivery.request(state, legacy, Channel.LINKEDIN_MESSAGE, 0)
    assert (sent.vacancy_ids, sent.ref_id, sent.idempotency_key) == (
        ["v-a", "v-b"],
        "v-a,v-b",
        "c-1:vacancy:v-a,v-b",
    )


def recorded_vacancy_inputs(name: str) -> list[SendTouchInput]:
    """The vacancy touches a recorded history's activities were given, decoded as today."""
    converter = DataConverter.default.payload_converter
    history = WorkflowHistory.from_json(name, (HISTORIES / f"{name}.json").read_text())
    found = []
    for event in history.events:
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        scheduled = event.activity_task_scheduled_event_attributes
        [payload] = scheduled.input.payloads
        raw = json.loads(payload.data)
        if (raw.get("touch") or raw).get("occasion") != Occasion.VACANCY:
            continue
        assert "vacancy_ids" not in (raw.get("touch") or raw)  # recorded before the list
        if scheduled.activity_type.name == "open_task":
            [opened] = converter.from_payloads([payload], [OpenTaskInput])
            found.append(opened.touch)
        else:
            [sent] = converter.from_payloads([payload], [SendTouchInput])
            found.append(sent)
    return found


def test_inputs_recorded_before_the_list_still_name_their_vacancies() -> None:
    inputs = recorded_vacancy_inputs("candidate_partial_close")
    assert inputs
    for recorded in inputs:
        assert recorded.vacancy_ids == []
        assert recorded.ref_id is not None
        assert vacancy_ids_of(recorded) == recorded.ref_id.split(",")
        assert len(vacancy_ids_of(recorded)) == 2
    # A list added to such an input names the same vacancies.
    upgraded = dataclasses.replace(inputs[0], vacancy_ids=vacancy_ids_of(inputs[0]))
    assert vacancy_ids_of(upgraded) == vacancy_ids_of(inputs[0])

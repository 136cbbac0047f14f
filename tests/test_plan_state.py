"""The plan state a candidate's workflow publishes: what the planner reads, as JSON text that
reads back into the same plan; the workflow's own bookkeeping is left out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from rapport import plan_state
from rapport.outreach import planning
from rapport.outreach.state import OneOff, SentRecord
from rapport.vocabulary import Channel, Occasion, SenderRole, TaskStatus
from tests.test_planning import facts

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def test_a_published_state_plans_as_the_workflow_s_own() -> None:
    state = facts(birthday="1990-04-02", job_started_on="2020-06-15", greetings_only=False)
    state.pending.append(
        OneOff(
            occasion=Occasion.VACANCY,
            ref_id="v-1",
            sender_role=SenderRole.HR,
            sender=None,
            not_before=NOW + timedelta(days=3),
        )
    )
    state.recent.append(SentRecord(Occasion.CHECK_IN, Channel.EMAIL, NOW - timedelta(days=20)))
    state.unanswered = {Channel.EMAIL: 2}
    text = plan_state.to_text(state)
    back = plan_state.from_json(json.loads(text))
    horizon = timedelta(days=365)
    assert planning.plan(back, NOW, horizon) == planning.plan(state, NOW, horizon)
    assert planning.plan(back, NOW, horizon), "a plan with touches in it"
    assert plan_state.to_text(back) == text


def test_the_workflow_s_bookkeeping_is_left_out() -> None:
    """A draft's outcome or a vacancy heard of changes no plan: no new write for it."""
    state = facts(birthday="1990-04-02")
    before = plan_state.to_text(state)
    state.vacancies_seen.append("v-9")
    state.task_outcomes["t-1"] = TaskStatus.SENT
    state.touches_made += 1
    assert plan_state.to_text(state) == before
    state.unanswered = {Channel.EMAIL: 1}
    assert plan_state.to_text(state) != before

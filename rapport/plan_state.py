"""A candidate's plan state: the part of their workflow's state the planner reads, published by
the workflow with its stage and next touch (`candidate_status.plan_state`), so that the API and
the workspace draw the plan (`planning.plan`, the workflow's own planner) without waking the
workflow.

Only what `rapport.outreach.planning` reads is kept: the facts, the policy, the stage, the
greetings handled, the last check-in, the one-offs waiting, the recent touches, the silences per
channel, the pinned holidays, the replies waiting to be classified and a `not_now` reply's day.
What only the workflow's own bookkeeping needs (vacancies heard of, drafts' outcomes, the touch
it waits for) is left at its default: it changes nothing in a plan, and would otherwise make
every such change another write.

As JSON: the workflow compares the text with what it stored last (it stores again only when it
changed) and the API reads it back into a `CandidateState`, as Temporal decodes the workflow's
own input.
"""

from __future__ import annotations

import json
from typing import Any

from temporalio.converter import AdvancedJSONEncoder, value_to_type

from rapport.outreach.state import CandidateState
from rapport.payloads import FIELDS


def view(state: CandidateState) -> CandidateState:
    """`state` with only what the planner reads."""
    return CandidateState(
        facts=state.facts,
        policy=state.policy,
        stage=state.stage,
        done_through=state.done_through,
        last_check_in_at=state.last_check_in_at,
        pending=state.pending,
        recent=state.recent,
        unanswered=state.unanswered,
        holidays=state.holidays,
        replies_to_classify=state.replies_to_classify,
        resume_on=state.resume_on,
    )


def to_text(state: CandidateState) -> str:
    """The plan state as JSON text, the same text for the same state (keys sorted)."""
    return json.dumps(view(state), cls=AdvancedJSONEncoder, sort_keys=True, separators=(",", ":"))


def from_json(data: dict[str, Any]) -> CandidateState:
    """A stored plan state back as the state the planner takes."""
    state: CandidateState = value_to_type(CandidateState, data, FIELDS.converters)
    return state

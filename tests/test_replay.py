"""Every recorded history replays with today's workflow code: a change that would break a
workflow already running in production (a command added, removed or reordered without
`workflow.patched`, a payload that no longer decodes) fails here.

The histories were recorded with the payload codec off (plain JSON); the older ones by hand,
those of tests/record_histories.py by running it. They replay through the converter the worker
runs with (`rapport.codec.data_converter`, without a key). Add a history before changing a
workflow.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from rapport.codec import data_converter
from rapport.contracts.candidate import CandidateInput
from rapport.vocabulary import Channel, Rapport, SenderRole, Stage
from worker import WORKFLOWS

HISTORIES = Path(__file__).resolve().parent / "histories"
CONVERTER = data_converter(None)
RECORDED = {path.stem: path.read_text() for path in sorted(HISTORIES.glob("*.json"))}


def test_there_are_histories_of_every_workflow() -> None:
    kinds = {name.split("_")[0] for name in RECORDED}
    assert kinds >= {"candidate", "vacancy", "campaign", "owner", "mailbox"}, kinds


@pytest.mark.parametrize("name", sorted(RECORDED))
async def test_a_recorded_history_replays(name: str) -> None:
    history = WorkflowHistory.from_json(name, RECORDED[name])
    result = await Replayer(workflows=list(WORKFLOWS), data_converter=CONVERTER).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert result.replay_failure is None, result.replay_failure


def test_old_payloads_decode_into_the_vocabulary() -> None:
    """A state recorded when its fields were plain strings decodes into the StrEnums, and
    the fields added since take their defaults."""
    history = WorkflowHistory.from_json("old", RECORDED["candidate_not_interested"])
    started = history.events[0].workflow_execution_started_event_attributes
    [state_input] = CONVERTER.payload_converter.from_payloads(
        started.input.payloads, [CandidateInput]
    )
    state = state_input.state
    assert state.stage is Stage.NURTURING
    assert type(state.facts.rapport) is Rapport and type(state.facts.owner_role) is SenderRole
    assert [type(channel) for channel in state.facts.consent] == [Channel]
    assert (state.closed_vacancies, state.task_outcomes, state.hand_over) == ([], {}, None)


def test_policies_recorded_before_spacing_decode_with_it_off() -> None:
    """A workflow started before the spacing rules replays without them: its policy has no
    such fields, and their defaults leave the planner deciding as it did."""
    for name in ("candidate_not_interested", "candidate_every_occasion"):
        history = WorkflowHistory.from_json(name, RECORDED[name])
        started = history.events[0].workflow_execution_started_event_attributes
        assert b"greeting_quiet_days" not in started.input.payloads[0].data
        [state_input] = CONVERTER.payload_converter.from_payloads(
            started.input.payloads, [CandidateInput]
        )
        policy = state_input.state.policy
        assert (policy.greeting_quiet_days, policy.one_touch_per_day) == (0, False)

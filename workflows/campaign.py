"""The campaign workflow (`campaign-<id>`): marketing invites a segment; each candidate's own
workflow fits the invitation into its budget and channel policy."""

from __future__ import annotations

from temporalio import workflow

# Workflow code, imported inside the sandbox rather than passed through.
import workflows.fanout as fanout
from workflows.candidate import CandidateWorkflow

with workflow.unsafe.imports_passed_through():
    from rapport.contracts.candidate import InvitationReceived
    from rapport.contracts.fanout import FanOutInput, FanOutState, FanOutStatusQuery, Recipient


@workflow.defn(name="CampaignWorkflow")
class CampaignWorkflow:
    @workflow.init
    def __init__(self, input: FanOutInput) -> None:
        self._state: FanOutState = input.state

    @workflow.run
    async def run(self, input: FanOutInput) -> FanOutState:
        state = self._state
        await fanout.fan_out(state, CandidateWorkflow.invitation, invited, stop=lambda: False)
        if not state.fanned_out:
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(FanOutInput(state=state))
        workflow.set_current_details(
            f"done: {state.matched} in the segment, {state.signalled} invited"
        )
        return state

    @workflow.query(name="status")
    def status(self, _: FanOutStatusQuery) -> FanOutState:
        return self._state


def invited(recipient: Recipient) -> InvitationReceived:
    return InvitationReceived(
        invitation_id=recipient.ref_id,
        sender_role=recipient.sender_role,
        sender=recipient.sender,
        deadline=recipient.deadline,
    )

"""The vacancy workflow (`vacancy-<id>`): find who fits, tell each candidate's workflow, and when
the vacancy closes, cancel what has not gone out yet. The owners hear of the matches in their
daily digest (workflows/digest.py), not from here."""

from __future__ import annotations

from temporalio import workflow

# Workflow code, imported inside the sandbox rather than passed through.
import workflows.fanout as fanout
from workflows.candidate import CandidateWorkflow

with workflow.unsafe.imports_passed_through():
    import rapport.timeouts as timeouts
    from activities.fanout import FanOutActivities
    from rapport.contracts.candidate import VacancyClosed, VacancyOpened
    from rapport.contracts.fanout import (
        CloseMatchesInput,
        CloseVacancy,
        FanOutInput,
        FanOutState,
        FanOutStatusQuery,
        MarkMatchesInput,
        Recipient,
    )
    from rapport.vocabulary import MatchStatus


# Before it, the owners' digest was sent by each vacancy; now by the daily digest workflow.
DAILY_DIGEST_PATCH = "owner-daily-digest"
CLOSE_IN_PAGES = "close-in-pages"


@workflow.defn(name="VacancyWorkflow")
class VacancyWorkflow:
    @workflow.init
    def __init__(self, input: FanOutInput) -> None:
        self._state: FanOutState = input.state

    @workflow.run
    async def run(self, input: FanOutInput) -> FanOutState:
        state = self._state
        unreachable = await fanout.fan_out(
            state, CandidateWorkflow.vacancy_opened, opened, stop=lambda: state.closed
        )
        if unreachable:
            unreached = "candidate's workflow is not running"
            await self._mark(unreachable, MatchStatus.SKIPPED, unreached)
        if not state.fanned_out and not state.closed:
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(FanOutInput(state=state))

        if not workflow.patched(DAILY_DIGEST_PATCH) and not state.closed:
            # Runs that fanned out before the daily digest existed sent a digest per vacancy
            # here; they replay the same step (the activity is now a no-op).
            await workflow.execute_activity_method(
                FanOutActivities.send_digests,
                CloseMatchesInput(vacancy_id=state.target_id),
                start_to_close_timeout=timeouts.DATABASE_START_TO_CLOSE,
                retry_policy=timeouts.DATABASE_RETRY,
                summary="digest to each owner",
            )

        workflow.set_current_details(
            f"open: {state.matched} matched, {state.signalled} signalled; waiting to close"
        )
        await workflow.wait_condition(lambda: state.closed, timeout_summary="until closed")
        if not workflow.patched(CLOSE_IN_PAGES):
            # Runs closed before closing went in pages replay their single page.
            everyone = await workflow.execute_activity_method(
                FanOutActivities.close_matches,
                CloseMatchesInput(vacancy_id=state.target_id),
                start_to_close_timeout=timeouts.MATCH_PAGE_START_TO_CLOSE,
                retry_policy=timeouts.DATABASE_RETRY,
                summary="cancel what has not gone out",
            )
            await fanout.signal_each(
                everyone.candidate_ids,
                CandidateWorkflow.vacancy_closed,
                VacancyClosed(vacancy_id=state.target_id),
                state.concurrency,
            )
            return state
        # In pages, continuing as new when the history grows: tens of thousands may still be
        # pending when a vacancy closes right after it opened.
        while True:
            page = await workflow.execute_activity_method(
                FanOutActivities.close_matches,
                CloseMatchesInput(state.target_id, state.close_cursor, state.page_size),
                start_to_close_timeout=timeouts.MATCH_PAGE_START_TO_CLOSE,
                retry_policy=timeouts.DATABASE_RETRY,
                summary=f"cancel what has not gone out, after {state.close_cursor or 'the start'}",
            )
            await fanout.signal_each(
                page.candidate_ids,
                CandidateWorkflow.vacancy_closed,
                VacancyClosed(vacancy_id=state.target_id),
                state.concurrency,
            )
            state.cancelled += len(page.candidate_ids)
            workflow.set_current_details(f"closing: {state.cancelled} pending cancelled")
            if len(page.candidate_ids) < state.page_size:
                break
            state.close_cursor = page.candidate_ids[-1]
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(FanOutInput(state=state))
        workflow.set_current_details(f"closed: {state.cancelled} pending cancelled")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return state

    @workflow.signal(name="close")
    def close(self, _: CloseVacancy) -> None:
        self._state.closed = True

    @workflow.query(name="status")
    def status(self, _: FanOutStatusQuery) -> FanOutState:
        return self._state

    async def _mark(self, recipients: list[Recipient], status: MatchStatus, reason: str) -> None:
        await workflow.execute_activity_method(
            FanOutActivities.mark_matches,
            MarkMatchesInput(
                vacancy_id=self._state.target_id,
                candidate_ids=[recipient.candidate_id for recipient in recipients],
                status=status,
                reason=reason,
            ),
            start_to_close_timeout=timeouts.DATABASE_START_TO_CLOSE,
            retry_policy=timeouts.DATABASE_RETRY,
            summary=f"{len(recipients)} unreachable",
        )


def opened(recipient: Recipient) -> VacancyOpened:
    return VacancyOpened(
        vacancy_id=recipient.ref_id, sender_role=recipient.sender_role, sender=recipient.sender
    )

"""Paging through matching candidates and signalling each one's workflow, with bounded
concurrency. Shared by the vacancy and campaign workflows; deterministic code only.

Signals are sent by the workflow itself, not an activity, so they are recorded in its history:
after a worker restart the replay does not send them again, and candidate workflows also ignore
a vacancy they have already heard of.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from temporalio import workflow

from workflows.candidate import CandidateWorkflow

with workflow.unsafe.imports_passed_through():
    import rapport.timeouts as timeouts
    from activities.fanout import FanOutActivities
    from rapport.contracts.fanout import FanOutState, MatchPageInput, Recipient

# Pages per run before continue-as-new: each page adds a few events per candidate signalled.
PAGES_PER_RUN = 20

Argument = TypeVar("Argument")
# A candidate workflow's signal handler, named by the method itself (as in
# `CandidateWorkflow.vacancy_opened`), never by a string.
Signal = Callable[[CandidateWorkflow, Argument], None]


async def fan_out(
    state: FanOutState,
    signal: Signal[Argument],
    argument: Callable[[Recipient], Argument],
    *,
    stop: Callable[[], bool],
) -> list[Recipient]:
    """Page and signal until done, stopped, or the run should continue as new.

    Returns the recipients whose workflow could not be signalled (ended or never started).
    """
    unreachable: list[Recipient] = []
    pages = 0
    while not state.fanned_out and not stop() and pages < PAGES_PER_RUN:
        page = await workflow.execute_activity_method(
            FanOutActivities.match_page,
            MatchPageInput(
                kind=state.kind,
                target_id=state.target_id,
                after=state.cursor,
                limit=state.page_size,
            ),
            start_to_close_timeout=timeouts.MATCH_PAGE_START_TO_CLOSE,
            retry_policy=timeouts.DATABASE_RETRY,
            summary=f"match page after {state.cursor or 'the start'}",
        )
        for start in range(0, len(page.recipients), state.concurrency):
            chunk = page.recipients[start : start + state.concurrency]
            results = await asyncio.gather(
                *(
                    _signal(recipient.candidate_id, signal, argument(recipient))
                    for recipient in chunk
                )
            )
            for recipient, reached in zip(chunk, results, strict=True):
                if reached:
                    state.signalled += 1
                else:
                    state.unreachable += 1
                    unreachable.append(recipient)
        state.scanned += page.scanned
        state.matched += len(page.recipients)
        state.cursor = page.next_cursor
        state.fanned_out = page.next_cursor is None
        pages += 1
        workflow.set_current_details(
            f"fanning out: {state.scanned} candidates scanned, {state.matched} matched, "
            f"{state.signalled} signalled"
        )
        if workflow.info().is_continue_as_new_suggested():
            break
    return unreachable


async def _signal(candidate_id: str, signal: Signal[Argument], argument: Argument) -> bool:
    handle = workflow.get_external_workflow_handle_for(
        CandidateWorkflow.run, f"candidate-{candidate_id}"
    )
    try:
        await handle.signal(signal, argument)
    except Exception:
        # Its workflow has ended (opted out, hired, erased) or never started.
        return False
    return True


async def signal_each(
    candidate_ids: list[str], signal: Signal[Argument], argument: Argument, concurrency: int
) -> None:
    for start in range(0, len(candidate_ids), concurrency):
        chunk = candidate_ids[start : start + concurrency]
        await asyncio.gather(*(_signal(candidate_id, signal, argument) for candidate_id in chunk))

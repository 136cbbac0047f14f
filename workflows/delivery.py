"""Delivering a candidate's touch: send it, or open a draft for a person and wait for it, fall
back to another channel when nobody acted, withdraw it when it can no longer go, and record
what became of it in the candidate's state. Deterministic workflow code, over CandidateState
only: all a candidate's workflow knows is in that one model.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.versions import DRAFTS_WITHDRAWN_ON_ANY_CLOSE, FALLBACKS_KEEP_THE_WINDOW, taken

with workflow.unsafe.imports_passed_through():
    import rapport.outreach.fallbacks as fallbacks
    import rapport.outreach.planning as planning
    import rapport.outreach.timing as timing
    import rapport.timeouts as timeouts
    from activities.touches import TouchActivities
    from rapport.contracts.touches import (
        CloseTaskInput,
        EngagedInput,
        OpenTaskInput,
        SendTouchInput,
        vacancy_ids_of,
    )
    from rapport.names import CHANNEL_WORDS
    from rapport.outreach.state import CandidateState, HandOver, PlannedTouch, SentRecord
    from rapport.search_attributes import awaiting_updates
    from rapport.vocabulary import Channel, Occasion, Stage, TaskStatus, TouchStatus

RECENT_KEPT = 20
VACANCY_CLOSED = "cancelled: vacancy closed"
# What became of a touch: how its send went, or how its draft ended.
Outcome = TouchStatus | TaskStatus

# Keeps the workflow's search attributes current for a touch (the workflow's own publisher).
Publish = Callable[[PlannedTouch | None], None]


async def carry_out(state: CandidateState, touch: PlannedTouch, publish: Publish) -> None:
    """Deliver a touch, falling back to another channel when a person did not act."""
    outcome: Outcome = TouchStatus.SKIPPED
    channel, assisted = touch.channel, touch.assisted
    withdrawn_for_close = False
    tried: list[Channel] = []
    if touch.skip or channel is None:
        await send(state, request(state, touch, None, 0))
    while channel is not None and not touch.skip:
        if tried and taken(state, FALLBACKS_KEEP_THE_WINDOW):
            channel, assisted, reason = await in_the_window(state, touch, tried, assisted)
            if channel is None:
                skipped = request(state, touch, None, len(tried))
                skipped.reason = f"{tried[-1]} draft not sent by its deadline; {reason}"
                await send(state, skipped)
                break
        if assisted:
            outcome, withdrawn_for_close = await wait_for_person(
                state, touch, channel, len(tried), publish
            )
            if outcome != TaskStatus.EXPIRED:
                break
            tried.append(channel)
            channel, assisted, reason = planning.fallback_channel(state, touch, tried)
            if channel is None or state.stage != Stage.NURTURING:
                skipped = request(state, touch, None, len(tried))
                skipped.reason = f"{tried[-1]} draft not sent by its deadline; {reason}"
                await send(state, skipped)
                break
        else:
            outcome = await send(state, request(state, touch, channel, len(tried)))
            break
    after(state, touch, outcome, channel, withdrawn_for_close)


async def in_the_window(
    state: CandidateState, touch: PlannedTouch, tried: list[Channel], assisted: bool
) -> tuple[Channel | None, bool, str | None]:
    """A fallback's channel once it may go: an email waits for the send window to open, and
    neither an email nor a draft goes past the touch's last moment (None, with the reason)."""
    now = workflow.now()
    if (withdrawn := fallbacks.withdrawn(state, touch)) is not None:
        return None, False, withdrawn
    if assisted:
        moment = fallbacks.draft_deadline(state, touch, now, touch.deadline or now)
        if moment.at is None:
            return None, False, moment.reason
        return planning.fallback_channel(state, touch, tried)
    moment = fallbacks.send_moment(state, touch, now)
    if moment.at is None:
        return None, False, moment.reason
    if moment.at > now:
        workflow.set_current_details(f"fallback waits for the send window: {moment.at:%H:%M}Z")
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: fallbacks.withdrawn(state, touch) is not None, timeout=moment.at - now
            )
    withdrawn = fallbacks.withdrawn(state, touch)
    if withdrawn is not None:
        return None, False, withdrawn
    # Opt-outs may have come while it waited: choose again.
    return planning.fallback_channel(state, touch, tried)


def request(
    state: CandidateState, touch: PlannedTouch, channel: Channel | None, attempt: int
) -> SendTouchInput:
    key = touch.idempotency_key if attempt == 0 else f"{touch.idempotency_key}:{channel}"
    return SendTouchInput(
        candidate_id=state.facts.candidate_id,
        occasion=touch.occasion,
        channel=channel,
        sender_role=touch.sender_role,
        due_at=touch.due_at,
        local_date=touch.local_date,
        idempotency_key=key,
        reason=touch.reason,
        sender=touch.sender,
        ref_id=touch.ref_id,
        vacancy_ids=vacancy_ids_of(touch),
    )


async def send(state: CandidateState, request: SendTouchInput) -> Outcome:
    """Send (or record as skipped) through the send activity: what became of it."""
    summary = f"{request.occasion} by {request.channel or 'nobody'}"
    workflow.set_current_details(f"sending {summary}")
    try:
        result = await workflow.execute_activity_method(
            TouchActivities.send_touch,
            request,
            start_to_close_timeout=timeouts.SEND_TOUCH_START_TO_CLOSE,
            schedule_to_close_timeout=timeouts.SEND_TOUCH_SCHEDULE_TO_CLOSE,
            retry_policy=timeouts.SEND_TOUCH_RETRY,
            summary=summary,
        )
    except ActivityError:
        # Retries ran out (SMTP, the note provider or PostgreSQL down for hours): this
        # moment has passed, so move on rather than loop on a touch that is now late.
        workflow.logger.warning("touch %s gave up after retries", request.idempotency_key)
        return TouchStatus.FAILED
    if result.candidate_gone:
        state.stage = Stage.ERASED
    return result.status


async def wait_for_person(
    state: CandidateState, touch: PlannedTouch, channel: Channel, attempt: int, publish: Publish
) -> tuple[Outcome, bool]:
    """Open a task for a person and wait for it, up to the deadline: the task's outcome, and
    whether it was withdrawn because a vacancy it named closed."""
    draft = request(state, touch, channel, attempt)
    any_close = False
    if touch.occasion == Occasion.VACANCY:
        any_close = taken(state, DRAFTS_WITHDRAWN_ON_ANY_CLOSE)
    deadline = touch.deadline or workflow.now() + timedelta(days=1)
    if attempt > 0:
        capped = fallbacks.draft_deadline(state, touch, workflow.now(), deadline)
        deadline = workflow.now() + (deadline - touch.due_at)
        if capped.at is not None and taken(state, FALLBACKS_KEEP_THE_WINDOW):
            deadline = capped.at
    opened = await workflow.execute_activity_method(
        TouchActivities.open_task,
        OpenTaskInput(touch=draft, deadline=deadline),
        start_to_close_timeout=timeouts.DATABASE_START_TO_CLOSE,
        retry_policy=timeouts.DATABASE_RETRY,
        summary=f"task: {channel} for {touch.occasion}",
    )
    if opened.candidate_gone:
        state.stage = Stage.ERASED
        return TouchStatus.SKIPPED, False
    if opened.task_id is None:
        return opened.status, False
    task_id = opened.task_id
    state.waiting_for_task = task_id
    tz = timing.zone(state.facts.timezone)
    who = touch.sender or "the owner"
    workflow.set_current_details(
        f"waiting for {who} to send {CHANNEL_WORDS.get(channel, channel)} "
        f"({touch.occasion.replace('_', ' ')}), deadline "
        f"{deadline.astimezone(tz):%Y-%m-%d %H:%M} {state.facts.timezone}"
    )
    publish(touch)
    workflow.upsert_search_attributes(
        awaiting_updates(touch.sender or "unassigned", workflow.now())
    )

    def settled() -> bool:
        return task_id in state.task_outcomes or cancelled(state, channel, touch, any_close)

    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(
            settled,
            timeout=max(deadline - workflow.now(), timedelta(seconds=1)),
            timeout_summary=f"{channel} draft with {who} until {deadline:%Y-%m-%d %H:%M}Z",
        )
    state.waiting_for_task = None
    workflow.upsert_search_attributes(awaiting_updates(None, None))
    if task_id in state.task_outcomes:
        outcome = state.task_outcomes[task_id]
        # Only one draft is waited for at a time: any other outcome is of one long closed.
        state.task_outcomes = {}
        return outcome, False
    withdrawn = cancelled(state, channel, touch, any_close)
    reason = cancel_reason(state, channel) if withdrawn else "not sent by its deadline"
    closed = await workflow.execute_activity_method(
        TouchActivities.close_task,
        CloseTaskInput(
            task_id=task_id,
            status=TaskStatus.CANCELLED if withdrawn else TaskStatus.EXPIRED,
            reason=reason,
            vacancy_closed=reason == VACANCY_CLOSED,
        ),
        start_to_close_timeout=timeouts.DATABASE_START_TO_CLOSE,
        retry_policy=timeouts.DATABASE_RETRY,
        summary=f"close task {'cancelled' if withdrawn else 'expired'}",
    )
    return closed.outcome, reason == VACANCY_CLOSED


def cancelled(
    state: CandidateState,
    channel: Channel,
    touch: PlannedTouch | None = None,
    any_close: bool = False,
) -> bool:
    """The draft must not go out: they are no longer nurtured, opted out of its channel, or
    it names a vacancy that has closed (all it names, or any of them with `any_close`)."""
    if touch and touch.occasion == Occasion.VACANCY and closed_in(state, touch):
        named = set(vacancy_ids_of(touch))
        if named <= set(state.closed_vacancies) or any_close:
            return True
    return state.stage != Stage.NURTURING or channel in state.facts.opt_outs


def closed_in(state: CandidateState, touch: PlannedTouch) -> set[str]:
    return set(vacancy_ids_of(touch)) & set(state.closed_vacancies)


def cancel_reason(state: CandidateState, channel: Channel) -> str:
    if state.stage != Stage.NURTURING:
        return f"cancelled: {state.stage}"
    if channel in state.facts.opt_outs:
        return f"cancelled: opted out of {channel}"
    return VACANCY_CLOSED


async def drop_pending(state: CandidateState, reason: str) -> None:
    """One-off touches that can no longer go (engaged, paused): recorded as skipped."""
    now = workflow.now()
    dropped = list(state.pending)
    for pending in dropped:
        touch = PlannedTouch(
            occasion=pending.occasion,
            channel=None,
            sender_role=pending.sender_role,
            due_at=now,
            local_date=now.date().isoformat(),
            summary=f"{pending.occasion} dropped",
            idempotency_key=planning.idempotency_key(
                state.facts.candidate_id, pending.occasion, pending.ref_id
            ),
            reason=reason,
            sender=pending.sender,
            ref_id=pending.ref_id,
            skip=True,
            vacancy_ids=[pending.ref_id] if pending.occasion == Occasion.VACANCY else [],
        )
        await send(state, request(state, touch, None, 0))
    # Only these: a vacancy or an invitation signalled meanwhile waits its turn.
    state.pending = [p for p in state.pending if p not in dropped]


def after(
    state: CandidateState,
    touch: PlannedTouch,
    outcome: Outcome,
    channel: Channel | None,
    withdrawn_for_close: bool,
) -> None:
    """Record what became of a touch: greetings done, pending answered, what was sent."""
    now = workflow.now()
    if touch.occasion in planning.GREETINGS:
        state.done_through[touch.occasion] = touch.local_date
    elif touch.occasion == Occasion.CHECK_IN:
        state.last_check_in_at = now
    # The one-offs it answers: its vacancies, or the meeting or invitation it is about.
    answered = set(vacancy_ids_of(touch))
    if touch.occasion != Occasion.VACANCY and touch.ref_id:
        answered = {touch.ref_id}
    if outcome == TaskStatus.CANCELLED and withdrawn_for_close:
        # Withdrawn because one of its vacancies closed: the others are planned again.
        answered = closed_in(state, touch)
    state.pending = [pending for pending in state.pending if pending.ref_id not in answered]
    if outcome == TouchStatus.SENT and channel is not None:
        state.recent = [*state.recent, SentRecord(touch.occasion, channel, now)][-RECENT_KEPT:]
        state.unanswered = {**state.unanswered, channel: state.unanswered.get(channel, 0) + 1}
        state.touches_made += 1


async def hand_over(state: CandidateState, reply: HandOver) -> None:
    """A candidate replied with interest: a person takes over, with a task to follow up on
    the last touch they had (or the channel they replied on)."""
    last = state.recent[-1] if state.recent else None
    await workflow.execute_activity_method(
        TouchActivities.open_engaged_task,
        EngagedInput(
            candidate_id=state.facts.candidate_id,
            interaction_id=reply.interaction_id,
            owner=state.facts.owner,
            occasion=last.occasion if last else None,
            channel=reply.channel or (last.channel if last else None),
        ),
        start_to_close_timeout=timeouts.DATABASE_START_TO_CLOSE,
        retry_policy=timeouts.DATABASE_RETRY,
        summary="task: follow up on an interested reply",
    )

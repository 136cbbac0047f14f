"""The candidate workflow: one per candidate, asleep until the next touch, for years.

It plans with the pure planner, sends through activities, waits for a person where LinkedIn or
a handwritten note needs one, and reacts to signals: a profile change, a meeting in person, a
reply, an opt-out, an invitation, a change of stage, a task closed in the inbox.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    # `import a.b as b`, not `from a import b`: the latter resolves the submodule inside the
    # sandbox, where `zoneinfo` is a restricted proxy and `astimezone` then fails.
    import workflows.planning as planning
    import workflows.policy as policy
    import workflows.timeouts as timeouts
    from rapport.names import CHANNEL_WORDS, name_from_email
    from rapport.vocabulary import Occasion, Sentiment, Stage, TaskStatus, TouchStatus
    from workflows.models import (
        CandidateInput,
        CandidateState,
        CandidateStatus,
        CloseTaskInput,
        CloseTaskResult,
        EngagedInput,
        InvitationReceived,
        MetInPerson,
        OneOff,
        OpenTaskInput,
        OpenTaskResult,
        OptedOut,
        Plan,
        PlannedTouch,
        PlanQuery,
        ProfileUpdated,
        Replied,
        SendTouchInput,
        SendTouchResult,
        SentRecord,
        StageChange,
        StatusQuery,
        TaskClosed,
        VacancyClosed,
        VacancyOpened,
    )
    from workflows.search_attributes import awaiting_updates, candidate_updates

# Stages in which the workflow has nothing left to do and ends.
ENDED = {Stage.OPTED_OUT.value, Stage.HIRED.value, Stage.ARCHIVED.value, Stage.ERASED.value}
# Stages that hold outreach without ending it.
HELD = {Stage.ENGAGED.value, Stage.PAUSED.value}
RECENT_KEPT = 20
VACANCIES_KEPT = 200
VACANCY_CLOSED = "cancelled: vacancy closed"
# Changes of behaviour that histories recorded before them must not see on replay.
PENDING_NOT_LEFT_WAITING = "pending-one-offs-of-ended-or-uninterested-dropped"
DRAFTS_WITHDRAWN_ON_ANY_CLOSE = "vacancy-drafts-withdrawn-when-any-of-their-vacancies-closes"


@workflow.defn(name="CandidateWorkflow")
class CandidateWorkflow:
    @workflow.init
    def __init__(self, input: CandidateInput) -> None:
        self._state: CandidateState = input.state
        self._replan = False
        self._next: PlannedTouch | None = None
        self._published: tuple[object, ...] | None = None
        self._task_outcomes: dict[str, str] = {}
        self._waiting_task: str | None = None
        self._engaged: Replied | None = None
        self._closed_vacancies: set[str] = set()
        # The draft just closed was withdrawn because a vacancy it named closed.
        self._withdrawn_for_close = False
        self._withdraws_on_any_close = False

    @workflow.run
    async def run(self, input: CandidateInput) -> None:
        state = self._state
        if state.run_started_at is None:
            state.run_started_at = workflow.now()
        run_ends_at = state.run_started_at + timeouts.RUN_LENGTH

        while True:
            self._replan = False
            if self._engaged is not None:
                await self._hand_over(self._engaged)
                self._engaged = None
            if state.stage in HELD and state.pending:
                await self._drop_pending(f"candidate is {state.stage}")
            if (
                state.facts.greetings_only
                and state.pending
                and state.stage not in ENDED
                and workflow.patched(PENDING_NOT_LEFT_WAITING)
            ):
                await self._drop_pending("greetings only: they are not interested")
            if state.stage in ENDED:
                if (
                    state.pending
                    and state.stage != Stage.ERASED.value
                    and workflow.patched(PENDING_NOT_LEFT_WAITING)
                ):
                    await self._drop_pending(f"candidate is {state.stage}")
                self._next = None
                self._publish(None)
                workflow.set_current_details(f"ended: {state.stage}")
                await workflow.wait_condition(workflow.all_handlers_finished)
                return
            now = workflow.now()
            touch = planning.next_touch(state, now)
            self._next = touch
            self._publish(touch)

            if now >= run_ends_at or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                state.run_started_at = None
                workflow.continue_as_new(CandidateInput(state=state))

            wake_at = run_ends_at if touch is None else min(touch.due_at, run_ends_at)
            if wake_at > now:
                workflow.set_current_details(self._details(touch))
                interrupted = await self._sleep_until(wake_at, touch)
                if interrupted or touch is None or workflow.now() < touch.due_at:
                    continue
            assert touch is not None
            await self._carry_out(touch)

    # --- signals and queries --------------------------------------------------------------
    @workflow.signal(name="profile_updated")
    def profile_updated(self, update: ProfileUpdated) -> None:
        self._state.facts = update.facts
        self._replan = True

    @workflow.signal(name="met_in_person")
    def met_in_person(self, met: MetInPerson) -> None:
        facts = self._state.facts
        facts.rapport = met.rapport
        if facts.relationship_origin not in policy.MET_IN_PERSON:
            facts.relationship_origin = "in_person_event"
        if all(pending.ref_id != met.interaction_id for pending in self._state.pending):
            self._state.pending.append(
                planning.event_follow_up(
                    date.fromisoformat(met.met_on),
                    facts.timezone,
                    met.interaction_id,
                    met.met_by or facts.owner,
                    met.met_by_role if met.met_by else facts.owner_role,
                )
            )
        self._replan = True

    @workflow.signal(name="replied")
    def replied(self, reply: Replied) -> None:
        # Any reply breaks the silence on every channel.
        self._state.unanswered = {}
        if reply.sentiment == Sentiment.INTERESTED.value:
            if self._state.stage == Stage.NURTURING.value:
                self._state.stage = Stage.ENGAGED.value
            self._engaged = reply
        elif reply.sentiment == Sentiment.NOT_INTERESTED.value:
            self._state.facts.greetings_only = True
        self._replan = True

    @workflow.signal(name="opted_out")
    def opted_out(self, opt_out: OptedOut) -> None:
        if not opt_out.channels:
            self._state.stage = Stage.OPTED_OUT.value
        else:
            facts = self._state.facts
            facts.opt_outs = sorted(set(facts.opt_outs) | set(opt_out.channels))
        self._replan = True

    @workflow.signal(name="invitation")
    def invitation(self, invited: InvitationReceived) -> None:
        if all(pending.ref_id != invited.invitation_id for pending in self._state.pending):
            self._state.pending.append(
                OneOff(
                    occasion=Occasion.INVITATION.value,
                    ref_id=invited.invitation_id,
                    sender_role=invited.sender_role,
                    sender=invited.sender or self._state.facts.owner,
                    not_before=workflow.now(),
                    deadline=invited.deadline,
                )
            )
        self._replan = True

    @workflow.signal(name="vacancy_opened")
    def vacancy_opened(self, opened: VacancyOpened) -> None:
        state = self._state
        if opened.vacancy_id in state.vacancies_seen:
            return  # a repeated signal: the message is already planned or made
        state.vacancies_seen = [*state.vacancies_seen, opened.vacancy_id][-VACANCIES_KEPT:]
        state.pending.append(
            OneOff(
                occasion=Occasion.VACANCY.value,
                ref_id=opened.vacancy_id,
                sender_role=opened.sender_role,
                sender=opened.sender or state.facts.owner,
                # A short wait, so vacancies matched together go out in one message.
                not_before=workflow.now() + timedelta(seconds=state.policy.vacancy_batch_seconds),
            )
        )
        self._replan = True

    @workflow.signal(name="vacancy_closed")
    def vacancy_closed(self, closed: VacancyClosed) -> None:
        self._closed_vacancies.add(closed.vacancy_id)
        self._state.pending = [
            pending for pending in self._state.pending if pending.ref_id != closed.vacancy_id
        ]
        self._replan = True

    @workflow.signal(name="stage_changed")
    def stage_changed(self, change: StageChange) -> None:
        if self._state.stage not in ENDED:
            self._state.stage = change.stage
        self._replan = True

    @workflow.signal(name="task_closed")
    def task_closed(self, closed: TaskClosed) -> None:
        self._task_outcomes[closed.task_id] = closed.outcome

    @workflow.query(name="status")
    def status(self, _: StatusQuery) -> CandidateStatus:
        return CandidateStatus(
            candidate_id=self._state.facts.candidate_id,
            stage=self._state.stage,
            next_touch=self._next,
            touches_made=self._state.touches_made,
            done_through=dict(self._state.done_through),
            waiting_for_task=self._waiting_task,
        )

    @workflow.query(name="plan")
    def plan(self, query: PlanQuery) -> Plan:
        return Plan(items=planning.plan(self._state, workflow.now(), timedelta(days=query.days)))

    @workflow.query(name="state")
    def full_state(self, _: StatusQuery) -> CandidateState:
        return self._state

    # --- sleeping -------------------------------------------------------------------------
    async def _sleep_until(self, wake_at: datetime, touch: PlannedTouch | None) -> bool:
        """Sleep until `wake_at`; True when a signal asked for a re-plan first."""
        summary = touch.summary if touch and wake_at == touch.due_at else "end of this run"
        try:
            await workflow.wait_condition(
                lambda: self._replan or self._engaged is not None,
                timeout=max(wake_at - workflow.now(), timedelta(seconds=1)),
                timeout_summary=summary,
            )
        except TimeoutError:
            return False
        return True

    # --- making a touch -------------------------------------------------------------------
    def _request(self, touch: PlannedTouch, channel: str | None, attempt: int) -> SendTouchInput:
        key = touch.idempotency_key if attempt == 0 else f"{touch.idempotency_key}:{channel}"
        return SendTouchInput(
            candidate_id=self._state.facts.candidate_id,
            occasion=touch.occasion,
            channel=channel,
            sender_role=touch.sender_role,
            due_at=touch.due_at,
            local_date=touch.local_date,
            idempotency_key=key,
            reason=touch.reason,
            sender=touch.sender,
            ref_id=touch.ref_id,
        )

    async def _carry_out(self, touch: PlannedTouch) -> None:
        """Deliver a touch, falling back to another channel when a person did not act."""
        outcome = TouchStatus.SKIPPED.value
        channel, assisted = touch.channel, touch.assisted
        self._withdrawn_for_close = False
        tried: list[str] = []
        if touch.skip or channel is None:
            await self._send(self._request(touch, None, 0))
        while channel is not None and not touch.skip:
            if assisted:
                outcome = await self._assisted(touch, channel, len(tried))
                if outcome != "expired":
                    break
                tried.append(channel)
                channel, assisted, reason = planning.fallback_channel(self._state, touch, tried)
                if channel is None or self._state.stage != Stage.NURTURING.value:
                    request = self._request(touch, None, len(tried))
                    request.reason = f"{tried[-1]} draft not sent by its deadline; {reason}"
                    await self._send(request)
                    break
            else:
                outcome = await self._send(self._request(touch, channel, len(tried)))
                break
        self._after(touch, outcome, channel)

    async def _send(self, request: SendTouchInput) -> str:
        summary = f"{request.occasion} by {request.channel or 'nobody'}"
        workflow.set_current_details(f"sending {summary}")
        try:
            result: SendTouchResult = await workflow.execute_activity(
                "send_touch",
                request,
                result_type=SendTouchResult,
                start_to_close_timeout=timeouts.SEND_TOUCH_START_TO_CLOSE,
                schedule_to_close_timeout=timeouts.SEND_TOUCH_SCHEDULE_TO_CLOSE,
                retry_policy=timeouts.SEND_TOUCH_RETRY,
                summary=summary,
            )
        except ActivityError:
            # Retries ran out (SMTP, the note provider or PostgreSQL down for hours): this
            # moment has passed, so move on rather than loop on a touch that is now late.
            workflow.logger.warning("touch %s gave up after retries", request.idempotency_key)
            return TouchStatus.FAILED.value
        if result.candidate_gone:
            self._state.stage = Stage.ERASED.value
        return result.status

    async def _assisted(self, touch: PlannedTouch, channel: str, attempt: int) -> str:
        """Open a task for a person and wait for it, up to the deadline: the task's outcome."""
        request = self._request(touch, channel, attempt)
        if touch.occasion == Occasion.VACANCY.value:
            self._withdraws_on_any_close = workflow.patched(DRAFTS_WITHDRAWN_ON_ANY_CLOSE)
        deadline = touch.deadline or workflow.now() + timedelta(days=1)
        if attempt > 0:
            deadline = workflow.now() + (deadline - touch.due_at)
        opened: OpenTaskResult = await workflow.execute_activity(
            "open_task",
            OpenTaskInput(touch=request, deadline=deadline),
            result_type=OpenTaskResult,
            start_to_close_timeout=timeouts.DATABASE_START_TO_CLOSE,
            retry_policy=timeouts.DATABASE_RETRY,
            summary=f"task: {channel} for {touch.occasion}",
        )
        if opened.candidate_gone:
            self._state.stage = Stage.ERASED.value
            return TouchStatus.SKIPPED.value
        if opened.task_id is None:
            return opened.status
        task_id = opened.task_id
        self._waiting_task = task_id
        tz = planning.zone(self._state.facts.timezone)
        who = name_from_email(touch.sender, fallback="the owner")
        waiting = (
            f"waiting for {who} to send {CHANNEL_WORDS.get(channel, channel)} "
            f"({touch.occasion.replace('_', ' ')}), deadline "
            f"{deadline.astimezone(tz):%Y-%m-%d %H:%M} {self._state.facts.timezone}"
        )
        workflow.set_current_details(waiting)
        self._publish(touch)
        workflow.upsert_search_attributes(
            awaiting_updates(touch.sender or "unassigned", workflow.now())
        )

        def settled() -> bool:
            return task_id in self._task_outcomes or self._cancelled(channel, touch)

        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                settled,
                timeout=max(deadline - workflow.now(), timedelta(seconds=1)),
                timeout_summary=f"{channel} draft with {who} until {deadline:%Y-%m-%d %H:%M}Z",
            )
        self._waiting_task = None
        workflow.upsert_search_attributes(awaiting_updates(None, None))
        if task_id in self._task_outcomes:
            return self._task_outcomes.pop(task_id)
        cancelled = self._cancelled(channel, touch)
        reason = self._cancel_reason(channel) if cancelled else "not sent by its deadline"
        self._withdrawn_for_close = reason == VACANCY_CLOSED
        closed: CloseTaskResult = await workflow.execute_activity(
            "close_task",
            CloseTaskInput(
                task_id=task_id,
                status="cancelled" if cancelled else "expired",
                reason=reason,
                vacancy_closed=reason == VACANCY_CLOSED,
            ),
            result_type=CloseTaskResult,
            start_to_close_timeout=timeouts.DATABASE_START_TO_CLOSE,
            retry_policy=timeouts.DATABASE_RETRY,
            summary=f"close task {'cancelled' if cancelled else 'expired'}",
        )
        return closed.outcome

    def _cancelled(self, channel: str, touch: PlannedTouch | None = None) -> bool:
        # A draft naming a vacancy that has closed must not go out, even if it names others.
        if touch and touch.occasion == Occasion.VACANCY.value and self._closed_in(touch):
            named = set((touch.ref_id or "").split(","))
            if named <= self._closed_vacancies or self._withdraws_on_any_close:
                return True
        return self._state.stage != Stage.NURTURING.value or channel in self._state.facts.opt_outs

    def _closed_in(self, touch: PlannedTouch) -> set[str]:
        return set((touch.ref_id or "").split(",")) & self._closed_vacancies

    def _cancel_reason(self, channel: str) -> str:
        if self._state.stage != Stage.NURTURING.value:
            return f"cancelled: {self._state.stage}"
        if channel in self._state.facts.opt_outs:
            return f"cancelled: opted out of {channel}"
        return VACANCY_CLOSED

    async def _drop_pending(self, reason: str) -> None:
        """One-off touches that can no longer go (engaged, paused): recorded as skipped."""
        now = workflow.now()
        dropped = list(self._state.pending)
        for pending in dropped:
            touch = PlannedTouch(
                occasion=pending.occasion,
                channel=None,
                sender_role=pending.sender_role,
                due_at=now,
                local_date=now.date().isoformat(),
                summary=f"{pending.occasion} dropped",
                idempotency_key=planning.idempotency_key(
                    self._state.facts.candidate_id, pending.occasion, pending.ref_id
                ),
                reason=reason,
                sender=pending.sender,
                ref_id=pending.ref_id,
                skip=True,
            )
            await self._send(self._request(touch, None, 0))
        # Only these: a vacancy or an invitation signalled meanwhile waits its turn.
        self._state.pending = [p for p in self._state.pending if p not in dropped]

    def _after(self, touch: PlannedTouch, outcome: str, channel: str | None) -> None:
        state = self._state
        now = workflow.now()
        if touch.occasion in planning.GREETINGS:
            state.done_through[touch.occasion] = touch.local_date
        elif touch.occasion == Occasion.CHECK_IN.value:
            state.last_check_in_at = now
        answered = set((touch.ref_id or "").split(","))
        if outcome == TaskStatus.CANCELLED.value and self._withdrawn_for_close:
            # Withdrawn because one of its vacancies closed: the others are planned again.
            answered = self._closed_in(touch)
        state.pending = [pending for pending in state.pending if pending.ref_id not in answered]
        if outcome == TouchStatus.SENT.value and channel is not None:
            state.recent = [*state.recent, SentRecord(touch.occasion, channel, now)][-RECENT_KEPT:]
            state.unanswered = {**state.unanswered, channel: state.unanswered.get(channel, 0) + 1}
            state.touches_made += 1

    async def _hand_over(self, reply: Replied) -> None:
        """A candidate replied with interest: a person takes over, with a task to follow up."""
        # From the carried state, not a field of this run: the touch being answered may have
        # gone out before the yearly continue-as-new. Only the activity's input changes, which
        # replay does not compare, so recorded histories need no patch.
        last = self._state.recent[-1] if self._state.recent else None
        occasion, channel = (last.occasion, last.channel) if last else (None, None)
        await workflow.execute_activity(
            "open_engaged_task",
            EngagedInput(
                candidate_id=self._state.facts.candidate_id,
                interaction_id=reply.interaction_id,
                owner=self._state.facts.owner,
                occasion=occasion,
                channel=reply.channel or channel,
            ),
            start_to_close_timeout=timeouts.DATABASE_START_TO_CLOSE,
            retry_policy=timeouts.DATABASE_RETRY,
            summary="task: follow up on an interested reply",
        )

    # --- visibility -----------------------------------------------------------------------
    def _publish(self, touch: PlannedTouch | None) -> None:
        """Keep the search attributes current, upserting only what changed."""
        facts = self._state.facts
        current = (
            self._state.stage,
            facts.owner,
            touch.occasion if touch else None,
            touch.due_at if touch else None,
        )
        if current != self._published:
            workflow.upsert_search_attributes(
                candidate_updates(
                    self._state.stage,
                    facts.owner,
                    touch.occasion if touch else None,
                    touch.due_at if touch else None,
                )
            )
            self._published = current

    def _details(self, touch: PlannedTouch | None) -> str:
        stage = self._state.stage
        if touch is None:
            if stage == Stage.ENGAGED.value:
                return "engaged: a person has taken over, no automated touches"
            if stage == Stage.PAUSED.value:
                return "paused: no touches until resumed"
            return "nothing planned: waiting for new data"
        if touch.skip:
            return f"sleeping until {touch.summary}, to record a skip: {touch.reason}"
        channel = CHANNEL_WORDS.get(touch.channel or "", touch.channel or "")
        if touch.assisted:
            who = name_from_email(touch.sender, fallback="the owner")
            return f"sleeping until {touch.summary}, then {who} gets {channel} draft to send"
        return f"sleeping until {touch.summary}, then sends {channel}"

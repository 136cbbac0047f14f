"""The candidate workflow: one per candidate, asleep until the next milestone, for years."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    # `import a.b as b`, not `from a import b`: the latter resolves the submodule inside the
    # sandbox, where `zoneinfo` is a restricted proxy and `astimezone` then fails.
    import workflows.planning as planning
    import workflows.timeouts as timeouts
    from workflows.models import (
        CandidateInput,
        CandidateState,
        CandidateStatus,
        PlannedTouch,
        ProfileUpdated,
        SendTouchInput,
        SendTouchResult,
        StatusQuery,
    )
    from workflows.search_attributes import candidate_updates


@workflow.defn(name="CandidateWorkflow")
class CandidateWorkflow:
    @workflow.init
    def __init__(self, input: CandidateInput) -> None:
        self._state: CandidateState = input.state
        self._replan = False
        self._next: PlannedTouch | None = None
        self._published: tuple[str, str | None, str | None, datetime | None] | None = None

    @workflow.run
    async def run(self, input: CandidateInput) -> None:
        state = self._state
        if state.run_started_at is None:
            state.run_started_at = workflow.now()
        run_ends_at = state.run_started_at + timeouts.RUN_LENGTH

        while True:
            self._replan = False
            now = workflow.now()
            touch = planning.next_touch(state.facts, state.policy, now, state.done_through)
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
            await self._make(touch)

    @workflow.signal(name="profile_updated")
    def profile_updated(self, update: ProfileUpdated) -> None:
        self._state.facts = update.facts
        self._replan = True

    @workflow.query(name="status")
    def status(self, _: StatusQuery) -> CandidateStatus:
        return CandidateStatus(
            candidate_id=self._state.facts.candidate_id,
            stage=self._state.stage,
            next_touch=self._next,
            touches_made=self._state.touches_made,
            done_through=dict(self._state.done_through),
        )

    async def _sleep_until(self, wake_at: datetime, touch: PlannedTouch | None) -> bool:
        """Sleep until `wake_at`; True when a signal asked for a re-plan first."""
        summary = touch.summary if touch and wake_at == touch.due_at else "end of this run"
        try:
            await workflow.wait_condition(
                lambda: self._replan,
                timeout=max(wake_at - workflow.now(), timedelta(seconds=1)),
                timeout_summary=summary,
            )
        except TimeoutError:
            return False
        return True

    async def _make(self, touch: PlannedTouch) -> None:
        state = self._state
        workflow.set_current_details(f"sending {touch.occasion} by {touch.channel or 'no channel'}")
        try:
            await workflow.execute_activity(
                "send_touch",
                SendTouchInput(
                    candidate_id=state.facts.candidate_id,
                    occasion=touch.occasion,
                    channel=touch.channel,
                    sender_role=touch.sender_role,
                    due_at=touch.due_at,
                    local_date=touch.local_date,
                    idempotency_key=touch.idempotency_key,
                    reason=touch.reason,
                ),
                result_type=SendTouchResult,
                start_to_close_timeout=timeouts.SEND_TOUCH_START_TO_CLOSE,
                schedule_to_close_timeout=timeouts.SEND_TOUCH_SCHEDULE_TO_CLOSE,
                retry_policy=timeouts.SEND_TOUCH_RETRY,
                summary=f"{touch.occasion} by {touch.channel or 'no channel'}",
            )
        except ActivityError:
            # Retries ran out (SMTP or PostgreSQL down for hours): this milestone has passed,
            # so move on to the next one rather than loop on a greeting that is now late.
            workflow.logger.warning("touch %s gave up after retries", touch.idempotency_key)
        state.done_through[touch.occasion] = touch.local_date
        state.touches_made += 1

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
            workflow.upsert_search_attributes(candidate_updates(*current))
            self._published = current

    def _details(self, touch: PlannedTouch | None) -> str:
        if touch is None:
            return "nothing planned: waiting for new data"
        channel = f" by {touch.channel}" if touch.channel else f" (will skip: {touch.reason})"
        return f"sleeping until {touch.summary}{channel}"

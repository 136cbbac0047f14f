"""The candidate workflow: one per candidate, asleep until the next touch, for years.

It plans with the pure planner, sends through activities, waits for a person where LinkedIn or
a handwritten note needs one, and reacts to signals: a profile change, a meeting in person, a
reply, an opt-out, an invitation, a change of stage, a task closed in the inbox.
"""

# Annotations as objects, not strings: the SDK resolves the handlers' hints in every new run.

from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

# Workflow code of its own, imported inside the sandbox (not passed through), so that the
# contracts it imports are the sandbox's too: the converter resolves their type hints there.
import workflows.delivery as delivery
import workflows.versions as versions
from workflows.pinned_calendar import pin_holidays
from workflows.versions import PENDING_NOT_LEFT_WAITING, PLAN_STATE_STORED, STATUS_STORED, taken

with workflow.unsafe.imports_passed_through():
    # `import a.b as b`, not `from a import b`: the latter resolves the submodule inside the
    # sandbox, where `zoneinfo` is a restricted proxy and `astimezone` then fails.
    import rapport.names as names
    import rapport.outreach.planning as planning
    import rapport.outreach.policy as policy
    import rapport.plan_state as plan_state
    import rapport.timeouts as timeouts
    from activities.status import StatusActivities
    from rapport.contracts.candidate import (
        AutoReplied,
        CandidateInput,
        CandidateStatus,
        InvitationReceived,
        MetInPerson,
        OptedOut,
        Plan,
        PlanQuery,
        ProfileUpdated,
        Replied,
        StageChange,
        StatusQuery,
        TaskClosed,
        VacancyClosed,
        VacancyOpened,
    )
    from rapport.contracts.status import StatusToStore
    from rapport.outreach.state import CandidateState, HandOver, OneOff, PlannedTouch
    from rapport.search_attributes import candidate_updates, candidate_values
    from rapport.vocabulary import Occasion, RelationshipOrigin, Sentiment, Stage

# Stages in which the workflow has nothing left to do and ends.
ENDED = {Stage.OPTED_OUT, Stage.HIRED, Stage.ARCHIVED, Stage.ERASED}
# Stages that hold outreach without ending it.
HELD = {Stage.ENGAGED, Stage.PAUSED}
VACANCIES_KEPT = 200
REPLIES_KEPT = 20


@workflow.defn(name="CandidateWorkflow")
class CandidateWorkflow:
    @workflow.init
    def __init__(self, input: CandidateInput) -> None:
        # All the candidate's workflow knows, carried whole across continue-as-new.
        self._state: CandidateState = input.state
        # Two per-run flags, not state: `_replan` wakes this run's sleep for a signal (the
        # signal's effect is in the state; a new run plans afresh anyway), and `_published` is
        # what this run's search attributes hold: those it was started with (version 1), or
        # nothing, so that a run of version 0 upserts them once on start (as such runs always
        # have: their histories replay that upsert).
        self._replan = False
        self._published: tuple[object, ...] | None = None
        if versions.publishes_less(self._state):
            self._published = candidate_values(workflow.info().typed_search_attributes)
        # What this run has stored in PostgreSQL (activities.status), likewise once per run;
        # a new candidate's enrolment stored the status of the state it starts the run with.
        self._stored: tuple[object, ...] | None = None
        if input.status_stored and versions.publishes_less(self._state):
            state = self._state
            self._stored = (state.stage, state.next_touch, plan_state.to_text(state))

    @workflow.run
    async def run(self, input: CandidateInput) -> None:
        state = self._state
        if state.run_started_at is None:
            state.run_started_at = workflow.now()
        run_ends_at = state.run_started_at + timeouts.RUN_LENGTH

        while True:
            self._replan = False
            if state.hand_over is not None:
                await delivery.hand_over(state, state.hand_over)
                state.hand_over = None
            if state.stage in HELD and state.pending:
                await delivery.drop_pending(state, f"candidate is {state.stage}")
            if (
                state.facts.greetings_only
                and state.pending
                and state.stage not in ENDED
                and taken(state, PENDING_NOT_LEFT_WAITING)
            ):
                await delivery.drop_pending(state, "greetings only: they are not interested")
            if state.stage in ENDED:
                if (
                    state.pending
                    and state.stage != Stage.ERASED
                    and taken(state, PENDING_NOT_LEFT_WAITING)
                ):
                    await delivery.drop_pending(state, f"candidate is {state.stage}")
                state.next_touch = None
                self._publish(None)
                if state.stage != Stage.ERASED:
                    await self._store(None)
                workflow.set_current_details(f"ended: {state.stage}")
                await workflow.wait_condition(workflow.all_handlers_finished)
                return
            now = workflow.now()
            await pin_holidays(state, now)
            touch = planning.next_touch(state, now)
            state.next_touch = touch
            made_at_once = versions.published_once_made(
                state, touch, now, self._published, self._stored
            )
            if not made_at_once:
                self._publish(touch)

            if now >= run_ends_at or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                state.run_started_at = None
                # The next run begins at this code's version: nothing of its history is older.
                state.code_version = versions.CODE_VERSION
                workflow.continue_as_new(CandidateInput(state=state))
            if not made_at_once:
                await self._store(touch)

            wake_at = run_ends_at if touch is None else min(touch.due_at, run_ends_at)
            if wake_at > now:
                workflow.set_current_details(names.status_line(self._state, touch))
                interrupted = await self._sleep_until(wake_at, touch)
                if interrupted or touch is None or workflow.now() < touch.due_at:
                    continue
            assert touch is not None
            await delivery.carry_out(state, touch, self._publish)

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
            facts.relationship_origin = RelationshipOrigin.IN_PERSON_EVENT
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
        if reply.sentiment == Sentiment.UNCLASSIFIED:
            # Read from mail: hold everything until its owner says what it meant.
            held = self._state.replies_to_classify
            if reply.interaction_id not in held:
                self._state.replies_to_classify = [*held, reply.interaction_id][-REPLIES_KEPT:]
            self._replan = True
            return
        # The owner has said what the candidate meant: the hold, if any, is over.
        self._state.replies_to_classify = []
        self._state.resume_on = None
        if reply.sentiment == Sentiment.NOT_NOW and reply.resume_on:
            self._state.resume_on = reply.resume_on
        if reply.sentiment == Sentiment.INTERESTED:
            if self._state.stage == Stage.NURTURING:
                self._state.stage = Stage.ENGAGED
            self._state.hand_over = HandOver(reply.interaction_id, reply.channel)
        elif reply.sentiment == Sentiment.NOT_INTERESTED:
            self._state.facts.greetings_only = True
        self._replan = True

    @workflow.signal(name="auto_replied")
    def auto_replied(self, answered: AutoReplied) -> None:
        """An out-of-office answered a touch: it was no silence, so it does not count."""
        silence = self._state.unanswered.get(answered.channel, 0)
        if silence > 0:
            self._state.unanswered = {**self._state.unanswered, answered.channel: silence - 1}
            self._replan = True

    @workflow.signal(name="opted_out")
    def opted_out(self, opt_out: OptedOut) -> None:
        if not opt_out.channels:
            self._state.stage = Stage.OPTED_OUT
        else:
            facts = self._state.facts
            facts.opt_outs = sorted(set(facts.opt_outs) | set(opt_out.channels))
        self._replan = True

    @workflow.signal(name="invitation")
    def invitation(self, invited: InvitationReceived) -> None:
        if all(pending.ref_id != invited.invitation_id for pending in self._state.pending):
            self._state.pending.append(
                OneOff(
                    occasion=Occasion.INVITATION,
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
                occasion=Occasion.VACANCY,
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
        closed_vacancies = self._state.closed_vacancies
        if closed.vacancy_id not in closed_vacancies:
            self._state.closed_vacancies = [*closed_vacancies, closed.vacancy_id][-VACANCIES_KEPT:]
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
        self._state.task_outcomes[closed.task_id] = closed.outcome

    @workflow.query(name="status")
    def status(self, _: StatusQuery) -> CandidateStatus:
        return CandidateStatus(
            candidate_id=self._state.facts.candidate_id,
            stage=self._state.stage,
            next_touch=self._state.next_touch,
            touches_made=self._state.touches_made,
            done_through=dict(self._state.done_through),
            waiting_for_task=self._state.waiting_for_task,
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
                lambda: self._replan or self._state.hand_over is not None,
                timeout=max(wake_at - workflow.now(), timedelta(seconds=1)),
                timeout_summary=summary,
            )
        except TimeoutError:
            return False
        return True

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

    async def _store(self, touch: PlannedTouch | None) -> None:
        """Store the stage, the next touch and the plan state in PostgreSQL when they changed,
        for the API to read (and plan from) without waking this workflow. A local activity: no
        round trip through the task queue."""
        current: tuple[object, ...] = (self._state.stage, touch)
        state_text = None
        if taken(self._state, PLAN_STATE_STORED):
            state_text = plan_state.to_text(self._state)
            current = (*current, state_text)
        if current == self._stored or not taken(self._state, STATUS_STORED):
            return
        try:
            await workflow.execute_local_activity_method(
                StatusActivities.store_status,
                StatusToStore(
                    candidate_id=self._state.facts.candidate_id,
                    stage=self._state.stage,
                    next_touch=touch,
                    published_at=workflow.now(),
                    plan_state=state_text,
                ),
                start_to_close_timeout=timeouts.STATUS_START_TO_CLOSE,
                schedule_to_close_timeout=timeouts.STATUS_SCHEDULE_TO_CLOSE,
                retry_policy=timeouts.STATUS_RETRY,
                summary="store status",
            )
        except ActivityError:
            # The database stayed away: the API shows the status stored before, and this
            # run stores it again at its next change.
            workflow.logger.warning("status of %s not stored", self._state.facts.candidate_id)
            return
        self._stored = current

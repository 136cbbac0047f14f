"""The owners' daily digest (`owner-digest-<time>`, started by the `owner-digest` schedule): one
email per owner listing their candidates matched that day, across every vacancy."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import rapport.outreach.timing as timing
    import rapport.timeouts as timeouts
    from activities.digest import DigestActivities
    from rapport.contracts.digest import OwnerDigestInput, OwnerDigestRequest, OwnerDigestResult
    from rapport.search_attributes import SCHEDULED_START_TIME


@workflow.defn(name="OwnerDigestWorkflow")
class OwnerDigestWorkflow:
    @workflow.run
    async def run(self, input: OwnerDigestInput) -> OwnerDigestResult:
        # The day it was scheduled for, even when it runs late (caught up after an outage).
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START_TIME)
        day = timing.local_date(scheduled or workflow.now(), input.timezone).isoformat()
        workflow.set_current_details(f"digest of {day}")
        result = await workflow.execute_activity_method(
            DigestActivities.send_owner_digests,
            OwnerDigestRequest(day=day),
            start_to_close_timeout=timeouts.DIGEST_START_TO_CLOSE,
            schedule_to_close_timeout=timeouts.DIGEST_SCHEDULE_TO_CLOSE,
            heartbeat_timeout=timeouts.DIGEST_HEARTBEAT,
            retry_policy=timeouts.SEND_TOUCH_RETRY,
            summary=f"digest of {day} to each owner",
        )
        workflow.set_current_details(
            f"digest of {day}: {result.owners} owners, {result.candidates} candidates"
            f", {result.held_back} already had today's, {result.refused} refused"
        )
        return result

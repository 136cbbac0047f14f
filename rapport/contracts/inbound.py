"""What inbound processing answers (activities.inbound.InboundProcessor.ingest), and what the
candidate's workflow must be told: ids and enums only, never a message's text or sender.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapport.contracts.candidate import AutoReplied, OptedOut, ProfileUpdated, Replied
from rapport.vocabulary import InboundKind, InboundStatus

# The kinds of notice, as stored on the inbound row until delivered, and the name of the
# candidate workflow's signal each is (workflows.candidate.CandidateWorkflow).
OPTED_OUT, REPLIED, PROFILE_UPDATED, AUTO_REPLIED = (
    "opted_out",
    "replied",
    "profile_updated",
    "auto_replied",
)


@dataclass
class CandidateNotice:
    """One signal for the candidate's workflow: exactly one of the fields is set.

    A wrapper rather than a union, so that it crosses Temporal's data converter intact
    (a union of dataclasses does not decode back into the right one)."""

    replied: Replied | None = None
    opted_out: OptedOut | None = None
    profile_updated: ProfileUpdated | None = None
    auto_replied: AutoReplied | None = None

    @property
    def signal(self) -> str:
        """The workflow's signal name: replied, opted_out, profile_updated, auto_replied."""
        return next(name for name, value in self._fields() if value is not None)

    @property
    def argument(self) -> Replied | OptedOut | ProfileUpdated | AutoReplied:
        return next(value for _, value in self._fields() if value is not None)

    def _fields(
        self,
    ) -> list[tuple[str, Replied | OptedOut | ProfileUpdated | AutoReplied | None]]:
        return [
            (OPTED_OUT, self.opted_out),
            (REPLIED, self.replied),
            (PROFILE_UPDATED, self.profile_updated),
            (AUTO_REPLIED, self.auto_replied),
        ]


@dataclass
class IngestResult:
    """What became of one message.

    `status` is `duplicate` when the message had been ingested before: `inbound_id` is then
    the first one's, and `notices` are those not yet marked delivered (empty once they were),
    so that a caller that committed but failed to signal can deliver them on a retry.
    """

    inbound_id: str
    kind: InboundKind
    status: InboundStatus
    candidate_id: str | None = None
    touch_id: str | None = None
    # `candidate-<id>`: where to send the notices.
    workflow_id: str | None = None
    # In the order to deliver them (an opt-out before the reply that asked for it).
    notices: list[CandidateNotice] = field(default_factory=list)

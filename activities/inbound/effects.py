"""What each kind of message does to the candidate it matched, in PostgreSQL, and which
notices their workflow must get (rapport.contracts.inbound).

- reply: an `unclassified` interaction, a `classify_reply` task for the owner with the reply
  text, vacancy messages answered; a request to stop opts out of email at once. The workflow
  holds every touch until the owner classifies the reply.
- auto_reply: recorded; the touch it answers does not count as silence (once per touch).
- bounce: hard → the address `bounced` (with the reason), the touch `failed`, the workflow
  re-plans without email; soft → counted once per touch, and the third is treated as hard.
- complaint: opted out of email at once, the address `complained`.

A report about an address the candidate no longer has (HR changed it) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from rapport.contracts.inbound import AUTO_REPLIED, OPTED_OUT, PROFILE_UPDATED, REPLIED
from rapport.db.models import Candidate, InboundRecord, Touch
from rapport.db.repositories import inbound as inbound_repo
from rapport.db.repositories import interactions as interaction_repo
from rapport.db.repositories import tasks as task_repo
from rapport.db.repositories import touches as touch_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.inbound import InboundMessage
from rapport.vocabulary import (
    BounceSeverity,
    Channel,
    EmailStatus,
    InboundKind,
    InteractionType,
    Occasion,
    Sentiment,
    TaskKind,
    TaskStatus,
)

# A reply is a warm moment: its owner should say what it meant within two days.
CLASSIFY_WITHIN = timedelta(days=2)
# Soft bounces (each for another touch) after which the address counts as bounced.
SOFT_BOUNCES_AS_HARD = 3
MAX_REPLY_IN_TASK = 20_000


@dataclass
class Outcome:
    effect: str
    notices: list[str] = field(default_factory=list)


async def apply(
    session: AsyncSession,
    record: InboundRecord,
    message: InboundMessage,
    candidate: Candidate,
    touch: Touch | None,
) -> Outcome:
    if message.kind == InboundKind.REPLY:
        return await reply(session, record, message, candidate, touch)
    if message.kind == InboundKind.AUTO_REPLY:
        return await auto_reply(session, record, candidate, touch)
    if message.kind == InboundKind.BOUNCE:
        return await bounce(session, record, message, candidate, touch)
    if message.kind == InboundKind.COMPLAINT:
        return complaint(message, candidate)
    return Outcome("kept for review")


def _opt_out_of_email(candidate: Candidate) -> bool:
    """Opt the candidate out of email; False if they were already."""
    if Channel.EMAIL.value in (candidate.opt_outs or []):
        return False
    candidate.opt_outs = sorted({*(candidate.opt_outs or []), Channel.EMAIL.value})
    return True


def _delivered(candidate: Candidate) -> None:
    """Someone (or their auto-reply) answered from the address: it works."""
    if candidate.email_status == EmailStatus.UNKNOWN:
        candidate.email_status = EmailStatus.DELIVERABLE.value


def _about_another_address(address: str | None, candidate: Candidate) -> bool:
    return bool(address and candidate.email and address.lower() != candidate.email.lower())


async def reply(
    session: AsyncSession,
    record: InboundRecord,
    message: InboundMessage,
    candidate: Candidate,
    touch: Touch | None,
) -> Outcome:
    outcome = Outcome("")
    words = []
    interaction = await interaction_repo.add_interaction(
        session,
        candidate_id=candidate.id,
        type=InteractionType.REPLIED.value,
        sentiment=Sentiment.UNCLASSIFIED.value,
        channel=Channel.EMAIL.value,
    )
    record.interaction_id = interaction.id
    stop = None
    if message.stop_request:
        stop = (
            f'asked to stop ("{message.stop_phrase}")' if message.stop_phrase else "asked to stop"
        )
        if _opt_out_of_email(candidate):
            outcome.notices.append(OPTED_OUT)
            words.append(f"opted out of email: {stop}")
        else:
            words.append(f"{stop}; already opted out of email")
    if not _about_another_address(message.sender, candidate):
        _delivered(candidate)
    # Whatever they said, it answers the vacancy messages they had.
    await vacancy_repo.mark_replied(session, candidate.id)
    owner = candidate.owner or ""
    due = datetime.now(UTC) + CLASSIFY_WITHIN
    task = task_repo.add_task(
        session,
        candidate_id=candidate.id,
        idempotency_key=f"{candidate.id}:classify:{record.id}",
        owner=owner,
        kind=TaskKind.CLASSIFY_REPLY.value,
        occasion=touch.occasion if touch else Occasion.CHECK_IN.value,
        channel=Channel.EMAIL.value,
        sender_role=candidate.owner_role,
        draft=classify_draft(
            record, message, candidate, stop, opted_out=OPTED_OUT in outcome.notices
        ),
        link=candidate.linkedin_url,
        due_at=due,
        status=TaskStatus.OPEN.value,
    )
    await session.flush()
    record.task_id = task.id
    outcome.notices.append(REPLIED)
    words.append(
        f"reply held for {owner or 'HR'} to classify by {due:%Y-%m-%d}; "
        "no automated touch until then"
    )
    outcome.effect = "; ".join(words)
    return outcome


def classify_draft(
    record: InboundRecord,
    message: InboundMessage,
    candidate: Candidate,
    stop: str | None,
    *,
    opted_out: bool,
) -> str:
    """The task's text: the reply itself, what Rapport did, and how to classify it."""
    first = candidate.full_name.split()[0] if candidate.full_name else "The candidate"
    text = (message.reply_text or "").strip()[:MAX_REPLY_IN_TASK] or "(no text)"
    lines = [f'{first} replied to "{message.subject}":', "", text, "", "---"]
    if stop:
        done = "email is opted out at once" if opted_out else "they were opted out of email"
        lines.append(f"They {stop}: {done}; other channels are as they were.")
    lines += [
        "Rapport holds every automated touch until you say what this reply meant:",
        f"POST /api/inbound/{record.id}/classify with "
        '{"sentiment": "interested" | "not_now" | "not_interested"} '
        '(not_now may add "resume_on": "YYYY-MM-DD").',
    ]
    return "\n".join(lines)


async def auto_reply(
    session: AsyncSession, record: InboundRecord, candidate: Candidate, touch: Touch | None
) -> Outcome:
    _delivered(candidate)
    if touch is not None and touch.channel == Channel.EMAIL.value:
        seen = await inbound_repo.seen_for_touch(
            session, touch.id, InboundKind.AUTO_REPLY.value, besides=record.id
        )
        if not seen:
            return Outcome(
                "automatic reply recorded; its touch does not count as unanswered",
                [AUTO_REPLIED],
            )
    return Outcome("automatic reply recorded; nothing changed")


async def bounce(
    session: AsyncSession,
    record: InboundRecord,
    message: InboundMessage,
    candidate: Candidate,
    touch: Touch | None,
) -> Outcome:
    report = message.bounce
    assert report is not None
    if _about_another_address(report.recipient, candidate):
        return Outcome("bounce for an address the candidate no longer has: nothing changed")
    status = report.status or "no status"
    reason = f"{report.severity} bounce {status}: {report.reason or 'no reason given'}"
    if report.severity == BounceSeverity.SOFT:
        if touch is not None and await inbound_repo.seen_for_touch(
            session, touch.id, InboundKind.BOUNCE.value, besides=record.id,
            severity=BounceSeverity.SOFT.value,
        ):  # fmt: skip
            return Outcome(f"soft bounce {status} for a touch already counted: nothing changed")
        candidate.soft_bounces = (candidate.soft_bounces or 0) + 1
        if candidate.soft_bounces < SOFT_BOUNCES_AS_HARD:
            return Outcome(
                f"soft bounce {status} counted ({candidate.soft_bounces} of "
                f"{SOFT_BOUNCES_AS_HARD} before the address counts as bounced)"
            )
        reason = f"{candidate.soft_bounces} soft bounces, the last {status}: {report.reason}"
    words = []
    if touch is not None and await touch_repo.fail_sent_touch(session, touch.id, reason[:1000]):
        words.append("touch failed")
    if candidate.email_status in (EmailStatus.BOUNCED, EmailStatus.COMPLAINED):
        words.insert(0, f"address already {candidate.email_status}")
        return Outcome("; ".join(words))
    candidate.email_status = EmailStatus.BOUNCED.value
    candidate.email_status_reason = reason[:500]
    words.insert(0, f"email marked bounced ({status})")
    words.append("the workflow re-plans without email")
    return Outcome("; ".join(words), [PROFILE_UPDATED])


def complaint(message: InboundMessage, candidate: Candidate) -> Outcome:
    report = message.complaint
    assert report is not None
    if _about_another_address(report.recipient, candidate):
        return Outcome("complaint about an address the candidate no longer has: nothing changed")
    candidate.email_status = EmailStatus.COMPLAINED.value
    candidate.email_status_reason = f"marked as spam (feedback report: {report.feedback_type})"
    notices = [OPTED_OUT] if _opt_out_of_email(candidate) else []
    return Outcome(
        f"opted out of email: marked our email as spam ({report.feedback_type})", notices
    )

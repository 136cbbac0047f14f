"""Which channel suits a touch: the social rules of the design, as pure functions.

- A handwritten note only to someone met in person (an event, a former colleague) with warm or
  strong rapport and a known postal address.
- A public LinkedIn post only for birthdays and work anniversaries, and only for established
  connections (not cold outreach).
- A LinkedIn private message for anyone on LinkedIn; the default for cold connections.
- Email needs an address and consent for email, and never goes to an address that bounced
  or whose owner marked Rapport's email as spam.
- An opted-out channel is never used; after repeated silence on one channel, prefer another.
- LinkedIn (and notes without a provider) are assisted: a person sends them, so a person must
  be there to do it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from rapport.outreach.state import CandidateFacts, SchedulePolicy
from rapport.vocabulary import (
    Channel,
    EmailStatus,
    Occasion,
    Rapport,
    RelationshipOrigin,
    SenderRole,
)

CELEBRATIONS = {Occasion.BIRTHDAY, Occasion.WORK_ANNIVERSARY}
MET_IN_PERSON = {
    RelationshipOrigin.IN_PERSON_EVENT,
    RelationshipOrigin.FORMER_COLLEAGUE,
}
GOOD_RAPPORT = {Rapport.WARM, Rapport.STRONG}
LINKEDIN = {Channel.LINKEDIN_MESSAGE, Channel.LINKEDIN_POST}

# Contact budget: when two touches collide, the higher one wins.
PRIORITY = {
    Occasion.VACANCY: 6,
    Occasion.EVENT_FOLLOW_UP: 5,
    Occasion.BIRTHDAY: 4,
    Occasion.WORK_ANNIVERSARY: 3,
    Occasion.INVITATION: 2,
    Occasion.CHECK_IN: 1,
}


@dataclass(frozen=True)
class ChannelChoice:
    channel: Channel | None
    reason: str | None = None
    assisted: bool = False


def is_cold(facts: CandidateFacts) -> bool:
    return (
        facts.rapport == Rapport.COLD
        or facts.relationship_origin == RelationshipOrigin.COLD_OUTREACH
    )


def is_assisted(channel: Channel, policy: SchedulePolicy) -> bool:
    """LinkedIn forbids automated sending; notes are assisted unless a provider writes them."""
    if channel in LINKEDIN:
        return True
    return channel == Channel.HANDWRITTEN_NOTE and not policy.note_provider


def refusal(
    facts: CandidateFacts,
    channel: Channel,
    occasion: Occasion,
    *,
    sender: str | None,
    policy: SchedulePolicy,
) -> str | None:
    """None when `channel` may carry `occasion` to this candidate, else the reason it may not."""
    if channel in facts.opt_outs:
        return f"opted out of {channel}"
    if channel == Channel.EMAIL:
        if not facts.has_email:
            return "no email address"
        if not facts.consent.get(Channel.EMAIL, False):
            return "no consent for email"
        if facts.email_status == EmailStatus.BOUNCED:
            return "email address bounced"
        if facts.email_status == EmailStatus.COMPLAINED:
            return "email marked as spam"
    elif channel == Channel.LINKEDIN_MESSAGE:
        if not facts.has_linkedin:
            return "not on LinkedIn"
    elif channel == Channel.LINKEDIN_POST:
        if occasion not in CELEBRATIONS:
            return "public posts are only for birthdays and work anniversaries"
        if facts.relationship_origin == RelationshipOrigin.COLD_OUTREACH:
            return "no public post for a cold connection"
        if not facts.has_linkedin:
            return "not on LinkedIn"
    elif channel == Channel.HANDWRITTEN_NOTE:
        if facts.relationship_origin not in MET_IN_PERSON:
            return "handwritten notes only go to people met in person"
        if facts.rapport not in GOOD_RAPPORT:
            return "no handwritten note without warm or strong rapport"
        if not facts.has_postal_address:
            return "no postal address"
    if is_assisted(channel, policy) and not sender:
        return f"{channel} needs a person to send it, and nobody owns the relationship"
    return None


def preferences(
    facts: CandidateFacts, occasion: Occasion, sender_role: SenderRole | None
) -> list[Channel]:
    """Channels in the order that suits the relationship and the occasion."""
    email, message = Channel.EMAIL, Channel.LINKEDIN_MESSAGE
    post, note = Channel.LINKEDIN_POST, Channel.HANDWRITTEN_NOTE
    cold = is_cold(facts)
    if occasion == Occasion.EVENT_FOLLOW_UP:
        return [note, email, message]
    if occasion == Occasion.VACANCY:
        return [message, email] if cold else [email, message]
    if occasion == Occasion.INVITATION and sender_role == SenderRole.CEO:
        return [message, email]  # an invitation to connect is a LinkedIn gesture
    if occasion == Occasion.WORK_ANNIVERSARY and not cold:
        return [post, email, message]
    if occasion == Occasion.BIRTHDAY and not cold:
        return [email, message, post]
    return [message, email] if cold else [email, message]


def choose_channel(
    facts: CandidateFacts,
    occasion: Occasion,
    policy: SchedulePolicy,
    *,
    sender: str | None = None,
    sender_role: SenderRole | None = None,
    unanswered: Mapping[Channel, int] | None = None,
    exclude: Collection[Channel] = (),
) -> ChannelChoice:
    """The best allowed channel, or None with every reason it found."""
    ranked = preferences(facts, occasion, sender_role)
    silence = unanswered or {}
    fresh = [channel for channel in ranked if silence.get(channel, 0) < policy.fatigue_after]
    tired = [channel for channel in ranked if channel not in fresh]
    reasons = []
    for channel in fresh + tired:
        if channel in exclude:
            reasons.append(f"{channel} already tried")
            continue
        why_not = refusal(facts, channel, occasion, sender=sender, policy=policy)
        if why_not is None:
            return ChannelChoice(channel, None, is_assisted(channel, policy))
        reasons.append(why_not)
    return ChannelChoice(None, "; ".join(reasons) or "no channel")

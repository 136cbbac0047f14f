"""Which channel suits a touch: pure rules over the facts the workflow holds."""

from __future__ import annotations

from dataclasses import dataclass

from rapport.vocabulary import Channel
from workflows.models import CandidateFacts


@dataclass(frozen=True)
class ChannelChoice:
    channel: str | None
    reason: str | None = None


def email_allowed(facts: CandidateFacts) -> str | None:
    """None when email may be used, else the reason it may not."""
    if Channel.EMAIL.value in facts.opt_outs:
        return "opted out of email"
    if not facts.has_email:
        return "no email address"
    if not facts.consent.get(Channel.EMAIL.value, False):
        return "no consent for email"
    return None


def choose_channel(facts: CandidateFacts, occasion: str) -> ChannelChoice:
    """The channel for an automated greeting: email, when there is an address and consent."""
    refusal = email_allowed(facts)
    if refusal is None:
        return ChannelChoice(Channel.EMAIL.value)
    return ChannelChoice(None, refusal)

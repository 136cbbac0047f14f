"""Words for operators' status lines (a candidate workflow's current details in the Temporal
UI). People's names come from the team directory only (`rapport.db.repositories.people`):
nothing here, or anywhere, makes one from an address."""

from __future__ import annotations

from rapport.outreach.state import CandidateState, PlannedTouch
from rapport.vocabulary import Stage

CHANNEL_WORDS = {
    "email": "an email",
    "linkedin_message": "a LinkedIn message",
    "linkedin_post": "a LinkedIn post",
    "handwritten_note": "a handwritten note",
}


def status_line(state: CandidateState, touch: PlannedTouch | None) -> str:
    """What a candidate's workflow is waiting for, as an operator reads it."""
    stage = state.stage
    if touch is None:
        if state.replies_to_classify and stage == Stage.NURTURING:
            return "holding: a reply waits for its owner to classify it"
        if stage == Stage.ENGAGED:
            return "engaged: a person has taken over, no automated touches"
        if stage == Stage.PAUSED:
            return "paused: no touches until resumed"
        return "nothing planned: waiting for new data"
    if touch.skip:
        return f"sleeping until {touch.summary}, to record a skip: {touch.reason}"
    channel = CHANNEL_WORDS.get(touch.channel or "", touch.channel or "")
    if touch.assisted:
        who = touch.sender or "the owner"
        return f"sleeping until {touch.summary}, then {who} gets {channel} draft to send"
    return f"sleeping until {touch.summary}, then sends {channel}"

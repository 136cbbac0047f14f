"""Words for operators' status lines. People's names come from the team directory only
(`rapport.db.repositories.people`): nothing here, or anywhere, makes one from an address."""

from __future__ import annotations

CHANNEL_WORDS = {
    "email": "an email",
    "linkedin_message": "a LinkedIn message",
    "linkedin_post": "a LinkedIn post",
    "handwritten_note": "a handwritten note",
}

"""People's names as far as an email address tells them (for drafts and for operators)."""

from __future__ import annotations


def name_from_email(email: str | None, *, fallback: str) -> str:
    """`jane.doe@acme.example` → `Jane Doe`; nothing usable → `fallback`."""
    if not email:
        return fallback
    local = email.partition("@")[0]
    words = [word for word in local.replace("_", ".").replace("-", ".").split(".") if word]
    return " ".join(word.capitalize() for word in words) or fallback


CHANNEL_WORDS = {
    "email": "an email",
    "linkedin_message": "a LinkedIn message",
    "linkedin_post": "a LinkedIn post",
    "handwritten_note": "a handwritten note",
}

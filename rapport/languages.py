"""Language tags (BCP 47, RFC 5646) as far as Rapport needs them: checked and written in their
canonical case when stored, and the order in which a message's templates are looked for."""

from __future__ import annotations

import re

# language (2-3 letters; 4-8 are reserved or registered rarities Rapport has no templates for),
# optional script (4 letters), optional region (2 letters or 3 digits), optional variants.
_TAG = re.compile(
    r"(?P<language>[a-z]{2,3})(?:-(?P<script>[a-z]{4}))?(?:-(?P<region>[a-z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*)",
    re.IGNORECASE,
)
MAX_LENGTH = 35


def canonical_language(value: str) -> str:
    """`DE-at` → `de-AT`, `zh-hant-tw` → `zh-Hant-TW`; anything else is refused with a hint."""
    text = value.strip()
    found = _TAG.fullmatch(text) if len(text) <= MAX_LENGTH else None
    if found is None:
        hint = " (a hyphen, not an underscore)" if "_" in text else ""
        raise ValueError(
            f"{value!r} is not a BCP 47 language tag{hint}; use one like de, de-AT or ja"
        )
    parts = [found["language"].lower()]
    if found["script"]:
        parts.append(found["script"].title())
    if found["region"]:
        parts.append(found["region"].upper())
    parts.extend(variant.lower() for variant in found["variants"].split("-") if variant)
    return "-".join(parts)


def fallbacks(language: str | None) -> list[str]:
    """The tags to look for, most specific first: `de-AT` → [`de-AT`, `de`]; none → []."""
    if not language:
        return []
    parts = canonical_language(language).split("-")
    return ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]

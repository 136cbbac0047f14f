"""The field types every request body is built from: texts of one line or several, tags, web
addresses, time zones, countries, birthdays, dates; each refusal names the problem."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    StringConstraints,
)

from rapport.languages import canonical_language

MAX_LIST_ITEMS = 100
MAX_SIGNATURE_LINES = 6
# What a text of several lines may hold besides printable characters.
LINE_BREAKS_AND_TABS = frozenset("\n\r\t")
# Line and paragraph separators end a line for Python's splitlines() and for some mail clients.
LINE_SEPARATORS = frozenset("\u2028\u2029")


def refused_character(value: str, allowed: frozenset[str]) -> str | None:
    """The first character a stored text must not hold: control characters (C0, DEL, C1, so
    NUL too, which PostgreSQL refuses in text) other than `allowed`, and lone surrogates (not
    encodable as UTF-8)."""
    for character in value:
        if character in allowed:
            continue
        if unicodedata.category(character) in ("Cc", "Cs") or character in LINE_SEPARATORS:
            return character
    return None


def check_single_line(value: str) -> str:
    found = refused_character(value, frozenset())
    if found is not None:
        raise ValueError(
            f"must be a single line without control characters; found U+{ord(found):04X}"
        )
    return value


def check_multi_line(value: str) -> str:
    found = refused_character(value, LINE_BREAKS_AND_TABS)
    if found is not None:
        raise ValueError(
            f"must not contain control characters other than line breaks and tabs; "
            f"found U+{ord(found):04X}"
        )
    return value


# Every text the API stores is one of these two: a single line (it may end up in an email
# header, a From line or a URL) or a text of several lines (a description, a message).
SingleLine = Annotated[str, AfterValidator(check_single_line)]
MultiLine = Annotated[str, AfterValidator(check_multi_line)]

ShortText = Annotated[
    SingleLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Tag = Annotated[SingleLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
WebUrl = Annotated[SingleLine, StringConstraints(max_length=1000, pattern=r"^https?://\S+$")]
PostalAddress = Annotated[MultiLine, StringConstraints(max_length=500)]
Message = Annotated[MultiLine, StringConstraints(max_length=1000)]


@cache
def iso_countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes, from the table tzdata ships (no extra dependency)."""
    table = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text("utf-8")
    return frozenset(
        line.split("\t")[0] for line in table.splitlines() if line and not line.startswith("#")
    )


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like Europe/Berlin"
        ) from None
    return value


def check_country(value: str) -> str:
    code = value.strip().upper()
    if code not in iso_countries():
        raise ValueError(f"unknown country {value!r}; use an ISO 3166 alpha-2 code like DE")
    return code


def check_birthday(value: str) -> str:
    """`YYYY-MM-DD` or `MM-DD`; 02-29 is a real birthday, 02-30 is not."""
    text = value.strip()
    parts = text.split("-")
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            born = date.fromisoformat(text)
            if born > date.today():
                raise ValueError(f"birthday {value!r} is in the future")
            return born.isoformat()
        if len(parts) == 2:
            month, day = int(parts[0]), int(parts[1])
            date(2000, month, day)  # a leap year, so 02-29 passes and 02-30 fails
            return f"{month:02d}-{day:02d}"
    except ValueError as err:
        if "future" in str(err):
            raise
        raise ValueError(f"birthday {value!r} is not a real date") from None
    raise ValueError(f"birthday {value!r} must be YYYY-MM-DD or MM-DD")


def check_linkedin_url(value: str) -> str:
    text = value.strip()
    if not text.startswith(("https://", "http://")) or "linkedin.com/" not in text.lower():
        raise ValueError(f"linkedin_url {value!r} must be a https://www.linkedin.com/… address")
    return text


def check_signature(value: str) -> str:
    """A short sign-off block: a few lines, each one a real line of text."""
    lines = value.strip().splitlines()
    if len(lines) > MAX_SIGNATURE_LINES:
        raise ValueError(f"a signature has at most {MAX_SIGNATURE_LINES} lines; {len(lines)} given")
    return "\n".join(line.rstrip() for line in lines)


def check_not_future(value: date) -> date:
    if value > date.today():
        raise ValueError(f"{value.isoformat()} is in the future")
    return value


def check_ahead(value: datetime) -> datetime:
    if value <= datetime.now(UTC):
        raise ValueError(f"{value.isoformat()} has passed: invitations are for events ahead")
    return value


TimeZoneName = Annotated[str, AfterValidator(check_timezone)]
CountryCode = Annotated[str, AfterValidator(check_country)]
Birthday = Annotated[str, AfterValidator(check_birthday)]
LinkedInUrl = Annotated[
    SingleLine, StringConstraints(max_length=500), AfterValidator(check_linkedin_url)
]
# BCP 47, stored in canonical case: `de`, `de-AT`, `ja`.
LanguageTag = Annotated[str, AfterValidator(canonical_language)]
Signature = Annotated[MultiLine, StringConstraints(max_length=500), AfterValidator(check_signature)]
PastDate = Annotated[date, AfterValidator(check_not_future)]
# An event's start, with its UTC offset (17:00 means nothing without one), still ahead.
EventStart = Annotated[AwareDatetime, AfterValidator(check_ahead)]

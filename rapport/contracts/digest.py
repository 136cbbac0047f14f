"""The owners' daily digest: the schedule's input and the activity's request and result."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class OwnerDigestInput:
    """The daily digest run; its day is today in this time zone, when the run starts."""

    timezone: str = "UTC"


@dataclass
class OwnerDigestRequest:
    day: str


@dataclass
class OwnerDigestResult:
    day: str
    owners: int = 0
    candidates: int = 0
    # Owners who already had today's digest: their newer matches wait for tomorrow's.
    held_back: int = 0
    # Owners whose mail server refused the digest for good.
    refused: int = 0

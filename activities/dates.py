"""Dates as a message in a given language writes them: `12 March` and `12. März`,
`Thursday 14 May at 18:00` and `Donnerstag, 14. Mai, um 18:00 Uhr`. Tables rather than the
process locale, which is global, rarely installed for every language, and not thread-safe."""

from __future__ import annotations

from datetime import date, datetime

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
}  # fmt: skip
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}


def written_in(language: str | None) -> str:
    """The table to use: the tag's primary language where there is one, else English."""
    primary = (language or "en").split("-")[0].lower()
    return primary if primary in MONTHS else "en"


def day_and_month(day: date, language: str | None) -> str:
    words = written_in(language)
    month = MONTHS[words][day.month - 1]
    return f"{day.day}. {month}" if words == "de" else f"{day.day} {month}"


def event_start(moment: datetime, language: str | None) -> str:
    """A local start time (already in the reader's zone) with its weekday."""
    words = written_in(language)
    weekday = WEEKDAYS[words][moment.weekday()]
    if words == "de":
        return f"{weekday}, {day_and_month(moment.date(), words)}, um {moment:%H:%M} Uhr"
    return f"{weekday} {day_and_month(moment.date(), words)} at {moment:%H:%M}"

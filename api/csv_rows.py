"""CSV rows to enrolment bodies: flat columns, lists separated by `;`, empty cells absent."""

from __future__ import annotations

import csv
import io
from typing import Any

LIST_COLUMNS = ("skills", "interests")
RELATIONSHIP_COLUMNS = {
    "relationship_origin": "origin",
    "relationship_rapport": "rapport",
    "relationship_since": "since",
    "relationship_owner": "owner",
    "relationship_owner_role": "owner_role",
}
TRUE_WORDS = {"1", "true", "yes", "y"}
FALSE_WORDS = {"0", "false", "no", "n"}


def csv_records(text: str) -> list[dict[str, Any]]:
    """One enrolment body per data row.

    Consent comes as `consent_<channel>` columns (yes/no) or a `consent` column listing the
    channels consented to (`email;linkedin_message`).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [record_from_row(row) for row in reader]


def record_from_row(row: dict[str | None, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    relationship: dict[str, Any] = {}
    consent: dict[str, Any] = {}
    for raw_key, raw_value in row.items():
        if raw_key is None:
            # More cells than headers: keep them so validation names the problem.
            record["_extra_cells"] = raw_value
            continue
        key = raw_key.strip()
        value = raw_value.strip() if isinstance(raw_value, str) else raw_value
        if value in (None, ""):
            continue
        if key in LIST_COLUMNS:
            record[key] = [item.strip() for item in value.split(";") if item.strip()]
        elif key in RELATIONSHIP_COLUMNS:
            relationship[RELATIONSHIP_COLUMNS[key]] = value
        elif key == "consent":
            for channel in value.split(";"):
                if channel.strip():
                    consent[channel.strip()] = True
        elif key.startswith("consent_"):
            consent[key.removeprefix("consent_")] = yes_no(value)
        else:
            record[key] = value
    if relationship:
        record["relationship"] = relationship
    if consent:
        record["consent"] = consent
    return record


def yes_no(value: str) -> bool | str:
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return value  # left as text so validation reports it against its column

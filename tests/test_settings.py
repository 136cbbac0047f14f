"""Settings: bad values are refused with the setting's name, and the README lists every one."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rapport.facts import schedule_policy
from rapport.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("digest_time", "5pm"),
        ("digest_time", "17:00:30"),
        ("digest_time", "25:00"),
        ("digest_timezone", "Mars/Olympus"),
        ("digest_timezone", "../../etc/passwd"),
        ("send_window", "17:00-09:00"),
        ("send_days", "mon,funday"),
        ("greeting_quiet_days", "-1"),
        ("greeting_quiet_days", "31"),
        ("mail_from_format", "{company}"),
        ("mail_from_format", "{name} via {name.__class__}"),
        ("mail_from_format", "{name}\r\nBcc: x@example.com"),
    ],
)
def test_a_bad_value_names_its_setting(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        settings(**{field: value})
    assert [error["loc"] for error in raised.value.errors()] == [(field,)]


def test_the_digest_time_is_read_to_the_minute() -> None:
    read = settings(digest_time="07:05", digest_timezone="America/Sao_Paulo")
    assert (read.digest_at.hour, read.digest_at.minute) == (7, 5)


def test_new_enrolments_get_spacing_from_the_settings() -> None:
    """Frozen into each new workflow's policy; a policy without them keeps them off."""
    policy = schedule_policy(settings())
    assert (policy.greeting_quiet_days, policy.one_touch_per_day) == (3, True)
    assert schedule_policy(settings(greeting_quiet_days="0")).greeting_quiet_days == 0


def test_the_readme_lists_every_setting() -> None:
    text = README.read_text()
    missing = [
        f"RAPPORT_{name.upper()}"
        for name in Settings.model_fields
        if f"`RAPPORT_{name.upper()}`" not in text
    ]
    assert missing == []

"""How the values of settings are read and checked: send windows and days, clock times, the
From format, host:port addresses, bounce domains. Pure functions, shared by the settings and
the dev stack."""

from __future__ import annotations

import re
from datetime import time
from ipaddress import ip_address
from string import Formatter

BOUNCE_DOMAIN = re.compile(
    r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})+"
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_send_window(value: str) -> tuple[time, time]:
    """`"09:00-17:00"` → (09:00, 17:00); the start must come before the end."""
    try:
        start_text, end_text = value.split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError as err:
        raise ValueError(f"send window must look like 09:00-17:00, got {value!r}") from err
    if start >= end:
        raise ValueError(f"send window must start before it ends, got {value!r}")
    return start, end


def parse_clock_time(value: str) -> time:
    """`"17:00"` → 17:00, to the minute."""
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError as err:
        raise ValueError(f"time must look like 17:00, got {value!r}") from err
    if parsed.second or parsed.microsecond or parsed.tzinfo:
        raise ValueError(f"time must look like 17:00, got {value!r}")
    return parsed


FROM_FORMAT_FIELDS = {"name", "company"}


def check_from_format(value: str) -> str:
    """A From line's name for a person: `{name}` (theirs) and `{company}`, on one line."""
    try:
        fields = {field for _, field, _, _ in Formatter().parse(value) if field is not None}
    except ValueError as err:
        raise ValueError(f"mail from format {value!r}: {err}") from err
    if "name" not in fields or fields - FROM_FORMAT_FIELDS or not value.isprintable():
        raise ValueError(
            f"mail from format must hold {{name}} and may hold {{company}}, on one line; "
            f"got {value!r}"
        )
    return value


def parse_send_days(value: str) -> tuple[int, ...]:
    """`"mon,tue"` → (0, 1), Monday being 0 as in `date.weekday()`."""
    days = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [day for day in days if day not in WEEKDAYS]
    if unknown or not days:
        raise ValueError(f"send days must be a comma list of {','.join(WEEKDAYS)}, got {value!r}")
    return tuple(sorted({WEEKDAYS.index(day) for day in days}))


def parse_host_port(value: str) -> tuple[str, int]:
    """`"127.0.0.1:9464"` → ("127.0.0.1", 9464): an IP address (`[::1]` for IPv6; no host
    names, which the SDK's exporter cannot bind) and a port from 1 to 65535."""
    host, _, port = value.strip().rpartition(":")
    bare = host.removeprefix("[").removesuffix("]")
    try:
        ip_address(bare)
    except ValueError:
        host = ""
    if ":" in bare and bare == host:  # IPv6 without its brackets: where would the port end?
        host = ""
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"address must be an IP and a port like 127.0.0.1:9464, got {value!r}")
    return bare, int(port)

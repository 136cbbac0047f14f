"""The fault tests' verdict itself, without faults (so it runs in `make test`): a lost message,
a double without the flag and a stray are each found; a flagged double is allowed."""

from __future__ import annotations

import uuid

from harness.population import Touched, tally
from harness.smtp import CountingSMTP


def touch(message_id: str | None, status: str | None = "sent", flagged: bool = False) -> Touched:
    return Touched(uuid.uuid4(), status, message_id, flagged, None, None)


def test_the_tally_finds_what_was_lost_doubled_unflagged_or_never_asked_for() -> None:
    smtp = CountingSMTP(received=["<a>", "<b>", "<b>", "<c>", "<c>", "<stray>"])
    lost_in_flight = touch("<d>", status="scheduled")
    never_arrived = touch("<e>")
    touches = [touch("<a>"), touch("<b>", flagged=True), touch("<c>"), lost_in_flight,
               never_arrived, touch(None, status=None)]  # fmt: skip

    result = tally(touches, smtp)

    assert result.expected == 6
    assert set(result.lost) == {lost_in_flight.candidate_id, never_arrived.candidate_id,
                                touches[-1].candidate_id}  # fmt: skip
    assert result.doubled == {"<b>": 2, "<c>": 2}
    assert result.unflagged_doubles == ["<c>"]
    assert result.flagged == 1
    assert result.strays == ["<stray>"]
    assert result.received == 5

"""Table tests for spacing: quiet days between greetings and business, one message a day.

Pinned dates, so they hold at any hour: 2027-03-01 is a Monday. With three quiet days a
greeting on Monday leaves Tuesday and Wednesday quiet, and business may go from Thursday.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rapport.outreach import planning
from rapport.outreach.state import (
    CandidateFacts,
    CandidateState,
    OneOff,
    PlannedTouch,
    SchedulePolicy,
    SentRecord,
)
from rapport.vocabulary import Channel, Occasion, Rapport, RelationshipOrigin, SenderRole

SPACED = SchedulePolicy(greeting_quiet_days=3, one_touch_per_day=True)
UNBUDGETED = SchedulePolicy(
    greeting_quiet_days=3, one_touch_per_day=True, min_days_between_touches=0
)
OWNER = "jane.doe@example.com"
HM = "maria.hm@example.com"


def local(text: str, tz: str = "Europe/London") -> datetime:
    """A wall-clock time where the candidate lives."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def candidate(
    *,
    tz: str = "Europe/London",
    policy: SchedulePolicy = SPACED,
    birthday: str | None = "03-01",
    started: str | None = None,
    sent: tuple[tuple[Occasion, datetime], ...] = (),
    pending: tuple[OneOff, ...] = (),
) -> CandidateState:
    """A warm former colleague on email; check-ins are months away, holidays none."""
    facts = CandidateFacts(
        candidate_id="c-1",
        timezone=tz,
        country="GB",
        owner=OWNER,
        owner_role=SenderRole.EMPLOYEE,
        relationship_origin=RelationshipOrigin.FORMER_COLLEAGUE,
        rapport=Rapport.WARM,
        birthday=birthday,
        job_started_on=started,
        has_email=True,
        consent={Channel.EMAIL: True},
    )
    done = {
        occasion: at.astimezone(ZoneInfo(tz)).date().isoformat()
        for occasion, at in sent
        if occasion in planning.GREETINGS
    }
    return CandidateState(
        facts=facts,
        policy=policy,
        recent=[SentRecord(occasion, Channel.EMAIL, at) for occasion, at in sent],
        pending=list(pending),
        done_through=done,
        last_check_in_at=local("2027-02-01T10:00"),
    )


def vacancy(not_before: datetime, deadline: datetime | None = None, ref: str = "v-1") -> OneOff:
    return OneOff(Occasion.VACANCY, ref, SenderRole.EMPLOYEE, HM, not_before, deadline)


def invitation(not_before: datetime, deadline: datetime | None, ref: str = "i-1") -> OneOff:
    return OneOff(Occasion.INVITATION, ref, SenderRole.MARKETING, OWNER, not_before, deadline)


def plan(state: CandidateState, now: datetime, days: int = 20) -> list[PlannedTouch]:
    return planning.plan(state, now, timedelta(days=days))


def the(touches: list[PlannedTouch], occasion: Occasion) -> PlannedTouch:
    [found] = [touch for touch in touches if touch.occasion == occasion]
    return found


def local_due(touch: PlannedTouch, tz: str = "Europe/London") -> str:
    return touch.due_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


# --- quiet days after a greeting -----------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "sent", "now", "not_before", "expected"),
    [
        ("a vacancy the day after a birthday that went out waits for Thursday",
         ((Occasion.BIRTHDAY, local("2027-03-01T09:00")),), "2027-03-02T10:00",
         "2027-03-02T10:00", "2027-03-04 09:00"),
        ("planned together: the birthday goes, the vacancy the day after waits",
         (), "2027-02-28T20:00", "2027-03-02T10:00", "2027-03-04 09:00"),
        ("a vacancy opened the same morning, before the birthday's window, waits",
         (), "2027-03-01T07:00", "2027-03-01T07:10", "2027-03-04 09:00"),
        ("a vacancy opened after the birthday went out, that day, waits",
         ((Occasion.BIRTHDAY, local("2027-03-01T09:00")),), "2027-03-01T11:00",
         "2027-03-01T11:10", "2027-03-04 09:00"),
        ("counted in local days, not hours: a wish at 16:59 frees Thursday's morning",
         ((Occasion.BIRTHDAY, local("2027-03-01T16:59")),), "2027-03-03T10:00",
         "2027-03-03T10:00", "2027-03-04 09:00"),
        ("once the quiet days have passed it goes at once",
         ((Occasion.BIRTHDAY, local("2027-03-01T09:00")),), "2027-03-04T11:00",
         "2027-03-04T11:00", "2027-03-04 11:00"),
        ("after a work anniversary too",
         ((Occasion.WORK_ANNIVERSARY, local("2027-03-01T09:00")),), "2027-03-02T10:00",
         "2027-03-02T10:00", "2027-03-04 09:00"),
    ],
)  # fmt: skip
def test_a_vacancy_in_a_greetings_quiet_days_waits(
    case: str,
    sent: tuple[tuple[Occasion, datetime], ...],
    now: str,
    not_before: str,
    expected: str,
) -> None:
    greeting = sent[0][0] if sent else Occasion.BIRTHDAY
    state = candidate(
        birthday="03-01" if greeting == Occasion.BIRTHDAY else None,
        started="2019-03-01" if greeting == Occasion.WORK_ANNIVERSARY else None,
        sent=sent,
        pending=(vacancy(local(not_before)),),
    )
    touches = plan(state, local(now))
    waiting = the(touches, Occasion.VACANCY)
    assert (local_due(waiting), waiting.skip, waiting.channel) == (expected, False, "email"), case
    assert waiting.local_date == expected[:10]
    if not sent:
        wish = the(touches, Occasion.BIRTHDAY)
        assert not wish.skip, (case, wish.reason)
        assert planning.next_touch(state, local(now)) == wish


def test_the_quiet_days_end_on_a_working_day() -> None:
    """A birthday on Thursday: business may go from Sunday, so on Monday."""
    state = candidate(
        birthday="03-04",
        sent=((Occasion.BIRTHDAY, local("2027-03-04T09:00")),),
        pending=(vacancy(local("2027-03-05T10:00")),),
    )
    assert local_due(the(plan(state, local("2027-03-05T10:00")), Occasion.VACANCY)) == (
        "2027-03-08 09:00"
    )


@pytest.mark.parametrize("quiet_days", [1, 2, 5])
def test_the_quiet_days_are_the_policys(quiet_days: int) -> None:
    policy = SchedulePolicy(greeting_quiet_days=quiet_days, one_touch_per_day=True)
    state = candidate(
        policy=policy,
        sent=((Occasion.BIRTHDAY, local("2027-03-01T09:00")),),
        pending=(vacancy(local("2027-03-01T11:00")),),
    )
    due = the(plan(state, local("2027-03-01T11:00")), Occasion.VACANCY).due_at
    # One quiet day: the next day; five: Saturday, so Monday.
    expected = {1: "2027-03-02", 2: "2027-03-03", 5: "2027-03-08"}[quiet_days]
    assert due == local(f"{expected}T09:00")


def test_a_check_in_waits_too_and_is_named_by_its_new_day() -> None:
    state = candidate(policy=UNBUDGETED, sent=((Occasion.BIRTHDAY, local("2027-03-01T09:00")),))
    state.last_check_in_at = local("2027-03-02T10:00") - planning.CHECK_IN_EVERY[Rapport.WARM]
    check_in = the(plan(state, local("2027-03-01T12:00")), Occasion.CHECK_IN)
    assert (local_due(check_in), check_in.skip) == ("2027-03-04 09:00", False)
    assert check_in.idempotency_key == "c-1:check_in:2027-03-04"


# --- a business touch that cannot wait ------------------------------------------------------
@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (UNBUDGETED,
         "quiet days: vacancy is due on 2027-03-01 and cannot wait (due by 2027-03-02)"),
        # With a contact budget the vacancy, higher in priority, crowds the greeting out first.
        (SPACED, "contact budget: vacancy is due on 2027-03-01"),
    ],
)  # fmt: skip
def test_a_vacancy_that_would_close_first_goes_and_the_greeting_is_skipped(
    policy: SchedulePolicy, reason: str
) -> None:
    closing = vacancy(local("2027-03-01T07:10"), deadline=local("2027-03-02T17:00"))
    touches = plan(candidate(policy=policy, pending=(closing,)), local("2027-03-01T07:00"))
    wish, job = the(touches, Occasion.BIRTHDAY), the(touches, Occasion.VACANCY)
    assert (local_due(job), job.skip) == ("2027-03-01 09:00", False)
    assert (wish.skip, wish.channel, wish.reason) == (True, None, reason)


@pytest.mark.parametrize(
    ("case", "policy", "pending", "reason"),
    [
        ("a vacancy closing before the quiet days end, after a wish that went out",
         UNBUDGETED, vacancy(local("2027-03-02T10:00"), local("2027-03-03T12:00")),
         "quiet days: birthday went out on 2027-03-01, and waiting would pass its deadline "
         "(2027-03-03)"),
        ("an invitation outranked by the birthday, with the budget off",
         UNBUDGETED, invitation(local("2027-03-02T10:00"), local("2027-03-02T18:00")),
         "quiet days: birthday went out on 2027-03-01, and waiting would pass its deadline "
         "(2027-03-02)"),
        ("the same invitation under the contact budget",
         SPACED, invitation(local("2027-03-02T10:00"), local("2027-03-02T18:00")),
         "contact budget: birthday went out on 2027-03-01"),
    ],
)  # fmt: skip
def test_a_business_touch_that_can_neither_wait_nor_go_is_skipped(
    case: str, policy: SchedulePolicy, pending: OneOff, reason: str
) -> None:
    state = candidate(
        policy=policy, sent=((Occasion.BIRTHDAY, local("2027-03-01T09:00")),), pending=(pending,)
    )
    touch = the(plan(state, local("2027-03-02T10:00")), pending.occasion)
    assert (touch.skip, touch.reason) == (True, reason), case


def test_an_invitation_that_cannot_wait_does_not_crowd_out_the_birthday() -> None:
    """Outranked by the greeting, it is the one skipped; the wish keeps its day."""
    webinar = invitation(local("2027-03-02T10:00"), local("2027-03-02T18:00"))
    touches = plan(candidate(policy=UNBUDGETED, pending=(webinar,)), local("2027-02-28T20:00"))
    assert not the(touches, Occasion.BIRTHDAY).skip
    assert the(touches, Occasion.INVITATION).skip


# --- no greeting in the quiet days after a business touch ----------------------------------
@pytest.mark.parametrize(
    ("case", "earlier", "sent_on", "reason"),
    [
        ("two days after a vacancy: the budget already says no", Occasion.VACANCY,
         "2027-02-27T10:00", "contact budget: vacancy went out on 2027-02-27"),
        ("two days after an invitation, which the budget lets pass", Occasion.INVITATION,
         "2027-02-27T10:00", "quiet days: invitation went out on 2027-02-27"),
        ("the day after a check-in", Occasion.CHECK_IN, "2027-02-28T10:00",
         "quiet days: check_in went out on 2027-02-28"),
        ("the same day as an invitation", Occasion.INVITATION, "2027-03-01T08:00",
         "quiet days: invitation went out on 2027-03-01"),
        ("three days after an invitation: it goes", Occasion.INVITATION, "2027-02-26T16:00",
         None),
        ("a thank-you is no business: the budget decides", Occasion.EVENT_FOLLOW_UP,
         "2027-02-27T10:00", "contact budget: event_follow_up went out on 2027-02-27"),
    ],
)  # fmt: skip
def test_a_greeting_in_the_quiet_days_after_business_is_skipped(
    case: str, earlier: Occasion, sent_on: str, reason: str | None
) -> None:
    state = candidate(sent=((earlier, local(sent_on)),))
    wish = the(plan(state, local("2027-03-01T08:30")), Occasion.BIRTHDAY)
    assert wish.local_date == "2027-03-01"
    assert (wish.skip, wish.reason) == (reason is not None, reason), case


def test_with_the_budget_off_a_greeting_after_business_is_still_skipped() -> None:
    state = candidate(policy=UNBUDGETED, sent=((Occasion.VACANCY, local("2027-02-27T10:00")),))
    wish = the(plan(state, local("2027-02-28T20:00")), Occasion.BIRTHDAY)
    assert (wish.skip, wish.reason) == (True, "quiet days: vacancy went out on 2027-02-27")


# --- one message a day ----------------------------------------------------------------------
def thank_you(met: str, ref: str = "m-1", tz: str = "Europe/London") -> OneOff:
    day = datetime.fromisoformat(met).date()
    return planning.event_follow_up(day, tz, ref, OWNER, SenderRole.EMPLOYEE)


def test_a_thank_you_on_the_birthday_waits_a_day_within_its_14_days() -> None:
    """Met on Sunday, the wish went out on Monday morning: the thank-you goes on Tuesday."""
    state = candidate(
        sent=((Occasion.BIRTHDAY, local("2027-03-01T09:00")),), pending=(thank_you("2027-02-28"),)
    )
    thanks = the(plan(state, local("2027-03-01T10:00")), Occasion.EVENT_FOLLOW_UP)
    assert (local_due(thanks), thanks.skip, thanks.channel) == ("2027-03-02 09:00", False, "email")
    assert thanks.due_at <= local("2027-03-14T23:59")


def test_a_thank_you_on_its_last_day_is_skipped_when_the_day_is_taken() -> None:
    state = candidate(
        sent=((Occasion.BIRTHDAY, local("2027-03-01T09:00")),), pending=(thank_you("2027-02-15"),)
    )
    thanks = the(plan(state, local("2027-03-01T10:00")), Occasion.EVENT_FOLLOW_UP)
    assert thanks.skip
    assert thanks.reason == (
        "one message a day: birthday went out on 2027-03-01, and waiting would pass its "
        "deadline (2027-03-01)"
    )


@pytest.mark.parametrize(
    ("case", "sent", "pending", "expected"),
    [
        ("a second vacancy the same afternoon, with no budget",
         ((Occasion.VACANCY, local("2027-03-02T09:00")),),
         (vacancy(local("2027-03-02T14:00"), ref="v-2"),), "2027-03-03 09:00"),
        ("a thank-you after an invitation that went out in the morning",
         ((Occasion.INVITATION, local("2027-03-02T09:00")),), (thank_you("2027-03-01"),),
         "2027-03-03 09:00"),
        ("an invitation on a Friday afternoon after a check-in: on Monday",
         ((Occasion.CHECK_IN, local("2027-03-05T09:00")),),
         (invitation(local("2027-03-05T14:00"), None),), "2027-03-08 09:00"),
    ],
)  # fmt: skip
def test_a_second_message_the_same_day_waits_for_the_next(
    case: str,
    sent: tuple[tuple[Occasion, datetime], ...],
    pending: tuple[OneOff, ...],
    expected: str,
) -> None:
    state = candidate(policy=UNBUDGETED, birthday=None, sent=sent, pending=pending)
    touch = the(plan(state, pending[0].not_before), pending[0].occasion)
    assert (local_due(touch), touch.skip) == (expected, False), case


def test_two_touches_due_together_make_one_message_that_day() -> None:
    """An invitation and a thank-you due the same morning, no budget: one today, one tomorrow."""
    state = candidate(
        policy=UNBUDGETED,
        birthday=None,
        pending=(invitation(local("2027-03-02T08:00"), None), thank_you("2027-03-01")),
    )
    touches = plan(state, local("2027-03-02T08:00"))
    assert [(t.occasion, local_due(t), t.skip) for t in touches] == [
        ("event_follow_up", "2027-03-02 09:00", False),
        ("invitation", "2027-03-03 09:00", False),
    ]


def test_a_birthday_and_an_anniversary_on_one_day_make_one_message() -> None:
    state = candidate(policy=UNBUDGETED, birthday="03-01", started="2019-03-01")
    touches = plan(state, local("2027-02-28T20:00"), days=5)
    assert [(t.occasion, t.skip, t.reason) for t in touches] == [
        ("birthday", False, None),
        (
            "work_anniversary",
            True,
            "one message a day: birthday goes out on 2027-03-01",
        ),
    ]


def test_a_greeting_on_a_day_already_taken_is_skipped() -> None:
    """A thank-you went out this morning; a birthday added since cannot go today."""
    state = candidate(
        policy=UNBUDGETED, sent=((Occasion.EVENT_FOLLOW_UP, local("2027-03-01T09:00")),)
    )
    wish = the(plan(state, local("2027-03-01T10:00"), days=5), Occasion.BIRTHDAY)
    assert (wish.skip, wish.reason) == (
        True,
        "one message a day: event_follow_up went out on 2027-03-01",
    )


def test_no_two_messages_on_any_day_of_a_busy_fortnight() -> None:
    pending = (
        *(vacancy(local(f"2027-03-0{day}T11:00"), ref=f"v-{day}") for day in (1, 2)),
        *(invitation(local(f"2027-03-0{day}T08:00"), None, ref=f"i-{day}") for day in (2, 3)),
        thank_you("2027-02-28"),
    )
    state = candidate(policy=UNBUDGETED, pending=pending)
    touches = [t for t in plan(state, local("2027-02-28T20:00")) if not t.skip]
    days = [touch.local_date for touch in touches]
    # The wish, the thank-you, the vacancies of two days together, the invitations.
    assert len(days) == len(set(days)) == 5
    wish = the(touches, Occasion.BIRTHDAY)
    business = [t for t in touches if t.occasion in (Occasion.VACANCY, Occasion.INVITATION)]
    assert wish.local_date == "2027-03-01"
    assert all(t.local_date >= "2027-03-04" for t in business)


# --- local days at the date line --------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "tz", "wished_at", "due", "expected"),
    [
        # UTC+14: the wish went on Sunday evening UTC; Wednesday morning UTC is Wednesday
        # afternoon there, still quiet, though three UTC days have passed.
        ("east of the date line", "Pacific/Kiritimati", "2027-03-01T09:00", "2027-03-03T16:00",
         "2027-03-04 09:00"),
        # UTC-11: the wish went on Tuesday UTC; Thursday 09:00 there is two UTC days later
        # but three local days: it goes.
        ("west of the date line", "Pacific/Pago_Pago", "2027-03-01T16:00", "2027-03-04T09:00",
         "2027-03-04 09:00"),
    ],
)  # fmt: skip
def test_quiet_days_are_the_candidates_local_days(
    case: str, tz: str, wished_at: str, due: str, expected: str
) -> None:
    state = candidate(
        tz=tz,
        sent=((Occasion.BIRTHDAY, local(wished_at, tz)),),
        pending=(vacancy(local(due, tz)),),
    )
    touch = the(plan(state, local(due, tz)), Occasion.VACANCY)
    assert (local_due(touch, tz), touch.skip) == (expected, False), case


def test_one_message_a_day_is_the_candidates_local_day() -> None:
    """UTC-11: 16:00 Monday and 09:00 Tuesday there are both Tuesday in UTC, and may both go."""
    tz = "Pacific/Pago_Pago"
    state = candidate(
        tz=tz,
        policy=UNBUDGETED,
        birthday=None,
        sent=((Occasion.INVITATION, local("2027-03-01T16:00", tz)),),
        pending=(thank_you("2027-03-01", tz=tz),),
    )
    touch = the(plan(state, local("2027-03-02T08:00", tz)), Occasion.EVENT_FOLLOW_UP)
    assert (local_due(touch, tz), touch.skip) == ("2027-03-02 09:00", False)
    assert touch.due_at.date() == local("2027-03-01T16:00", tz).astimezone(ZoneInfo("UTC")).date()


# --- the old policy ---------------------------------------------------------------------------
def test_the_policys_defaults_keep_the_old_decisions() -> None:
    """A workflow started before spacing decodes its policy with the rules off: the vacancy
    opened on the birthday goes the same day, as it did (replays agree)."""
    old = SchedulePolicy()
    assert (old.greeting_quiet_days, old.one_touch_per_day) == (0, False)
    state = candidate(
        policy=old,
        sent=((Occasion.BIRTHDAY, local("2027-03-01T09:00")),),
        pending=(vacancy(local("2027-03-01T09:10")),),
    )
    job = the(plan(state, local("2027-03-01T09:05")), Occasion.VACANCY)
    assert (local_due(job), job.skip) == ("2027-03-01 09:10", False)

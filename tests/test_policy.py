"""Table tests for the channel policy, the contact budget, cadences and send windows."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rapport.outreach import planning, timing
from rapport.outreach.policy import PRIORITY, choose_channel, refusal
from rapport.outreach.state import (
    CandidateFacts,
    CandidateState,
    OneOff,
    SchedulePolicy,
    SentRecord,
)
from rapport.public_holidays import library_holidays, with_library_holidays
from rapport.vocabulary import Channel, Occasion, Rapport, SenderRole

POLICY = SchedulePolicy()
NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
OWNER = "jane.doe@example.com"


def person(**overrides: object) -> CandidateFacts:
    """A warm former colleague reachable everywhere, with an owner; overrides narrow it."""
    values: dict[str, object] = {
        "candidate_id": "c-1",
        "timezone": "Europe/London",
        "country": "GB",
        "owner": OWNER,
        "owner_role": "employee",
        "relationship_origin": "former_colleague",
        "rapport": "warm",
        "has_email": True,
        "has_linkedin": True,
        "has_postal_address": True,
        "consent": {"email": True},
    }
    values.update(overrides)
    return CandidateFacts(**values)  # type: ignore[arg-type]


# --- channel rules, one by one -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "overrides", "channel", "occasion", "refused_because"),
    [
        # Handwritten notes: met in person, warm or strong, with an address.
        ("note to a former colleague", {}, "handwritten_note", "event_follow_up", None),
        ("note after an event", {"relationship_origin": "in_person_event"}, "handwritten_note",
         "event_follow_up", None),
        ("no note to a cold contact", {"rapport": "cold"}, "handwritten_note", "event_follow_up",
         "warm or strong"),
        ("no note to a LinkedIn-only contact", {"relationship_origin": "linkedin_connection"},
         "handwritten_note", "event_follow_up", "met in person"),
        ("no note to a referral never met", {"relationship_origin": "referral"},
         "handwritten_note", "event_follow_up", "met in person"),
        ("no note to cold outreach", {"relationship_origin": "cold_outreach"}, "handwritten_note",
         "event_follow_up", "met in person"),
        ("no note without an address", {"has_postal_address": False}, "handwritten_note",
         "event_follow_up", "postal address"),
        # Public posts: celebrations with established connections only.
        ("post for a birthday", {}, "linkedin_post", "birthday", None),
        ("post for a work anniversary", {}, "linkedin_post", "work_anniversary", None),
        ("no post for a vacancy", {}, "linkedin_post", "vacancy", "birthdays and work anniv"),
        ("no post for a check-in", {}, "linkedin_post", "check_in", "birthdays and work anniv"),
        ("no post for a thank-you", {}, "linkedin_post", "event_follow_up", "birthdays"),
        ("no post for an invitation", {}, "linkedin_post", "invitation", "birthdays"),
        ("no post for cold outreach", {"relationship_origin": "cold_outreach"}, "linkedin_post",
         "birthday", "cold connection"),
        ("no post off LinkedIn", {"has_linkedin": False}, "linkedin_post", "birthday",
         "not on LinkedIn"),
        # LinkedIn messages: anyone on LinkedIn.
        ("message to a cold connection",
         {"rapport": "cold", "relationship_origin": "cold_outreach"}, "linkedin_message",
         "vacancy", None),
        ("no message off LinkedIn", {"has_linkedin": False}, "linkedin_message", "check_in",
         "not on LinkedIn"),
        # Email: an address and consent.
        ("email with address and consent", {}, "email", "check_in", None),
        ("no email without an address", {"has_email": False}, "email", "birthday",
         "no email address"),
        ("no email without consent", {"consent": {}}, "email", "birthday", "no consent"),
        ("no email with consent withdrawn", {"consent": {"email": False}}, "email", "birthday",
         "no consent"),
        # Opt-outs are final, per channel.
        ("opted out of email", {"opt_outs": ["email"]}, "email", "birthday", "opted out"),
        ("opted out of LinkedIn", {"opt_outs": ["linkedin_message"]}, "linkedin_message",
         "birthday", "opted out"),
        ("opted out of notes", {"opt_outs": ["handwritten_note"]}, "handwritten_note",
         "event_follow_up", "opted out"),
        # Assisted channels need a person.
        ("no LinkedIn draft without an owner", {"owner": None}, "linkedin_message", "birthday",
         "needs a person"),
    ],
)  # fmt: skip
def test_channel_rules(
    rule: str,
    overrides: dict[str, object],
    channel: str,
    occasion: str,
    refused_because: str | None,
) -> None:
    facts = person(**overrides)
    why_not = refusal(
        facts, Channel(channel), Occasion(occasion), sender=facts.owner, policy=POLICY
    )
    if refused_because is None:
        assert why_not is None, rule
    else:
        assert why_not is not None and refused_because in why_not, (rule, why_not)


def test_a_provider_makes_notes_automatic_and_ownerless_notes_possible() -> None:
    facts = person(owner=None)
    assert refusal(
        facts, Channel.HANDWRITTEN_NOTE, Occasion.EVENT_FOLLOW_UP, sender=None, policy=POLICY
    )
    with_provider = SchedulePolicy(note_provider=True)
    assert (
        refusal(
            facts,
            Channel.HANDWRITTEN_NOTE,
            Occasion.EVENT_FOLLOW_UP,
            sender=None,
            policy=with_provider,
        )
        is None
    )
    choice = choose_channel(facts, Occasion.EVENT_FOLLOW_UP, with_provider)
    assert (choice.channel, choice.assisted) == ("handwritten_note", False)


# --- preferences: what suits the relationship ---------------------------------------------------
@pytest.mark.parametrize(
    ("case", "overrides", "occasion", "sender_role", "channel", "assisted"),
    [
        ("thank-you after meeting: a note", {}, "event_follow_up", "employee", "handwritten_note",
         True),
        ("thank-you with no address: email", {"has_postal_address": False}, "event_follow_up",
         "employee", "email", False),
        ("warm anniversary: a public congratulation", {}, "work_anniversary", "employee",
         "linkedin_post", True),
        ("warm birthday: email", {}, "birthday", "employee", "email", False),
        ("cold birthday: LinkedIn message", {"rapport": "cold"}, "birthday", "hr",
         "linkedin_message", True),
        ("cold outreach anniversary: never a post", {"relationship_origin": "cold_outreach"},
         "work_anniversary", "hr", "linkedin_message", True),
        ("cold vacancy: LinkedIn message", {"rapport": "cold"}, "vacancy", "hr",
         "linkedin_message", True),
        ("warm vacancy: email", {}, "vacancy", "hr", "email", False),
        ("vacancy off LinkedIn without email: none", {"has_linkedin": False, "has_email": False},
         "vacancy", "hr", None, False),
        ("the CEO's invitation to connect: LinkedIn", {}, "invitation", "ceo",
         "linkedin_message", True),
        ("marketing's webinar: email", {}, "invitation", "marketing", "email", False),
        ("check-in: email", {}, "check_in", "employee", "email", False),
    ],
)  # fmt: skip
def test_preferred_channel(
    case: str,
    overrides: dict[str, object],
    occasion: str,
    sender_role: str,
    channel: str | None,
    assisted: bool,
) -> None:
    facts = person(**overrides)
    choice = choose_channel(
        facts, Occasion(occasion), POLICY, sender=facts.owner, sender_role=SenderRole(sender_role)
    )
    assert (choice.channel, choice.assisted) == (channel, assisted), case
    if channel is None:
        assert choice.reason, "a refusal always says why"


def test_fatigue_moves_to_another_channel_after_repeated_silence() -> None:
    facts = person()
    fresh = choose_channel(
        facts, Occasion.CHECK_IN, POLICY, sender=OWNER, unanswered={Channel.EMAIL: 2}
    )
    assert fresh.channel == "email"
    tired = choose_channel(
        facts, Occasion.CHECK_IN, POLICY, sender=OWNER, unanswered={Channel.EMAIL: 3}
    )
    assert tired.channel == "linkedin_message"
    # Tired of every channel: still the best one rather than none.
    all_tired = choose_channel(
        facts,
        Occasion.CHECK_IN,
        POLICY,
        sender=OWNER,
        unanswered={Channel.EMAIL: 5, Channel.LINKEDIN_MESSAGE: 5},
    )
    assert all_tired.channel == "email"


def test_fallback_excludes_what_was_tried() -> None:
    facts = person()
    choice = choose_channel(
        facts, Occasion.EVENT_FOLLOW_UP, POLICY, sender=OWNER, exclude=[Channel.HANDWRITTEN_NOTE]
    )
    assert choice.channel == "email"
    nothing = choose_channel(
        person(has_email=False, has_linkedin=False),
        Occasion.EVENT_FOLLOW_UP,
        POLICY,
        sender=OWNER,
        exclude=[Channel.HANDWRITTEN_NOTE],
    )
    assert nothing.channel is None
    assert nothing.reason is not None and "already tried" in nothing.reason


def test_priorities_are_the_designs() -> None:
    ordered = sorted(PRIORITY, key=PRIORITY.__getitem__, reverse=True)
    assert ordered == [
        "vacancy",
        "event_follow_up",
        "birthday",
        "work_anniversary",
        "invitation",
        "check_in",
    ]


# --- the contact budget --------------------------------------------------------------------------
def state(facts: CandidateFacts | None = None, **values: object) -> CandidateState:
    return CandidateState(facts=facts or person(), policy=POLICY, **values)  # type: ignore[arg-type]


def pending(occasion: str, ref: str, not_before: datetime, **extra: object) -> OneOff:
    return OneOff(occasion, ref, "marketing", OWNER, not_before, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "earlier", "later", "skipped", "reason_words"),
    [
        ("a birthday 10 days after a check-in still goes", ("check_in", 0), ("birthday", 10),
         None, None),
        ("an anniversary 10 days after an invitation still goes", ("invitation", 0),
         ("work_anniversary", 10), None, None),
        ("anniversary 5 days after a birthday is skipped", ("birthday", 0),
         ("work_anniversary", 5), "work_anniversary", "birthday went out"),
        ("invitation 20 days after a thank-you is skipped", ("event_follow_up", 0),
         ("invitation", 20), "invitation", "event_follow_up went out"),
        ("check-in after a check-in is skipped", ("check_in", 0), ("check_in", 29), "check_in",
         "check_in went out"),
        ("31 days apart: both go", ("check_in", 0), ("birthday", 31), None, None),
    ],
)  # fmt: skip
def test_budget_collisions(
    case: str,
    earlier: tuple[str, int],
    later: tuple[str, int],
    skipped: str | None,
    reason_words: str | None,
) -> None:
    """Two touches `days` apart: the lower priority one is skipped with the reason."""
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    recent = []
    candidate = state()
    candidate.facts.greetings_only = False
    # The earlier touch already went out; the later one is planned.
    recent.append(SentRecord(Occasion(earlier[0]), Channel.EMAIL, start))
    due = start + timedelta(days=later[1])
    candidate.recent = recent
    candidate.pending = [pending(later[0], "p-1", due)] if later[0] not in ("birthday",) else []
    if later[0] == "birthday":
        candidate.facts.birthday = f"{due:%m-%d}"
    if later[0] == "work_anniversary":
        candidate.pending = []
        candidate.facts.job_started_on = f"2015-{due:%m-%d}"
    if later[0] == "check_in":
        candidate.pending = []
        candidate.last_check_in_at = due - planning.CHECK_IN_EVERY[Rapport.WARM]
    touches = [
        touch
        for touch in planning.plan(candidate, due - timedelta(hours=1), timedelta(days=2))
        if touch.occasion == later[0]
    ]
    assert touches, case
    touch = touches[0]
    if skipped is None:
        assert not touch.skip, (case, touch.reason)
    else:
        assert touch.skip, case
        assert touch.reason is not None and reason_words is not None
        assert reason_words in touch.reason, (case, touch.reason)


def test_lower_priority_ahead_of_a_higher_one_is_planned_as_a_skip() -> None:
    """The planner sees a birthday coming and skips the check-in before it."""
    candidate = state(person(birthday="01-05", enrolled_on="2026-11-01"))
    touches = planning.plan(candidate, NOW, timedelta(days=120))
    check_ins = [touch for touch in touches if touch.occasion == "check_in"]
    birthday = next(touch for touch in touches if touch.occasion == "birthday")
    assert not birthday.skip
    assert check_ins and check_ins[0].skip
    assert check_ins[0].reason == "contact budget: birthday is due on 2027-01-05"


def test_colder_relationships_get_fewer_touches() -> None:
    horizon = timedelta(days=730)

    def sent(facts: CandidateFacts) -> int:
        touches = planning.plan(state(facts), NOW, horizon)
        return sum(not touch.skip for touch in touches)

    strong = sent(person(rapport="strong", enrolled_on="2026-11-01"))
    warm = sent(person(rapport="warm", enrolled_on="2026-11-01"))
    cold = sent(person(rapport="cold", enrolled_on="2026-11-01"))
    assert strong > warm > cold > 0


def test_cold_budget_is_wider() -> None:
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    for rapport, skipped in (("warm", False), ("cold", True)):
        candidate = state(person(rapport=rapport, greetings_only=False))
        candidate.recent = [SentRecord(Occasion.BIRTHDAY, Channel.EMAIL, start)]
        due = start + timedelta(days=45)
        candidate.pending = [pending("invitation", "i-1", due)]
        touches = planning.plan(candidate, due - timedelta(hours=1), timedelta(days=2))
        invitation = next(t for t in touches if t.occasion == "invitation")
        assert invitation.skip is skipped, rapport


# --- windows, working days, holidays ------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "after", "country", "tz", "expected_local"),
    [
        ("inside the window: now", "2027-03-03T10:30:00+00:00", "GB", "Europe/London",
         "2027-03-03T10:30:00+00:00"),
        ("before the window: its start", "2027-03-03T06:00:00+00:00", "GB", "Europe/London",
         "2027-03-03T09:00:00+00:00"),
        ("after the window: next morning", "2027-03-03T17:30:00+00:00", "GB", "Europe/London",
         "2027-03-04T09:00:00+00:00"),
        ("Saturday: Monday", "2027-03-06T10:00:00+00:00", "GB", "Europe/London",
         "2027-03-08T09:00:00+00:00"),
        ("Christmas Day and Boxing Day in the UK", "2026-12-25T10:00:00+00:00", "GB",
         "Europe/London", "2026-12-29T09:00:00+00:00"),
        ("German Unity Day", "2028-10-03T06:00:00+00:00", "DE", "Europe/Berlin",
         "2028-10-04T09:00:00+02:00"),
        ("US Independence Day observed", "2027-07-05T12:00:00+00:00", "US", "America/New_York",
         "2027-07-06T09:00:00-04:00"),
        ("Japan's working Saturday is still a weekend", "2027-05-01T01:00:00+00:00", "JP",
         "Asia/Tokyo", "2027-05-06T09:00:00+09:00"),
        ("a country the library lacks has no holidays", "2027-12-25T10:00:00+00:00", "AQ",
         "Antarctica/Troll", "2027-12-27T09:00:00+00:00"),
    ],
)  # fmt: skip
def test_next_slot(case: str, after: str, country: str, tz: str, expected_local: str) -> None:
    slot = timing.next_slot(
        datetime.fromisoformat(after),
        ZoneInfo(tz),
        timing.Window.of(POLICY),
        POLICY,
        country,
        library_holidays,
    )
    assert slot == datetime.fromisoformat(expected_local), case


def test_check_ins_land_in_windows_on_working_days_and_follow_the_cadence() -> None:
    candidate = state(person(enrolled_on="2026-11-01", country="DE", timezone="Europe/Berlin"))
    candidate = with_library_holidays(candidate, NOW)
    touches = [
        touch
        for touch in planning.plan(candidate, NOW, timedelta(days=730))
        if touch.occasion == "check_in"
    ]
    assert len(touches) >= 6
    berlin = ZoneInfo("Europe/Berlin")
    for touch in touches:
        local = touch.due_at.astimezone(berlin)
        assert local.weekday() < 5
        assert 9 <= local.hour < 17
        assert local.date() not in library_holidays("DE", local.year)
    gaps = [b.due_at - a.due_at for a, b in itertools.pairwise(touches)]
    assert all(timedelta(days=90) <= gap < timedelta(days=97) for gap in gaps)


def test_greetings_only_and_stages() -> None:
    facts = person(birthday="12-10", greetings_only=True, enrolled_on="2026-06-01")
    candidate = state(facts, pending=[pending("invitation", "i-1", NOW)])
    occasions = {touch.occasion for touch in planning.plan(candidate, NOW, timedelta(days=365))}
    assert occasions == {"birthday"}
    for stage in ("engaged", "paused", "opted_out", "hired", "archived"):
        assert planning.plan(state(facts, stage=stage), NOW, timedelta(days=365)) == []


def test_event_follow_up_within_14_days_and_missed_if_too_late() -> None:
    met = date(2026, 11, 20)
    follow_up = planning.event_follow_up(met, "Europe/London", "m-1", OWNER, SenderRole.EMPLOYEE)
    candidate = state(person(), pending=[follow_up])
    touch = planning.next_touch(candidate, datetime(2026, 11, 20, 20, 0, tzinfo=UTC))
    assert touch is not None and touch.occasion == "event_follow_up"
    assert touch.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the next working day
    assert (touch.channel, touch.assisted) == ("handwritten_note", True)
    assert touch.deadline is not None
    assert touch.deadline <= datetime(2026, 12, 4, 23, 59, tzinfo=UTC)
    assert touch.deadline - touch.due_at == timedelta(days=POLICY.task_deadline_days)

    late = planning.next_touch(candidate, datetime(2026, 12, 10, 10, 0, tzinfo=UTC))
    assert late is not None and late.skip
    assert late.reason is not None and late.reason.startswith("missed its moment")


def test_greeting_task_deadline_is_the_end_of_its_day() -> None:
    candidate = state(person(rapport="cold", birthday="12-10", greetings_only=True))
    touch = planning.next_touch(candidate, NOW)
    assert touch is not None and touch.channel == "linkedin_message" and touch.assisted
    assert touch.deadline == datetime(2026, 12, 10, 17, 0, tzinfo=UTC)


def test_vacancies_from_two_hiring_managers_to_someone_nobody_holds_come_from_the_first() -> None:
    now = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)
    facts = person(
        owner=None,
        owner_role="hr",
        rapport="cold",
        relationship_origin="linkedin_connection",
        consent={},
    )
    vacancies = [
        OneOff(Occasion.VACANCY, ref, SenderRole.EMPLOYEE, manager, now)
        for ref, manager in (("v-a", "ann.hm@example.com"), ("v-b", "bob.hm@example.com"))
    ]
    planned = planning.plan(state(facts, pending=vacancies), now)
    [touch] = [t for t in planned if t.occasion == "vacancy"]
    assert (touch.ref_id, touch.sender, touch.sender_role) == (
        "v-a,v-b",
        "ann.hm@example.com",
        "employee",
    )
    # A cold LinkedIn contact: the hiring manager gets the draft, rather than nobody at all.
    assert (touch.channel, touch.assisted, touch.skip) == ("linkedin_message", True, False)


def test_the_first_hiring_manager_who_is_someone_writes() -> None:
    now = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)
    facts = person(owner=None, owner_role="hr", consent={}, rapport="cold",
                   relationship_origin="linkedin_connection")  # fmt: skip
    vacancies = [
        OneOff(Occasion.VACANCY, "v-a", SenderRole.HR, None, now),
        OneOff(Occasion.VACANCY, "v-b", SenderRole.EMPLOYEE, "bob.hm@example.com", now),
    ]
    planned = planning.plan(state(facts, pending=vacancies), now)
    [touch] = [t for t in planned if t.occasion == "vacancy"]
    assert (touch.sender, touch.channel, touch.skip) == (
        "bob.hm@example.com",
        "linkedin_message",
        False,
    )

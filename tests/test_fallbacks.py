"""A fallback keeps its touch's send window and last moment: the two breaches bench.simulation
found (a greeting's last fallback emailed at 01:00 the next day; a draft's 3-day deadline
crossing a DST change, its email sent at 08:00) each as a case, and the rules around them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rapport.outreach import fallbacks
from rapport.outreach.state import (
    CandidateFacts,
    CandidateState,
    OneOff,
    PlannedTouch,
    SchedulePolicy,
)
from rapport.vocabulary import Channel, Occasion, Rapport, RelationshipOrigin, SenderRole, Stage


def state(tz: str, country: str, **extra: object) -> CandidateState:
    facts = CandidateFacts(
        candidate_id="c-1",
        timezone=tz,
        country=country,
        has_email=True,
        consent={Channel.EMAIL: True},
        relationship_origin=RelationshipOrigin.FORMER_COLLEAGUE,
        rapport=Rapport.WARM,
    )
    return CandidateState(facts=facts, policy=SchedulePolicy(), **extra)  # type: ignore[arg-type]


def touch(occasion: Occasion, due: str, local_date: str, ref: str | None = None) -> PlannedTouch:
    return PlannedTouch(
        occasion=occasion,
        channel=Channel.LINKEDIN_MESSAGE,
        sender_role=SenderRole.EMPLOYEE,
        due_at=datetime.fromisoformat(due).astimezone(UTC),
        local_date=local_date,
        summary="",
        idempotency_key="k",
        ref_id=ref,
        assisted=True,
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_greeting_s_fallback_email_goes_on_its_day_inside_the_window() -> None:
    honolulu = state("Pacific/Honolulu", "US")
    birthday = touch(Occasion.BIRTHDAY, "2027-07-14T09:00-10:00", "2027-07-14")
    # The post's draft expired at noon: the email goes now, the window being open.
    moment = fallbacks.send_moment(honolulu, birthday, at("2027-07-14T12:00-10:00"))
    assert moment.at == at("2027-07-14T12:00-10:00")
    # The window has closed (the second draft ran to 01:00): it does not go at all.
    late = fallbacks.send_moment(honolulu, birthday, at("2027-07-15T01:00-10:00"))
    assert late.at is None
    assert late.reason is not None and late.reason.startswith("missed its moment")
    # Before the window opens on the day (a draft skipped at dawn): at 09:00.
    early = fallbacks.send_moment(honolulu, birthday, at("2027-07-14T06:30-10:00"))
    assert early.at == at("2027-07-14T09:00-10:00")


def test_a_greeting_s_fallback_draft_never_runs_past_its_day() -> None:
    paris = state("Europe/Paris", "FR")
    birthday = touch(Occasion.BIRTHDAY, "2027-03-10T09:00+01:00", "2027-03-10")
    first_deadline = at("2027-03-10T17:00+01:00")
    # Expired at 11:00 after a two-hour draft: the next draft gets two hours too.
    moment = fallbacks.draft_deadline(paris, birthday, at("2027-03-10T11:00+01:00"), first_deadline)
    assert moment.at == at("2027-03-10T17:00+01:00")
    # Expired at the window's end: no second draft that would run into the night.
    closed = fallbacks.draft_deadline(paris, birthday, first_deadline, first_deadline)
    assert closed.at is None and closed.reason


def test_a_check_in_s_fallback_across_the_dst_change_waits_for_the_window() -> None:
    paris = state("Europe/Paris", "FR")
    check_in = touch(Occasion.CHECK_IN, "2027-10-29T09:00+02:00", "2027-10-29")
    # The 3-day draft, in absolute time, expired on Monday at 08:00 winter time.
    expired = at("2027-10-29T09:00+02:00") + timedelta(days=3)
    assert expired == at("2027-11-01T08:00+01:00")
    moment = fallbacks.send_moment(paris, check_in, expired)
    # 1 November is a public holiday in France (when pinned); unpinned, Monday's 09:00.
    assert moment.at == at("2027-11-01T09:00+01:00")
    pinned = state("Europe/Paris", "FR", holidays={"FR:2027": ["2027-11-01"]})
    assert fallbacks.send_moment(pinned, check_in, expired).at == at("2027-11-02T09:00+01:00")


def test_a_weekend_fallback_of_a_business_touch_waits_for_monday() -> None:
    london = state("Europe/London", "GB")
    check_in = touch(Occasion.CHECK_IN, "2027-06-02T10:00+01:00", "2027-06-02")
    saturday = at("2027-06-05T10:00+01:00")
    assert fallbacks.send_moment(london, check_in, saturday).at == at("2027-06-07T09:00+01:00")


def test_a_thank_you_never_goes_past_its_fourteen_days() -> None:
    deadline = at("2027-06-18T23:59+02:00")  # a Friday
    berlin = state(
        "Europe/Berlin",
        "DE",
        pending=[
            OneOff(
                occasion=Occasion.EVENT_FOLLOW_UP,
                ref_id="i-1",
                sender_role=SenderRole.EMPLOYEE,
                sender=None,
                not_before=at("2027-06-05T00:00+02:00"),
                deadline=deadline,
            )
        ],
    )
    thanks = touch(Occasion.EVENT_FOLLOW_UP, "2027-06-15T09:00+02:00", "2027-06-15", ref="i-1")
    assert fallbacks.last_moment(berlin, thanks) == deadline
    # Its draft expired Friday evening: the next window (Monday) is past the 14 days.
    friday_evening = at("2027-06-18T18:00+02:00")
    assert fallbacks.send_moment(berlin, thanks, friday_evening).at is None
    # Expired Thursday evening: Friday morning is still within them.
    thursday_evening = at("2027-06-17T18:00+02:00")
    assert fallbacks.send_moment(berlin, thanks, thursday_evening).at == at(
        "2027-06-18T09:00+02:00"
    )


def test_a_waiting_fallback_is_withdrawn_by_what_the_planner_stops_for() -> None:
    # bench.simulation, 100 x 3 years: a check-in's fallback email waited for its window and
    # went after a "not interested" reply had come in meanwhile.
    check_in = touch(Occasion.CHECK_IN, "2027-10-18T09:00-04:00", "2027-10-18")
    birthday = touch(Occasion.BIRTHDAY, "2027-10-18T09:00-04:00", "2027-10-18")
    new_york = state("America/New_York", "US")
    assert fallbacks.withdrawn(new_york, check_in) is None
    new_york.facts.greetings_only = True  # what a "not interested" reply does
    assert fallbacks.withdrawn(new_york, check_in) == "not interested: greetings only"
    assert fallbacks.withdrawn(new_york, birthday) is None
    held = state("America/New_York", "US", replies_to_classify=["i-1"])
    assert fallbacks.withdrawn(held, birthday) == "a reply waits to be classified"
    later = state("America/New_York", "US", resume_on="2028-03-01")
    assert fallbacks.withdrawn(later, check_in) == "not now: resumes on 2028-03-01"
    gone = state("America/New_York", "US", stage=Stage.OPTED_OUT)
    assert fallbacks.withdrawn(gone, birthday) == "stage is opted_out"

"""Table tests for explainable matching and campaign segments."""

from __future__ import annotations

import pytest

from rapport.matching import CandidateProfile, VacancyProfile, in_segment, match, seniority_level

DATA_ENGINEER = VacancyProfile(
    title="Senior Data Engineer",
    skills=("Python", "Spark", "Kafka", "SQL"),
    seniority="senior",
    location="Berlin",
)


@pytest.mark.parametrize(
    ("case", "candidate", "vacancy", "fits", "score", "reasons"),
    [
        ("everything fits",
         CandidateProfile(("python", "spark", "kafka", "sql"), "Senior Data Engineer", "Berlin"),
         DATA_ENGINEER, True, 1.0,
         ("4 of 4 skills: kafka, python, spark, sql", "works as Senior Data Engineer",
          "the same seniority", "based in Berlin")),
        ("a step up, elsewhere",
         CandidateProfile(("python", "spark"), "Data Engineer", "Munich"),
         DATA_ENGINEER, True, 0.6,
         ("2 of 4 skills: python, spark", "works as Data Engineer", "a step up in seniority")),
        ("skills alone are not enough",
         CandidateProfile(("python", "spark"), "Barista", "Hamburg"),
         DATA_ENGINEER, False, 0.25, ("2 of 4 skills: python, spark",)),
        ("one generic skill of four is no fit, however good the rest",
         CandidateProfile(("sql",), "Senior Data Engineer", "Berlin"),
         DATA_ENGINEER, False, 0.625,
         ("1 of 4 skills: sql", "works as Senior Data Engineer", "the same seniority",
          "based in Berlin")),
        ("no shared skill: no match at all",
         CandidateProfile(("java",), "Senior Data Engineer", "Berlin"),
         DATA_ENGINEER, False, 0.0, ()),
        ("remote roles fit anywhere",
         CandidateProfile(("python", "sql"), "Senior Analytics Engineer", "Lisbon"),
         VacancyProfile("Senior Data Engineer", ("python", "sql"), "senior", None, remote=True),
         True, 0.9,
         ("2 of 2 skills: python, sql", "works as Senior Analytics Engineer",
          "the same seniority", "the role is remote")),
        ("two levels down is no seniority match",
         CandidateProfile(("python", "spark", "kafka", "sql"), "Junior Data Engineer", "Berlin"),
         DATA_ENGINEER, True, 0.85,
         ("4 of 4 skills: kafka, python, spark, sql", "works as Junior Data Engineer",
          "based in Berlin")),
        ("skills match case-insensitively",
         CandidateProfile(("PYTHON", " Spark ", "kafka", "sql"), None, None),
         DATA_ENGINEER, True, 0.5, ("4 of 4 skills: kafka, python, spark, sql",)),
    ],
)  # fmt: skip
def test_match(
    case: str,
    candidate: CandidateProfile,
    vacancy: VacancyProfile,
    fits: bool,
    score: float,
    reasons: tuple[str, ...],
) -> None:
    result = match(candidate, vacancy)
    assert result.fits is fits, case
    assert result.score == pytest.approx(score, abs=0.001), case
    assert result.reasons == reasons, case


@pytest.mark.parametrize(
    ("title", "level"),
    [("Senior Engineer", 3), ("Staff Engineer", 4), ("Engineer", None), ("Head of Data", 5),
     ("Jr", None), ("junior developer", 1), (None, None)],
)  # fmt: skip
def test_seniority_level(title: str | None, level: int | None) -> None:
    assert seniority_level(title) == level


ANA = CandidateProfile(("python", "go"), "Backend Engineer", "Lisbon, Portugal")


@pytest.mark.parametrize(
    ("segment", "inside"),
    [
        ({}, True),
        ({"skills": ["Go"]}, True),
        ({"skills": ["rust"]}, False),
        ({"skills": ["rust"], "interests": ["observability"]}, True),
        ({"location": "lisbon"}, True),
        ({"location": "Porto"}, False),
        ({"origins": ["in_person_event", "former_colleague"]}, True),
        ({"origins": ["cold_outreach"]}, False),
        ({"rapports": ["warm", "strong"]}, True),
        ({"rapports": ["cold"]}, False),
    ],
)
def test_campaign_segment(segment: dict[str, object], inside: bool) -> None:
    assert in_segment(ANA, ["Observability"], "former_colleague", "warm", segment) is inside


@pytest.mark.parametrize(
    ("lives", "wanted", "same"),
    [
        ("Berlin, Germany", "Berlin", True),
        ("Berlin", "berlin", True),
        ("Munich, Germany", "Germany", True),
        ("New York City", "New York", True),
        ("Jerome, Idaho", "Rome", False),
        ("York, UK", "New York", False),
        ("Lagos", "LA", False),
        ("Łódź, Poland", "Łódź", True),
        ("Łódź", "Düsseldorf", False),
        ("東京", "東京", True),
        ("Berlin", "東京", False),
        ("Berlin.", "Berlin", True),
    ],
)  # fmt: skip
def test_places_match_word_for_word(lives: str, wanted: str, same: bool) -> None:
    vacancy = VacancyProfile("Data Engineer", ("python",), None, wanted)
    result = match(CandidateProfile(("python",), "Data Engineer", lives), vacancy)
    assert (f"based in {lives}" in result.reasons) is same
    segment: dict[str, object] = {"location": wanted}
    assert in_segment(CandidateProfile((), None, lives), (), "referral", "warm", segment) is same


def test_the_candidate_hears_what_fits_and_never_what_is_missing() -> None:
    result = match(
        CandidateProfile(("python", "spark", "dbt"), "Data Engineer", "Berlin, Germany"),
        DATA_ENGINEER,
    )
    assert result.highlights == (
        "your experience with python and spark",
        "your work as Data Engineer",
        "the step up it would be",
        "its place in Berlin, close to you",
    )
    assert not any("of 4" in phrase or "kafka" in phrase for phrase in result.highlights)
    remote = VacancyProfile("Analytics Engineer", ("sql",), None, None, remote=True)
    assert match(CandidateProfile(("sql",), None, None), remote).highlights == (
        "your experience with sql",
        "the option to work fully remotely",
    )

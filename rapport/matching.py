"""Explainable matching of passive candidates to a vacancy: a score, and the reasons for it.

Pure functions over plain values; the fan-out activity applies them page by page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Levels of seniority as titles spell them; a title with none of these words is mid-level.
SENIORITY_WORDS: dict[str, int] = {
    "intern": 0,
    "trainee": 0,
    "junior": 1,
    "graduate": 1,
    "mid": 2,
    "senior": 3,
    "sr": 3,
    "staff": 4,
    "lead": 4,
    "principal": 5,
    "head": 5,
    "director": 6,
    "vp": 7,
    "chief": 8,
}
SENIORITY_NAMES = {
    0: "intern",
    1: "junior",
    2: "mid-level",
    3: "senior",
    4: "staff",
    5: "principal",
}
TITLE_NOISE = set(SENIORITY_WORDS) | {"of", "and", "the", "for", "ii", "iii", "i", "&", "-"}

SKILLS_WEIGHT = 0.5
TITLE_WEIGHT = 0.2
SENIORITY_WEIGHT = 0.15
LOCATION_WEIGHT = 0.15
THRESHOLD = 0.5
# Someone who has only one generic skill of many (say SQL) is not a fit, however well the
# title and place match.
MIN_SKILL_SHARE = 0.5


@dataclass(frozen=True)
class VacancyProfile:
    title: str
    skills: tuple[str, ...]
    seniority: str | None = None
    location: str | None = None
    remote: bool = False


@dataclass(frozen=True)
class CandidateProfile:
    skills: tuple[str, ...]
    current_title: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class Match:
    score: float
    reasons: tuple[str, ...]  # for the recruiter: what counted, and how much
    skill_share: float = 0.0
    # For the candidate: why the role suits them, as phrases that follow "because of", and
    # never what they lack.
    highlights: tuple[str, ...] = ()

    @property
    def fits(self) -> bool:
        return self.score >= THRESHOLD and self.skill_share >= MIN_SKILL_SHARE


def words(text: str | None) -> set[str]:
    """Lower-cased words in any script (Łódź, 東京), keeping c++, c# and node.js whole."""
    parts = re.split(r"[^\w+#.]+", (text or "").lower())
    return {word for part in parts if (word := part.strip("."))}


def normalised(items: Iterable[str]) -> set[str]:
    return {item.strip().lower() for item in items if item.strip()}


def seniority_level(text: str | None) -> int | None:
    """The seniority a title or a seniority field names, or None when it names none."""
    levels = [SENIORITY_WORDS[word] for word in words(text) if word in SENIORITY_WORDS]
    return max(levels) if levels else None


def natural_join(items: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    listed = list(items)
    return listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"


def same_place(wanted: str, lives: str) -> bool:
    """Every word of one place is in the other: Berlin ~ Berlin, Germany; Rome !~ Jerome."""
    wanted_words, lives_words = words(wanted), words(lives)
    return bool(wanted_words and lives_words) and (
        wanted_words <= lives_words or lives_words <= wanted_words
    )


def match(candidate: CandidateProfile, vacancy: VacancyProfile) -> Match:
    """Score from skills (half), title, seniority and location; a fit shares half the skills."""
    wanted = normalised(vacancy.skills)
    shared = sorted(wanted & normalised(candidate.skills))
    if not wanted or not shared:
        return Match(0.0, ())
    reasons = [f"{len(shared)} of {len(wanted)} skills: {', '.join(shared)}"]
    highlights = [f"your experience with {natural_join(shared)}"]
    score = SKILLS_WEIGHT * len(shared) / len(wanted)

    role_words = words(vacancy.title) - TITLE_NOISE
    common = sorted(role_words & (words(candidate.current_title) - TITLE_NOISE))
    if common and candidate.current_title:
        score += TITLE_WEIGHT * len(common) / len(role_words)
        reasons.append(f"works as {candidate.current_title}")
        highlights.append(f"your work as {candidate.current_title.strip()}")

    wanted_level = seniority_level(vacancy.seniority) or seniority_level(vacancy.title)
    # Seniority only means something within the same line of work.
    if wanted_level is not None and common:
        level = seniority_level(candidate.current_title)
        has = 2 if level is None else level
        if has == wanted_level:
            score += SENIORITY_WEIGHT
            reasons.append("the same seniority")
        elif has + 1 == wanted_level:
            score += SENIORITY_WEIGHT
            reasons.append("a step up in seniority")
            highlights.append("the step up it would be")

    if vacancy.remote:
        score += LOCATION_WEIGHT
        reasons.append("the role is remote")
        highlights.append("the option to work fully remotely")
    elif (
        vacancy.location and candidate.location and same_place(vacancy.location, candidate.location)
    ):
        score += LOCATION_WEIGHT
        reasons.append(f"based in {candidate.location}")
        highlights.append(f"its place in {vacancy.location.strip()}, close to you")
    return Match(
        round(min(score, 1.0), 3),
        tuple(reasons),
        len(shared) / len(wanted),
        tuple(highlights),
    )


def in_segment(
    candidate: CandidateProfile,
    interests: Iterable[str],
    origin: str,
    rapport: str,
    segment: dict[str, object],
) -> bool:
    """A campaign's segment: any listed skill or interest, the location, origins, rapports."""
    skills = normalised(_strings(segment.get("skills")))
    wanted_interests = normalised(_strings(segment.get("interests")))
    if (skills or wanted_interests) and not (
        skills & normalised(candidate.skills) or wanted_interests & normalised(interests)
    ):
        return False
    location = segment.get("location")
    # The segment's place, word for word, within where they live: Berlin in "Berlin, Germany";
    # Rome not in "Jerome".
    if isinstance(location, str) and location.strip():
        place = words(location)
        if not place or not place <= words(candidate.location):
            return False
    origins = set(_strings(segment.get("origins")))
    if origins and origin not in origins:
        return False
    rapports = set(_strings(segment.get("rapports")))
    return not rapports or rapport in rapports


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []

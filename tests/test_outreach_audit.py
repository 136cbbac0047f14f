"""Years of plans over many seeded random candidates: the rules hold for every one of them,
and a policy recorded before a rule existed still plans exactly as it did."""

from __future__ import annotations

import json
from pathlib import Path

from .outreach_world import GOLDEN_SEEDS, fingerprints

GOLDEN = Path(__file__).resolve().parent / "golden" / "old_policy_plans.json"


def test_plans_under_the_policys_defaults_are_unchanged() -> None:
    """A workflow started before a rule was added carries a policy without the rule's field;
    it decodes with the field's default, which must plan exactly as before (replays agree).

    The fingerprints were made by the planner before the spacing rules (tests/outreach_world.py
    prints them): a plan from the start over three years and every touch carried out while
    vacancies, invitations and meetings arrive.
    """
    recorded = json.loads(GOLDEN.read_text())
    assert fingerprints(GOLDEN_SEEDS) == recorded

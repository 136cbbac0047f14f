"""The custom search attributes of the design, shared by the workflow, the API and the dev stack."""

from __future__ import annotations

from datetime import datetime

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

CANDIDATE_STAGE = SearchAttributeKey.for_keyword("CandidateStage")
NEXT_OCCASION = SearchAttributeKey.for_keyword("NextOccasion")
NEXT_TOUCH_AT = SearchAttributeKey.for_datetime("NextTouchAt")
RELATIONSHIP_OWNER = SearchAttributeKey.for_keyword("RelationshipOwner")
# Set while a draft waits for a person: who, and since when.
AWAITING_OWNER = SearchAttributeKey.for_keyword("AwaitingOwner")
AWAITING_SINCE = SearchAttributeKey.for_datetime("AwaitingSince")
# A connected mailbox's workflow: how its last read went (rapport.vocabulary.MailboxHealth).
MAILBOX_HEALTH = SearchAttributeKey.for_keyword("RapportMailboxHealth")
# Set by Temporal on every workflow a schedule starts (built in, not registered by us).
SCHEDULED_START_TIME = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")

# name → type as the `temporal` CLI and the operator API spell it
REGISTRY: dict[str, str] = {
    "CandidateStage": "Keyword",
    "NextOccasion": "Keyword",
    "NextTouchAt": "Datetime",
    "RelationshipOwner": "Keyword",
    "AwaitingOwner": "Keyword",
    "AwaitingSince": "Datetime",
    "RapportMailboxHealth": "Keyword",
}


def candidate_attributes(
    stage: str, owner: str | None, occasion: str | None, touch_at: datetime | None
) -> TypedSearchAttributes:
    """The attributes a candidate workflow starts with."""
    pairs: list[SearchAttributePair[str] | SearchAttributePair[datetime]] = [
        SearchAttributePair(CANDIDATE_STAGE, stage)
    ]
    if owner:
        pairs.append(SearchAttributePair(RELATIONSHIP_OWNER, owner))
    if occasion and touch_at:
        pairs.append(SearchAttributePair(NEXT_OCCASION, occasion))
        pairs.append(SearchAttributePair(NEXT_TOUCH_AT, touch_at))
    return TypedSearchAttributes(pairs)


def candidate_updates(
    stage: str, owner: str | None, occasion: str | None, touch_at: datetime | None
) -> list[SearchAttributeUpdate[str] | SearchAttributeUpdate[datetime]]:
    """The same attributes as updates; an absent value is unset so a stale one never lingers."""
    return [
        CANDIDATE_STAGE.value_set(stage),
        RELATIONSHIP_OWNER.value_set(owner) if owner else RELATIONSHIP_OWNER.value_unset(),
        NEXT_OCCASION.value_set(occasion) if occasion else NEXT_OCCASION.value_unset(),
        NEXT_TOUCH_AT.value_set(touch_at) if touch_at else NEXT_TOUCH_AT.value_unset(),
    ]


def candidate_values(
    attributes: TypedSearchAttributes,
) -> tuple[str | None, str | None, str | None, datetime | None]:
    """Stage, owner, next occasion and next touch as `attributes` hold them (None: unset), in
    the order of `candidate_updates`' arguments."""
    return (
        attributes.get(CANDIDATE_STAGE),
        attributes.get(RELATIONSHIP_OWNER),
        attributes.get(NEXT_OCCASION),
        attributes.get(NEXT_TOUCH_AT),
    )


def awaiting_updates(
    owner: str | None, since: datetime | None
) -> list[SearchAttributeUpdate[str] | SearchAttributeUpdate[datetime]]:
    return [
        AWAITING_OWNER.value_set(owner) if owner else AWAITING_OWNER.value_unset(),
        AWAITING_SINCE.value_set(since) if since else AWAITING_SINCE.value_unset(),
    ]

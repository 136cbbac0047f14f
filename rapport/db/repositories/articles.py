"""Articles: the content library that check-ins draw from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Article, Candidate, Touch
from rapport.db.repositories.base import Lookup, add, find_one

get_article = Lookup(Article).by_id


async def add_article(session: AsyncSession, **values: Any) -> Article:
    article = add(session, Article, id=uuid.uuid4(), **values)
    await session.flush()
    return article


async def get_article_by_url(session: AsyncSession, url: str) -> Article | None:
    return await find_one(session, Article, Article.url == url)


async def list_articles(session: AsyncSession, *, tag: str | None, limit: int) -> Sequence[Article]:
    query = select(Article).order_by(Article.created_at.desc(), Article.id).limit(limit)
    if tag:
        query = query.where(Article.tags.contains([tag.lower()]))
    return (await session.execute(query)).scalars().all()


async def pick_article(session: AsyncSession, candidate: Candidate) -> Article | None:
    """The newest article tagged with one of the candidate's skills or interests that they
    have not been sent (or offered in a draft) before."""
    topics = sorted({topic.lower() for topic in [*candidate.skills, *candidate.interests]})
    if not topics:
        return None
    already = select(Touch.article_id).where(
        Touch.candidate_id == candidate.id, Touch.article_id.is_not(None)
    )
    query = (
        select(Article)
        .where(Article.tags.overlap(topics), Article.id.not_in(already))
        .order_by(Article.created_at.desc(), Article.id)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()

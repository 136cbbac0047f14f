"""Listing and adding articles; one URL is one article."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from api.articles.schemas import ArticleBody, ArticleOut
from rapport.db.repositories import articles as article_repo


async def library(session: AsyncSession, *, tag: str | None, limit: int) -> Sequence[ArticleOut]:
    """Newest first, optionally with one tag."""
    articles = await article_repo.list_articles(session, tag=tag, limit=limit)
    return [ArticleOut.model_validate(article, from_attributes=True) for article in articles]


async def add(session: AsyncSession, body: ArticleBody) -> tuple[ArticleOut, bool]:
    """The article and whether this call added it (its URL may be in the library already)."""
    existing = await article_repo.get_article_by_url(session, body.url)
    if existing is not None:
        return ArticleOut.model_validate(existing, from_attributes=True), False
    article = await article_repo.add_article(
        session,
        title=body.title,
        url=body.url,
        summary=body.summary,
        tags=sorted({tag.lower() for tag in body.tags}),
    )
    await session.commit()
    await session.refresh(article)
    return ArticleOut.model_validate(article, from_attributes=True), True

"""The content library that check-ins draw from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.auth import READ, WRITE
from api.deps import SessionDep
from api.schemas import ArticleBody, ArticleList, ArticleOut, SingleLine
from rapport.db import repository

router = APIRouter(prefix="/api/articles", tags=["articles"])


@router.get("", dependencies=[READ])
async def list_articles(
    session: SessionDep,
    tag: Annotated[SingleLine | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ArticleList:
    """Articles, newest first, optionally with one tag."""
    articles = await repository.list_articles(session, tag=tag, limit=limit)
    return ArticleList(items=[ArticleOut.model_validate(a, from_attributes=True) for a in articles])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ArticleOut, "description": "That URL is already in the library."}},
    dependencies=[WRITE],
)
async def add_article(body: ArticleBody, response: Response, session: SessionDep) -> ArticleOut:
    """Add an article (title, url, summary, tags); tags are matched to skills and interests."""
    existing = await repository.get_article_by_url(session, body.url)
    if existing is not None:
        response.status_code = status.HTTP_200_OK
        return ArticleOut.model_validate(existing, from_attributes=True)
    article = await repository.add_article(
        session,
        title=body.title,
        url=body.url,
        summary=body.summary,
        tags=sorted({tag.lower() for tag in body.tags}),
    )
    await session.commit()
    await session.refresh(article)
    return ArticleOut.model_validate(article, from_attributes=True)

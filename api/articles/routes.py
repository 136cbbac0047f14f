"""The content library that check-ins draw from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.articles import service
from api.articles.schemas import ArticleBody, ArticleList, ArticleOut
from api.auth import READ, WRITE
from api.deps import SessionDep
from api.fields import SingleLine

router = APIRouter(prefix="/api/articles", tags=["articles"])


@router.get("", dependencies=[READ])
async def list_articles(
    session: SessionDep,
    tag: Annotated[SingleLine | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ArticleList:
    """Articles, newest first, optionally with one tag."""
    return ArticleList(items=list(await service.library(session, tag=tag, limit=limit)))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ArticleOut, "description": "That URL is already in the library."}},
    dependencies=[WRITE],
)
async def add_article(body: ArticleBody, response: Response, session: SessionDep) -> ArticleOut:
    """Add an article (title, url, summary, tags); tags are matched to skills and interests."""
    article, added = await service.add(session, body)
    if not added:
        response.status_code = status.HTTP_200_OK
    return article

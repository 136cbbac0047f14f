"""Engine and session factory, built once by whoever owns the process (API lifespan, worker)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def make_engine(database_url: str, *, pool_size: int = 5) -> AsyncEngine:
    return create_async_engine(
        async_url(database_url), pool_size=pool_size, pool_pre_ping=True, max_overflow=10
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def async_url(database_url: str) -> str:
    """Accept plain `postgresql://` URLs too; psycopg 3 serves both sync and async."""
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    return database_url

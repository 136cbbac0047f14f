"""Alembic environment: the URL from the settings (or the caller), the metadata from the models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from rapport.db.models import Base
from rapport.db.session import async_url
from rapport.settings import Settings

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    # Callers such as the dev stack and the tests pass the URL in; otherwise the settings.
    url = config.attributes.get("database_url") or Settings().require_database_url()
    return async_url(str(url))


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

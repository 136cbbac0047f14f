"""Trigram indexes for the candidates' text search (`ILIKE '%text%'` on name, title, employer,
external id and address), which read the whole table at every search

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 07:20:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('full_name', 'current_title', 'current_employer', 'external_id', 'email')


def upgrade() -> None:
    # A trusted extension since PostgreSQL 13: the database's owner may create it.
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for column in COLUMNS:
        op.create_index(
            f'ix_candidates_{column}_trgm', 'candidates', [column],
            postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'},
        )


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f'ix_candidates_{column}_trgm', table_name='candidates')

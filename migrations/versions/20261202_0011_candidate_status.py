"""candidate_status: what each candidate's workflow last published (stage, next touch), so
reads never wake workflows; indexes for the candidate list's order and owner filter

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'candidate_status',
        sa.Column('candidate_id', sa.Uuid(), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('occasion', sa.String(length=32), nullable=True),
        sa.Column('channel', sa.String(length=32), nullable=True),
        sa.Column('sender_role', sa.String(length=16), nullable=True),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('sender', sa.String(length=320), nullable=True),
        sa.Column('assisted', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('skip', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            'updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ['candidate_id'], ['candidates.id'],
            name=op.f('fk_candidate_status_candidate_id_candidates'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('candidate_id', name=op.f('pk_candidate_status')),
    )
    # The list pages oldest first by (created_at, id): without this every page sorts the table.
    op.create_index('ix_candidates_created_at_id', 'candidates', ['created_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_candidates_created_at_id', table_name='candidates')
    op.drop_table('candidate_status')

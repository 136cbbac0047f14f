"""template_edits: HR's edits of the message templates, each kept with who made it and when;
the newest of a key is in force, one without a body reverts to the default file

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 00:13:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'template_edits',
        sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('edited_by', sa.String(length=200), nullable=False),
        sa.Column('edited_by_role', sa.String(length=16), nullable=False),
        sa.Column('key_id', sa.Uuid(), nullable=True),
        sa.Column(
            'created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_template_edits')),
    )
    op.create_index('ix_template_edits_key_id', 'template_edits', ['key', 'id'])


def downgrade() -> None:
    op.drop_index('ix_template_edits_key_id', table_name='template_edits')
    op.drop_table('template_edits')

"""workspace_settings: settings an admin changes in the workspace (whether owners may enrol),
with who changed each last

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 00:14:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'workspace_settings',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('changed_by', sa.String(length=320), nullable=False),
        sa.Column(
            'changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_workspace_settings')),
    )


def downgrade() -> None:
    op.drop_table('workspace_settings')

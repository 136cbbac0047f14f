"""campaigns get an optional external id, so a repeated POST finds the same campaign

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('campaigns', sa.Column('external_id', sa.String(length=200), nullable=True))
    op.create_unique_constraint(op.f('uq_campaigns_external_id'), 'campaigns', ['external_id'])


def downgrade() -> None:
    op.drop_constraint(op.f('uq_campaigns_external_id'), 'campaigns', type_='unique')
    op.drop_column('campaigns', 'external_id')

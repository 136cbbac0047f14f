"""touches record an email in flight (phase `sending`) and a possible double delivery

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('touches', sa.Column('phase', sa.String(length=16), nullable=True))
    op.add_column(
        'touches',
        sa.Column('possibly_duplicate', sa.Boolean(), server_default='false', nullable=False),
    )


def downgrade() -> None:
    op.drop_column('touches', 'possibly_duplicate')
    op.drop_column('touches', 'phase')

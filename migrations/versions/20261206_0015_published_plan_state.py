"""candidate_status.plan_state: the candidate's state as the planner reads it, published by the
workflow with its stage and next touch, so a plan is drawn without waking the workflow

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'candidate_status',
        sa.Column('plan_state', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('candidate_status', 'plan_state')

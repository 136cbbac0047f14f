"""the team directory (people, by lower-cased email) and a candidate's language

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'people',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('first_name', sa.String(length=100), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('role', sa.String(length=16), nullable=True),
        sa.Column('signature', sa.Text(), nullable=True),
        sa.Column('linkedin_url', sa.String(length=500), nullable=True),
        sa.Column('languages', postgresql.ARRAY(sa.String(length=35)), nullable=False),
        sa.Column(
            'created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
            nullable=False,
        ),
        sa.Column(
            'updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
        sa.UniqueConstraint('email', name=op.f('uq_people_email')),
        # Emails are compared lower-cased everywhere; the key is stored so.
        sa.CheckConstraint('email = lower(email)', name=op.f('ck_people_email_lower_case')),
    )
    op.add_column('candidates', sa.Column('language', sa.String(length=35), nullable=True))


def downgrade() -> None:
    op.drop_column('candidates', 'language')
    op.drop_table('people')

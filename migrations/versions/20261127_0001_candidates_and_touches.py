"""candidates and touches

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 05:07:45.587336
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('candidates',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('linkedin_url', sa.String(length=500), nullable=True),
    sa.Column('postal_address', sa.Text(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('birthday_month', sa.SmallInteger(), nullable=True),
    sa.Column('birthday_day', sa.SmallInteger(), nullable=True),
    sa.Column('birthday_year', sa.SmallInteger(), nullable=True),
    sa.Column('current_employer', sa.String(length=200), nullable=True),
    sa.Column('current_title', sa.String(length=200), nullable=True),
    sa.Column('job_started_on', sa.Date(), nullable=True),
    sa.Column('skills', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('interests', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('consent', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('opt_outs', postgresql.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('relationship_origin', sa.String(length=32), nullable=False),
    sa.Column('rapport', sa.String(length=16), nullable=False),
    sa.Column('relationship_since', sa.Date(), nullable=True),
    sa.Column('owner', sa.String(length=320), nullable=True),
    sa.Column('owner_role', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('workflow_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates')),
    sa.UniqueConstraint('external_id', name=op.f('uq_candidates_external_id'))
    )
    op.create_index(op.f('ix_candidates_owner'), 'candidates', ['owner'], unique=False)
    op.create_index(op.f('ix_candidates_stage'), 'candidates', ['stage'], unique=False)
    op.create_table('touches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('candidate_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('occasion', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('sender_role', sa.String(length=16), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_touches_candidate_id_candidates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touches')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_touches_idempotency_key'))
    )
    op.create_index('ix_touches_candidate_id_due_at', 'touches', ['candidate_id', 'due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_touches_candidate_id_due_at', table_name='touches')
    op.drop_table('touches')
    op.drop_index(op.f('ix_candidates_stage'), table_name='candidates')
    op.drop_index(op.f('ix_candidates_owner'), table_name='candidates')
    op.drop_table('candidates')

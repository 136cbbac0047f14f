"""vacancies, matches, campaigns, digests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 05:34:45.713271
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sender_role', sa.String(length=16), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('segment', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('workflow_id', sa.String(length=100), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_table('vacancies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('skills', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('seniority', sa.String(length=32), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('hiring_manager', sa.String(length=320), nullable=True),
    sa.Column('owner_message', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('workflow_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancies')),
    sa.UniqueConstraint('external_id', name=op.f('uq_vacancies_external_id'))
    )
    op.create_table('digests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('owner', sa.String(length=320), nullable=False),
    sa.Column('vacancy_id', sa.Uuid(), nullable=True),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancies.id'], name=op.f('fk_digests_vacancy_id_vacancies'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_digests_idempotency_key'))
    )
    op.create_table('vacancy_matches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('vacancy_id', sa.Uuid(), nullable=False),
    sa.Column('candidate_id', sa.Uuid(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_vacancy_matches_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancies.id'], name=op.f('fk_vacancy_matches_vacancy_id_vacancies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy_matches')),
    sa.UniqueConstraint('vacancy_id', 'candidate_id', name=op.f('uq_vacancy_matches_vacancy_id'))
    )
    op.create_index(op.f('ix_vacancy_matches_candidate_id'), 'vacancy_matches', ['candidate_id'], unique=False)
    op.create_index('ix_vacancy_matches_vacancy_id_status', 'vacancy_matches', ['vacancy_id', 'status'], unique=False)
    op.add_column('invitations', sa.Column('campaign_id', sa.Uuid(), nullable=True))
    op.create_unique_constraint(op.f('uq_invitations_campaign_id'), 'invitations', ['campaign_id', 'candidate_id'])
    op.create_foreign_key(op.f('fk_invitations_campaign_id_campaigns'), 'invitations', 'campaigns', ['campaign_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    op.drop_constraint(op.f('fk_invitations_campaign_id_campaigns'), 'invitations', type_='foreignkey')
    op.drop_constraint(op.f('uq_invitations_campaign_id'), 'invitations', type_='unique')
    op.drop_column('invitations', 'campaign_id')
    op.drop_index('ix_vacancy_matches_vacancy_id_status', table_name='vacancy_matches')
    op.drop_index(op.f('ix_vacancy_matches_candidate_id'), table_name='vacancy_matches')
    op.drop_table('vacancy_matches')
    op.drop_table('digests')
    op.drop_table('vacancies')
    op.drop_table('campaigns')

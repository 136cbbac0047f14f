"""inbound messages (replies, automatic replies, bounces, complaints), candidates' email
status, task kinds, a reply's date to resume

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'candidates',
        sa.Column('email_status', sa.String(length=16), server_default='unknown', nullable=False),
    )
    op.add_column('candidates', sa.Column('email_status_reason', sa.String(length=500)))
    op.add_column(
        'candidates',
        sa.Column('soft_bounces', sa.SmallInteger(), server_default='0', nullable=False),
    )
    op.add_column(
        'tasks', sa.Column('kind', sa.String(length=16), server_default='send', nullable=False)
    )
    op.add_column('interactions', sa.Column('resume_on', sa.Date()))
    op.create_index(
        'ix_touches_message_id',
        'touches',
        ['message_id'],
        postgresql_ops={'message_id': 'varchar_pattern_ops'},
    )
    op.create_table(
        'inbound_messages',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=300), nullable=False),
        sa.Column(
            'received_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('mailbox_id', sa.Uuid(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('candidate_id', sa.Uuid(), nullable=True),
        sa.Column('touch_id', sa.Uuid(), nullable=True),
        sa.Column('interaction_id', sa.Uuid(), nullable=True),
        sa.Column('task_id', sa.Uuid(), nullable=True),
        sa.Column('matched_by', sa.String(length=16), nullable=True),
        sa.Column('effect', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('message_id', sa.String(length=300), nullable=True),
        sa.Column('sender', sa.String(length=320), nullable=True),
        sa.Column('subject', sa.String(length=300), nullable=True),
        sa.Column('reply_text', sa.Text(), nullable=True),
        sa.Column('raw', sa.LargeBinary(), nullable=True),
        sa.Column('raw_truncated', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('bounce_severity', sa.String(length=8), nullable=True),
        sa.Column('bounce_status', sa.String(length=16), nullable=True),
        sa.Column('notices', postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sentiment', sa.String(length=32), nullable=True),
        sa.Column('classified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('classified_by', sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ['candidate_id'], ['candidates.id'],
            name=op.f('fk_inbound_messages_candidate_id_candidates'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['touch_id'], ['touches.id'],
            name=op.f('fk_inbound_messages_touch_id_touches'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['interaction_id'], ['interactions.id'],
            name=op.f('fk_inbound_messages_interaction_id_interactions'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['task_id'], ['tasks.id'],
            name=op.f('fk_inbound_messages_task_id_tasks'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_inbound_messages_idempotency_key')),
    )  # fmt: skip
    op.create_index(
        'ix_inbound_messages_status_kind', 'inbound_messages', ['status', 'kind']
    )
    op.create_index(
        op.f('ix_inbound_messages_received_at'), 'inbound_messages', ['received_at']
    )
    op.create_index(
        op.f('ix_inbound_messages_candidate_id'), 'inbound_messages', ['candidate_id']
    )
    op.create_index(op.f('ix_inbound_messages_task_id'), 'inbound_messages', ['task_id'])


def downgrade() -> None:
    op.drop_table('inbound_messages')
    op.drop_index('ix_touches_message_id', table_name='touches')
    op.drop_column('interactions', 'resume_on')
    op.drop_column('tasks', 'kind')
    op.drop_column('candidates', 'soft_bounces')
    op.drop_column('candidates', 'email_status_reason')
    op.drop_column('candidates', 'email_status')

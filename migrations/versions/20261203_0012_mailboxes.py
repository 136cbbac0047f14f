"""connected mailboxes: IMAP accounts read for replies, with their position and health;
inbound messages indexed by the mailbox they came from

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 00:12:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'mailboxes',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('port', sa.Integer(), nullable=False),
        sa.Column('security', sa.String(length=16), nullable=False),
        sa.Column('username', sa.String(length=320), nullable=False),
        sa.Column('login_method', sa.String(length=16), nullable=False),
        sa.Column('secret_sealed', sa.Text(), nullable=False),
        sa.Column('folder', sa.String(length=255), nullable=False),
        sa.Column('owner', sa.String(length=320), nullable=True),
        sa.Column('enabled', sa.Boolean(), server_default='true', nullable=False),
        sa.Column('uidvalidity', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('last_uid', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('last_read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('health', sa.String(length=16), server_default='new', nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column(
            'created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            'updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mailboxes')),
        sa.UniqueConstraint('host', 'username', 'folder', name=op.f('uq_mailboxes_host')),
    )  # fmt: skip
    op.create_index(
        op.f('ix_inbound_messages_mailbox_id'), 'inbound_messages', ['mailbox_id']
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_inbound_messages_mailbox_id'), table_name='inbound_messages')
    op.drop_table('mailboxes')

"""daily owner digest: a digest covers a day across vacancies; matches remember their digest

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('digests', sa.Column('day', sa.Date(), nullable=True))
    op.execute("update digests set day = (sent_at at time zone 'UTC')::date")
    op.alter_column('digests', 'day', nullable=False)

    op.add_column('vacancy_matches', sa.Column('digest_id', sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f('fk_vacancy_matches_digest_id_digests'), 'vacancy_matches', 'digests',
        ['digest_id'], ['id'], ondelete='SET NULL',
    )
    # Matches from before the daily digest are not news: those a per-vacancy digest listed
    # point at it; the rest (nobody's candidates, or vacancies without one) at one marker row,
    # so the first daily digest does not announce every historic match again.
    op.execute(
        "update vacancy_matches m set digest_id = d.id from digests d, candidates c"
        " where c.id = m.candidate_id and d.vacancy_id = m.vacancy_id and d.owner = c.owner"
    )
    op.execute(
        "insert into digests (id, idempotency_key, owner, day, candidates, sent_at)"
        " select gen_random_uuid(), 'before-daily-digest', 'rapport', current_date, count(*),"
        " now() from vacancy_matches where digest_id is null having count(*) > 0"
    )
    op.execute(
        "update vacancy_matches set digest_id ="
        " (select id from digests where idempotency_key = 'before-daily-digest')"
        " where digest_id is null"
    )
    op.create_index(
        'ix_vacancy_matches_undigested', 'vacancy_matches', ['created_at'], unique=False,
        postgresql_where=sa.text('digest_id IS NULL'),
    )

    op.drop_constraint(op.f('fk_digests_vacancy_id_vacancies'), 'digests', type_='foreignkey')
    op.drop_column('digests', 'vacancy_id')


def downgrade() -> None:
    op.drop_index(
        'ix_vacancy_matches_undigested', table_name='vacancy_matches',
        postgresql_where=sa.text('digest_id IS NULL'),
    )
    op.drop_constraint(
        op.f('fk_vacancy_matches_digest_id_digests'), 'vacancy_matches', type_='foreignkey'
    )
    op.drop_column('vacancy_matches', 'digest_id')
    op.execute("delete from digests where idempotency_key = 'before-daily-digest'")
    op.add_column('digests', sa.Column('vacancy_id', sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f('fk_digests_vacancy_id_vacancies'), 'digests', 'vacancies',
        ['vacancy_id'], ['id'], ondelete='SET NULL',
    )
    op.drop_column('digests', 'day')

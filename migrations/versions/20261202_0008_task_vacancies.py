"""task_vacancies: the vacancies a draft task names, as rows instead of inside its key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00

Until now the vacancies a vacancy draft names were read back out of its idempotency key,
`<candidate>:vacancy:<id>,<id>[:<channel>]`. The keys stay as they are (Message-IDs derive
from them); this is the one place that still reads that format, to link the tasks made
before the link existed. Every vacancy task is linked, open or closed, to the vacancies of
its key that exist.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('task_vacancies',
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('vacancy_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_vacancies_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancies.id'], name=op.f('fk_task_vacancies_vacancy_id_vacancies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'vacancy_id', name=op.f('pk_task_vacancies'))
    )
    op.create_index(op.f('ix_task_vacancies_vacancy_id'), 'task_vacancies', ['vacancy_id'], unique=False)
    # Compared as text, so a part of a key that is no uuid links nothing instead of failing.
    op.execute(
        """
        insert into task_vacancies (task_id, vacancy_id)
        select distinct tasks.id, vacancies.id
        from tasks
        join vacancies on vacancies.id::text = any(
            string_to_array(split_part(tasks.idempotency_key, ':', 3), ',')
        )
        where tasks.occasion = 'vacancy'
          and split_part(tasks.idempotency_key, ':', 2) = 'vacancy'
        on conflict do nothing
        """
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_task_vacancies_vacancy_id'), table_name='task_vacancies')
    op.drop_table('task_vacancies')

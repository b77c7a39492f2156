"""reading snapshot: every reading's engine columns kept as one Arrow file (kpi.store.snapshot), so that
evaluating the whole store after a write reads the few readings written since instead of all of them;
an index of the demo readings alone, so that counting them does not read the whole table

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('readingsnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.BigInteger(), nullable=False),
    sa.Column('reading_count', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reading_demo', 'reading', ['is_demo'], unique=False,
                    sqlite_where=sa.text('is_demo = 1'), postgresql_where=sa.text('is_demo'))


def downgrade() -> None:
    op.drop_index('ix_reading_demo', table_name='reading')
    op.drop_table('readingsnapshot')

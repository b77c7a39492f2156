"""reading snapshot: every reading's engine columns kept as one Arrow file (kpi.store.snapshot), so that
evaluating the whole store after a write reads the few readings written since instead of all of them

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


def downgrade() -> None:
    op.drop_table('readingsnapshot')

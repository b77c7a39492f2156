"""covering index for the progress queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

The progress queries group readings by (locality, indicator) and read their figures; with the
figures in the index SQLite answers them from the index alone instead of looking up every row.
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.create_index('ix_reading_figures', ['locality_code', 'indicator_code', 'year', 'numerator',
                                                     'denominator', 'value'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.drop_index('ix_reading_figures')

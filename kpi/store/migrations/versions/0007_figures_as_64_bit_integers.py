"""figures as 64-bit integers: a figure may be up to 10**12 (kpi.numbers.LARGEST); PostgreSQL's
INTEGER stopped at 2**31 - 1 and refused a larger one with an error instead of storing it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('reading', 'readingrevision')
FIGURES = ('numerator', 'denominator', 'value')


def upgrade() -> None:
    # SQLite stores every integer in up to 64 bits already: only the declared type changes there.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in FIGURES:
                batch_op.alter_column(column, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in FIGURES:
                batch_op.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True)

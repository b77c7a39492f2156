"""reporting cycle: deadlines per plan, submitted / returned / approved years, the step each event came from

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_due', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('approvalevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table('yearreport',
    sa.Column('locality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['locality_code'], ['locality.code'], ),
    sa.PrimaryKeyConstraint('locality_code', 'year')
    )
    # Years approved before the cycle existed stay approved (and locked); they were never submitted.
    op.execute("INSERT INTO yearreport (locality_code, year, state, approved_by, approved_at, changed_by, changed_at) "
               "SELECT locality_code, year, 'approved', approved_by, approved_at, approved_by, approved_at FROM approval")
    op.drop_table('approval')


def downgrade() -> None:
    op.create_table('approval',
    sa.Column('locality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['locality_code'], ['locality.code'], ),
    sa.PrimaryKeyConstraint('locality_code', 'year')
    )
    op.execute("INSERT INTO approval (locality_code, year, approved_by, approved_at) "
               "SELECT locality_code, year, approved_by, approved_at FROM yearreport WHERE state = 'approved'")
    op.drop_table('yearreport')
    with op.batch_alter_table('approvalevent', schema=None) as batch_op:
        batch_op.drop_column('from_state')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('report_due')

"""plan tasks and task reports (data/tasks.csv; reports per locality, task and period, with history)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('taskreportrevision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('plan_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('task_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('taskreportrevision', schema=None) as batch_op:
        batch_op.create_index('ix_taskreportrevision_key', ['locality_code', 'task_code', 'period'], unique=False)

    op.create_table('plantask',
    sa.Column('plan_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('group', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('lead', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('partners', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('output', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('schedule', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('due', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('timing', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_code'], ['plan.code'], ),
    sa.PrimaryKeyConstraint('plan_code', 'code')
    )
    op.create_table('taskreport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('plan_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('task_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['locality_code'], ['locality.code'], ),
    sa.ForeignKeyConstraint(['plan_code'], ['plan.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('locality_code', 'plan_code', 'task_code', 'period', name='uq_taskreport_key')
    )
    with op.batch_alter_table('taskreport', schema=None) as batch_op:
        batch_op.create_index('ix_taskreport_year', ['year', 'locality_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('taskreport', schema=None) as batch_op:
        batch_op.drop_index('ix_taskreport_year')

    op.drop_table('taskreport')
    op.drop_table('plantask')
    with op.batch_alter_table('taskreportrevision', schema=None) as batch_op:
        batch_op.drop_index('ix_taskreportrevision_key')

    op.drop_table('taskreportrevision')

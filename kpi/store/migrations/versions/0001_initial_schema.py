"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('importbatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('checksum', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('user_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('indicator',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('group', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('numerator_label', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('denominator_label', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('comparator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('plan',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('locality',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('parent_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('ma_dvhc', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('plan_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['locality.code'], ),
    sa.ForeignKeyConstraint(['plan_code'], ['plan.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locality_parent_code'), ['parent_code'], unique=False)

    op.create_table('plantarget',
    sa.Column('plan_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('comparator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicator.code'], ),
    sa.ForeignKeyConstraint(['plan_code'], ['plan.code'], ),
    sa.PrimaryKeyConstraint('plan_code', 'indicator_code')
    )
    op.create_table('readingrevision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('numerator', sa.Integer(), nullable=True),
    sa.Column('denominator', sa.Integer(), nullable=True),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['importbatch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('readingrevision', schema=None) as batch_op:
        batch_op.create_index('ix_revision_triple', ['locality_code', 'indicator_code', 'year'], unique=False)

    op.create_table('reading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('numerator', sa.Integer(), nullable=True),
    sa.Column('denominator', sa.Integer(), nullable=True),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['importbatch.id'], ),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicator.code'], ),
    sa.ForeignKeyConstraint(['locality_code'], ['locality.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('locality_code', 'indicator_code', 'year', name='uq_reading_triple')
    )
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.create_index('ix_reading_indicator_year', ['indicator_code', 'year'], unique=False)

    op.create_table('userlocality',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locality_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['locality_code'], ['locality.code'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'locality_code')
    )


def downgrade() -> None:
    op.drop_table('userlocality')
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.drop_index('ix_reading_indicator_year')

    op.drop_table('reading')
    with op.batch_alter_table('readingrevision', schema=None) as batch_op:
        batch_op.drop_index('ix_revision_triple')

    op.drop_table('readingrevision')
    op.drop_table('plantarget')
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locality_parent_code'))

    op.drop_table('locality')
    op.drop_table('user')
    op.drop_table('plan')
    op.drop_table('indicator')
    op.drop_table('importbatch')

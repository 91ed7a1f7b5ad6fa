"""import key (atomic import dedup) and split.npz checksum

Revision ID: 0002_import_key_split_hash
Revises: 0001_initial
Create Date: 2026-12-03 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_import_key_split_hash'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ml_datasets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_key', sa.String(length=64), nullable=True))
    # the oldest top-level import of each content keeps the key; duplicates an earlier race made stay, keyless
    op.execute("UPDATE ml_datasets SET import_key = content_hash WHERE parent_id IS NULL AND id IN ("
               "SELECT d.id FROM ml_datasets d WHERE d.parent_id IS NULL AND NOT EXISTS ("
               "SELECT 1 FROM ml_datasets o WHERE o.parent_id IS NULL AND o.content_hash = d.content_hash "
               "AND (o.created_at < d.created_at OR (o.created_at = d.created_at AND o.id < d.id))))")
    with op.batch_alter_table('ml_datasets', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_ml_datasets_import_key', ['import_key'])
    with op.batch_alter_table('ml_training_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('split_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ml_training_jobs', schema=None) as batch_op:
        batch_op.drop_column('split_sha256')
    with op.batch_alter_table('ml_datasets', schema=None) as batch_op:
        batch_op.drop_constraint('uq_ml_datasets_import_key', type_='unique')
        batch_op.drop_column('import_key')

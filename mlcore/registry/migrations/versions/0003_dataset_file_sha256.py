"""dataset file checksum (verified after every download from a shared artifact store)

Revision ID: 0003_dataset_file_sha256
Revises: 0002_import_key_split_hash
Create Date: 2026-12-03 13:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_dataset_file_sha256'
down_revision = '0002_import_key_split_hash'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ml_datasets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ml_datasets', schema=None) as batch_op:
        batch_op.drop_column('file_sha256')

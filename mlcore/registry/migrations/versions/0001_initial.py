"""initial schema

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-30 01:25:51.198710
"""
from alembic import op
import sqlalchemy as sa


revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ml_datasets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=True),
    sa.Column('file_path', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('columns', sa.Integer(), nullable=False),
    sa.Column('column_names', sa.JSON(), nullable=False),
    sa.Column('dtypes', sa.JSON(), nullable=False),
    sa.Column('missing_values', sa.JSON(), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('import_info', sa.JSON(), nullable=False),
    sa.Column('target_column', sa.String(length=255), nullable=True),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('lineage', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['ml_datasets.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ml_datasets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ml_datasets_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_ml_datasets_parent_id'), ['parent_id'], unique=False)

    op.create_table('ml_feature_store',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('ml_training_jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=True),
    sa.Column('dataset_hash', sa.String(length=64), nullable=True),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('library_versions', sa.JSON(), nullable=True),
    sa.Column('artifact_path', sa.Text(), nullable=True),
    sa.Column('artifact_sha256', sa.String(length=64), nullable=True),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['ml_datasets.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ml_training_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ml_training_jobs_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ml_training_jobs_status'), ['status'], unique=False)

    op.create_table('ml_experiments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('algorithm', sa.String(length=64), nullable=False),
    sa.Column('study_name', sa.String(length=255), nullable=True),
    sa.Column('storage', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('best_params', sa.JSON(), nullable=True),
    sa.Column('best_score', sa.Float(), nullable=True),
    sa.Column('trials', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['ml_training_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ml_experiments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ml_experiments_job_id'), ['job_id'], unique=False)

    op.create_table('ml_model_versions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('task_type', sa.String(length=32), nullable=False),
    sa.Column('algorithm', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('hyperparameters', sa.JSON(), nullable=False),
    sa.Column('feature_names', sa.JSON(), nullable=False),
    sa.Column('target_name', sa.String(length=255), nullable=True),
    sa.Column('training_samples', sa.Integer(), nullable=True),
    sa.Column('dataset_id', sa.String(length=36), nullable=True),
    sa.Column('dataset_hash', sa.String(length=64), nullable=True),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('input_schema', sa.JSON(), nullable=True),
    sa.Column('library_versions', sa.JSON(), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('artifact_path', sa.Text(), nullable=False),
    sa.Column('artifact_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['ml_datasets.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['ml_training_jobs.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'version', name='uq_model_name_version')
    )
    with op.batch_alter_table('ml_model_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ml_model_versions_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ml_model_versions_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ml_model_versions_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_ml_model_versions_status'), ['status'], unique=False)
        batch_op.create_index('uq_one_production_per_name', ['name'], unique=True, sqlite_where=sa.text("status = 'production'"), postgresql_where=sa.text("status = 'production'"))

    op.create_table('ml_ab_tests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('model_a_id', sa.String(length=36), nullable=False),
    sa.Column('model_b_id', sa.String(length=36), nullable=False),
    sa.Column('split_ratio', sa.Float(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('winner', sa.String(length=1), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('stopped_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['model_a_id'], ['ml_model_versions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_b_id'], ['ml_model_versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('ml_stage_transitions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('model_version_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['model_version_id'], ['ml_model_versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ml_stage_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ml_stage_transitions_model_version_id'), ['model_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ml_stage_transitions_name'), ['name'], unique=False)

    op.create_table('ml_prediction_logs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('model_version_id', sa.String(length=36), nullable=True),
    sa.Column('ab_test_id', sa.String(length=36), nullable=True),
    sa.Column('arm', sa.String(length=1), nullable=True),
    sa.Column('user_id', sa.String(length=255), nullable=True),
    sa.Column('prediction', sa.JSON(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('outcome', sa.Float(), nullable=True),
    sa.Column('outcome_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ab_test_id'], ['ml_ab_tests.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_version_id'], ['ml_model_versions.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ml_prediction_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ml_prediction_logs_ab_test_id'), ['ab_test_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ml_prediction_logs_model_version_id'), ['model_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ml_prediction_logs_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ml_prediction_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ml_prediction_logs_user_id'))
        batch_op.drop_index(batch_op.f('ix_ml_prediction_logs_model_version_id'))
        batch_op.drop_index(batch_op.f('ix_ml_prediction_logs_ab_test_id'))

    op.drop_table('ml_prediction_logs')
    with op.batch_alter_table('ml_stage_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ml_stage_transitions_name'))
        batch_op.drop_index(batch_op.f('ix_ml_stage_transitions_model_version_id'))

    op.drop_table('ml_stage_transitions')
    op.drop_table('ml_ab_tests')
    with op.batch_alter_table('ml_model_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_one_production_per_name', sqlite_where=sa.text("status = 'production'"), postgresql_where=sa.text("status = 'production'"))
        batch_op.drop_index(batch_op.f('ix_ml_model_versions_status'))
        batch_op.drop_index(batch_op.f('ix_ml_model_versions_name'))
        batch_op.drop_index(batch_op.f('ix_ml_model_versions_job_id'))
        batch_op.drop_index(batch_op.f('ix_ml_model_versions_dataset_id'))

    op.drop_table('ml_model_versions')
    with op.batch_alter_table('ml_experiments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ml_experiments_job_id'))

    op.drop_table('ml_experiments')
    with op.batch_alter_table('ml_training_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ml_training_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_ml_training_jobs_dataset_id'))

    op.drop_table('ml_training_jobs')
    op.drop_table('ml_feature_store')
    with op.batch_alter_table('ml_datasets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ml_datasets_parent_id'))
        batch_op.drop_index(batch_op.f('ix_ml_datasets_content_hash'))

    op.drop_table('ml_datasets')

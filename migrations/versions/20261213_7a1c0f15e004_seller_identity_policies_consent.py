"""Seller identity, editable policies and consent records: the entity's business registration number and contact
(phone, e-mail), the policy pages' saved versions (``policy``; version 1 is the built-in text, not stored), and
each grant or withdrawal of consent to marketing mail (``consent_record``).

Revision ID: 7a1c0f15e004
Revises: 7a1c0f15e003
Create Date: 2026-12-13 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1c0f15e004'
down_revision = '7a1c0f15e003'
branch_labels = None
depends_on = None


SLUGS = "slug IN ('returns', 'delivery', 'complaints', 'privacy', 'operator')"


def upgrade():
    with op.batch_alter_table('entity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_registration_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))

    op.create_table('policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title_vi', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('body_vi', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(SLUGS, name=op.f('ck_policy_slug')),
    sa.CheckConstraint('version > 1', name=op.f('ck_policy_version_after_built_in')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_policy_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy')),
    sa.UniqueConstraint('slug', 'version', name='uq_policy_version')
    )

    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("purpose IN ('marketing_mail')", name=op.f('ck_consent_record_purpose')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_consent_record_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record'))
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_record_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_record_user_id'))
    op.drop_table('consent_record')
    op.drop_table('policy')
    with op.batch_alter_table('entity', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('business_registration_number')

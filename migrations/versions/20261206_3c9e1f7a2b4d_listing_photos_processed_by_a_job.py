"""Listing photos are processed by a background job: status (processing, ready, failed) and why one failed.

Revision ID: 3c9e1f7a2b4d
Revises: 94a0aea20fa8
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9e1f7a2b4d'
down_revision = '94a0aea20fa8'
branch_labels = None
depends_on = None


def upgrade():
    # Photos already stored were processed in their upload request: they are ready.
    with op.batch_alter_table('listing_image', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='ready', nullable=False))
        batch_op.add_column(sa.Column('failure', sa.String(length=40), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_listing_image_status'),
                                         "status IN ('processing', 'ready', 'failed')")


def downgrade():
    with op.batch_alter_table('listing_image', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_listing_image_status'), type_='check')
        batch_op.drop_column('failure')
        batch_op.drop_column('status')

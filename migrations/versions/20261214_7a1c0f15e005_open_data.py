"""Certificates as open data (GTIN of products, open-data exports).

Revision ID: 7a1c0f15e005
Revises: 7a1c0f15e004
Create Date: 2026-12-14 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1c0f15e005'
down_revision = '7a1c0f15e004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gtin', sa.String(length=14), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_product_gtin'), ['gtin'])


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_product_gtin'), type_='unique')
        batch_op.drop_column('gtin')

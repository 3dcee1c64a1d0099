"""vendor order seen_at for the unread count

Revision ID: 06c8b1287373
Revises: 8d301222c3a6
Create Date: 2026-12-04 16:18:09.688053

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '06c8b1287373'
down_revision = '8d301222c3a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vendor_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True))
    # Orders placed before the unread count existed are not news to their vendors.
    op.execute("UPDATE vendor_order SET seen_at = updated_at")


def downgrade():
    with op.batch_alter_table('vendor_order', schema=None) as batch_op:
        batch_op.drop_column('seen_at')

"""Seller identity, editable policies and consent records.

Revision ID: 7a1c0f15e004
Revises: 7a1c0f15e003
Create Date: 2026-12-13 09:00:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '7a1c0f15e004'
down_revision = '7a1c0f15e003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

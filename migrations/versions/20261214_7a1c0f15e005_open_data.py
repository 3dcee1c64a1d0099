"""Certificates as open data (GTIN of products, open-data exports).

Revision ID: 7a1c0f15e005
Revises: 7a1c0f15e004
Create Date: 2026-12-14 09:00:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '7a1c0f15e005'
down_revision = '7a1c0f15e004'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

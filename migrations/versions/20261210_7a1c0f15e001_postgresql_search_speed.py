"""PostgreSQL search speed (index settings of the search documents).

Revision ID: 7a1c0f15e001
Revises: 5bba993ac134
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '7a1c0f15e001'
down_revision = '5bba993ac134'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""Folded names and numbers for the officers' registry search (alike on SQLite and PostgreSQL).

Revision ID: 720f41476640
Revises: ba7ac4d61f53
Create Date: 2026-12-04 16:16:57.588665

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '720f41476640'
down_revision = 'ba7ac4d61f53'
branch_labels = None
depends_on = None

#: (table, source column, folded column, length)
COLUMNS = (("entity", "name", "name_folded", 300), ("product", "name", "name_folded", 300),
           ("certificate", "number", "number_folded", 120))


def fold(text):
    """``marketplace.core.text.fold`` as it was when this migration was written (frozen here)."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split()).lower().replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def backfill(table, source, target):
    """Fill the folded column of every existing row."""
    connection = op.get_bind()
    rows = sa.table(table, sa.column("id"), sa.column(source), sa.column(target))
    for row_id, value in connection.execute(sa.select(rows.c.id, rows.c[source])).all():
        connection.execute(rows.update().where(rows.c.id == row_id).values({target: fold(value)}))


def upgrade():
    for table, source, target, length in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(target, sa.String(length=length), nullable=False, server_default=""))
        backfill(table, source, target)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(target, server_default=None)


def downgrade():
    for table, _source, target, _length in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(target)

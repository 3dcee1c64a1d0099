"""PostgreSQL search speed: narrow search document rows, no pending list on the trigram index.

``search_document.filler`` (a constant the writer stores compressed with every row) makes each row cross
PostgreSQL's TOAST threshold, so ``terms`` is kept out of line and a page holds 21 rows instead of 8. On
PostgreSQL the table is rewritten with it here (an exclusive lock for some seconds per 100,000 documents).
The trigram index of ``search_term`` loses its pending list (``fastupdate = off``), which every spelling
lookup read after a bulk write until a vacuum. Run ``VACUUM ANALYZE search_document, search_term`` after
upgrading (``flask search reindex`` does it).

Revision ID: 7a1c0f15e001
Revises: 5bba993ac134
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1c0f15e001'
down_revision = '5bba993ac134'
branch_labels = None
depends_on = None

FILLER = "repeat(' ', 2100)"  #: as ``marketplace/search/postgres/writer.py`` writes it


def upgrade():
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filler', sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_document ALTER COLUMN filler SET STORAGE MAIN")
        # Rewrites the table compactly (an UPDATE would leave the narrow rows spread over the old pages).
        op.execute(f"ALTER TABLE search_document ALTER COLUMN filler TYPE text USING {FILLER}")
        op.execute("ALTER INDEX ix_search_term_name_words SET (fastupdate = off)")
        op.execute("SELECT gin_clean_pending_list('ix_search_term_name_words')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_search_term_name_words RESET (fastupdate)")
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_column('filler')

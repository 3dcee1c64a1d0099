"""Search documents for the PostgreSQL backend (SEARCH_BACKEND=postgres): documents, facet and term counts.

On PostgreSQL the pg_trgm and unaccent extensions are created first (the trigram index of the catalogue's name
words needs pg_trgm). Other databases get the same tables as plain text (the PostgreSQL backend refuses to run on them).
Switching an existing shop to the PostgreSQL backend: run ``flask search reindex`` once.

Revision ID: 5ea7c4d0c5e1
Revises: 2650583497fa
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5ea7c4d0c5e1'
down_revision = '2650583497fa'
branch_labels = None
depends_on = None

LEXEMES = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.create_table('search_document',
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=8), nullable=False),
    sa.Column('criteria', sa.String(length=8), nullable=False),
    sa.Column('stars', sa.SmallInteger(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('listed_until', sa.Date(), nullable=False),
    sa.Column('created', sa.BigInteger(), nullable=False),
    sa.Column('name_len', sa.SmallInteger(), nullable=False),
    sa.Column('name_terms', LEXEMES, nullable=False),
    sa.Column('terms', LEXEMES, nullable=False),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_search_document')),
    postgresql_with={'toast_tuple_target': 128}
    )
    if op.get_bind().dialect.name == "postgresql":  # terms out of line, the ranking lexemes in the row
        op.execute("ALTER TABLE search_document ALTER COLUMN terms SET STORAGE EXTERNAL, "
                   "ALTER COLUMN name_terms SET STORAGE MAIN")
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index('ix_search_document_entity_id', ['entity_id'], unique=False)
        batch_op.create_index('ix_search_document_listed_until', ['listed_until'], unique=False)
        batch_op.create_index('ix_search_document_newest', ['created', 'product_id'], unique=False)
        batch_op.create_index('ix_search_document_stars', ['stars', 'in_stock', 'created', 'product_id'],
                              unique=False)
        batch_op.create_index('ix_search_document_terms', ['terms'], unique=False, postgresql_using='gin',
                              postgresql_with={'fastupdate': 'off'})

    op.create_table('search_facet',
    sa.Column('province', sa.String(length=8), nullable=False),
    sa.Column('criteria', sa.String(length=8), nullable=False),
    sa.Column('stars', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('province', 'criteria', 'stars', 'in_stock', name=op.f('pk_search_facet'))
    )

    op.create_table('search_term',
    sa.Column('term', sa.Text(), nullable=False),
    sa.Column('df', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_search_term'))
    )
    with op.batch_alter_table('search_term', schema=None) as batch_op:
        batch_op.create_index('ix_search_term_name_words', ['term'], unique=False, postgresql_using='gin',
                              postgresql_ops={'term': 'gin_trgm_ops'}, postgresql_where=sa.text("term LIKE 'n~%'"))


def downgrade():
    with op.batch_alter_table('search_term', schema=None) as batch_op:
        batch_op.drop_index('ix_search_term_name_words')

    op.drop_table('search_term')
    op.drop_table('search_facet')
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index('ix_search_document_terms')
        batch_op.drop_index('ix_search_document_stars')
        batch_op.drop_index('ix_search_document_newest')
        batch_op.drop_index('ix_search_document_listed_until')
        batch_op.drop_index('ix_search_document_entity_id')

    op.drop_table('search_document')

"""Search tables: the Whoosh backend's queue, and the PostgreSQL backend's documents and term counts."""

from datetime import date

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db

#: A tsvector on PostgreSQL (the only database the PostgreSQL backend runs on), plain text elsewhere.
Lexemes = Text().with_variant(TSVECTOR(), "postgresql")


class SearchPending(db.Model):
    """A product to re-index; rows are deleted once the index has the change (so nothing is lost)."""

    __tablename__ = "search_pending"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, index=True)


class SearchDocument(db.Model):
    """One listed product as the PostgreSQL backend searches it (``SEARCH_BACKEND=postgres``).

    Written in the transaction that changes the product (``search/postgres/writer.py``), from the same
    ``documents_for()`` as the Whoosh index. ``terms`` holds what a typed word may match: the folded words of the
    name and the body (maker, places, description), ``c~`` category words, ``n~`` name words and ``e~`` name words
    with their diacritics. ``name_terms`` holds what ranks: ``n~`` name words, ``p~`` adjacent-word pairs of the
    name, ``e~`` words with diacritics and ``l~`` pairs of the place.
    """

    __tablename__ = "search_document"
    __table_args__ = (
        #: Written row by row with each change: no pending list, which every query would have to read.
        Index("ix_search_document_terms", "terms", postgresql_using="gin", postgresql_with={"fastupdate": "off"}),
        Index("ix_search_document_newest", "created", "product_id"),
        Index("ix_search_document_stars", "stars", "in_stock", "created", "product_id"),
        Index("ix_search_document_entity_id", "entity_id"),
        Index("ix_search_document_listed_until", "listed_until"),
        #: Rows stay narrow (facts and ranking lexemes, ~380 bytes, 21 a page instead of 8) with ``terms`` kept out
        #: of line: reading the facts of ten thousand matching documents reads few pages, and matching never needs
        #: ``terms`` itself. ``filler`` is what makes PostgreSQL move it there (see ``filler``).
        {"postgresql_with": {"toast_tuple_target": 128}},
    )
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entity_id: Mapped[int] = mapped_column(Integer)
    province: Mapped[str] = mapped_column(String(8))
    criteria: Mapped[str] = mapped_column(String(8))
    stars: Mapped[int] = mapped_column(SmallInteger)
    price: Mapped[int] = mapped_column(BigInteger)
    in_stock: Mapped[bool] = mapped_column(Boolean)
    #: Last day listed without a new decision: lapsed documents are filtered out at query time.
    listed_until: Mapped[date] = mapped_column(Date)
    created: Mapped[int] = mapped_column(BigInteger)  #: the listing's creation, seconds since the epoch
    name_len: Mapped[int] = mapped_column(SmallInteger)  #: words in the name (length normalisation)
    name_terms: Mapped[str] = mapped_column(Lexemes)
    terms: Mapped[str] = mapped_column(Lexemes)
    #: A constant written with every row (``postgres/writer.py``: ``FILLER``), stored compressed in ~35 bytes.
    #: PostgreSQL moves values out of line only for rows over ~2 kB (``toast_tuple_target`` applies once it
    #: does); a search row is ~1 kB, so without it ``terms`` would stay in the row and triple the pages read.
    filler: Mapped[str | None] = mapped_column(Text, deferred=True)


#: ``terms`` goes out of line uncompressed when a row grows large; ``name_terms`` (read by every score) stays in it,
#: and so does ``filler``, compressed.
STORAGE = DDL("ALTER TABLE search_document ALTER COLUMN terms SET STORAGE EXTERNAL, "
              "ALTER COLUMN name_terms SET STORAGE MAIN, ALTER COLUMN filler SET STORAGE MAIN")
event.listen(SearchDocument.__table__, "after_create", STORAGE.execute_if(dialect="postgresql"))


class SearchTerm(db.Model):
    """How many documents hold a ``name_terms`` lexeme (idf, spelling), plus ``#docs`` and ``#length`` totals.

    Kept by the same writer as the documents, in the same transaction.
    """

    __tablename__ = "search_term"
    __table_args__ = (
        #: Name words by trigrams (pg_trgm): the catalogue's words near a typo, looked up by their first letter.
        #: No pending list (``fastupdate``): a bulk write would leave one that every lookup reads until a vacuum.
        Index("ix_search_term_name_words", "term", postgresql_using="gin", postgresql_ops={"term": "gin_trgm_ops"},
              postgresql_where=text("term LIKE 'n~%'"), postgresql_with={"fastupdate": "off"}),
    )
    term: Mapped[str] = mapped_column(Text, primary_key=True)
    df: Mapped[int] = mapped_column(Integer)


class SearchFacet(db.Model):
    """How many documents fall in each (province, criteria set, stars, in stock) bucket, lapsed ones included.

    Kept by the same writer as the documents, in the same transaction: browsing without typed words counts its
    facets here (minus the few documents lapsed since they were written) instead of reading every document.
    """

    __tablename__ = "search_facet"
    province: Mapped[str] = mapped_column(String(8), primary_key=True)
    criteria: Mapped[str] = mapped_column(String(8), primary_key=True)
    stars: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    in_stock: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    documents: Mapped[int] = mapped_column(Integer)


#: What the migration creates first on PostgreSQL, so that ``create_all()`` (tests) builds the same tables.
for _extension in ("pg_trgm", "unaccent"):
    event.listen(SearchTerm.__table__, "before_create",
                 DDL(f"CREATE EXTENSION IF NOT EXISTS {_extension}").execute_if(dialect="postgresql"))

"""Writing ``search_document`` rows: for the products a transaction touched, before it commits; all, to rebuild.

Each product's row is rewritten under a transaction-scoped advisory lock on the product (taken in id order, so
two writers never deadlock; a writer of many products takes one lock on all documents instead, as the lock table
is small), from the same ``documents_for()`` as the Whoosh index, on the writer's own connection: the change and
its document commit or roll back together. Term counts (``search_term``) move by
the difference between the old and the new lexemes, and so do the facet buckets (``search_facet``: province,
criteria set, stars, in stock); a rewrite that changes no lexeme and no bucket (a price, some stock) counts
nothing and keeps the stored tsvectors. Locks are always taken in one order: products, then buckets, then terms,
each sorted. Rows travel as arrays (``unnest``): one statement per table, whatever the number of products.
"""

from collections import Counter

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from marketplace.registry.models import Product
from marketplace.search.documents import documents_for
from marketplace.search.models import SearchDocument
from marketplace.search.postgres.lexemes import DOCUMENTS, LENGTH, row

LOCK_SPACE = 0x5EA7C4  #: first key of the advisory locks on products (the second is the product id; 0: all of them)
REBUILD_SPACE = LOCK_SPACE + 1  #: first key of the lock held by the one process rebuilding
MANY = 256  #: more products than this are written under the lock on all documents
DOCUMENT = SearchDocument.__table__
#: Columns of a document and their SQL array types.
COLUMNS = {"product_id": "integer", "entity_id": "integer", "province": "text", "criteria": "text",
           "stars": "smallint", "price": "bigint", "in_stock": "boolean", "listed_until": "date", "created": "bigint",
           "name_len": "smallint", "name_terms": "tsvector", "terms": "tsvector"}
FACTS = ("entity_id", "province", "criteria", "stars", "price", "in_stock", "listed_until", "created", "name_len")
BUCKET = ("province", "criteria", "stars", "in_stock")  #: what a facet bucket is made of
LEXEMES = ("name_terms", "terms")

LOCK_FEW = text("SELECT pg_advisory_xact_lock_shared(:space, 0), pg_advisory_xact_lock(:space, id) "
                "FROM unnest(CAST(:ids AS integer[])) AS id")
LOCK_MANY = text("SELECT pg_advisory_xact_lock(:space, 0)")
#: Written with every row (``models.SearchDocument.filler``): 2,100 bytes put every row over PostgreSQL's TOAST
#: threshold (~2 kB), so ``terms`` goes out of line and the row stays narrow; it is stored in ~35 bytes, compressed.
FILLER = "repeat(' ', 2100)"
UPSERT = text(f"""
INSERT INTO search_document ({", ".join(COLUMNS)}, filler)
SELECT *, {FILLER} FROM unnest({", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in COLUMNS.items())})
ON CONFLICT (product_id) DO UPDATE SET {", ".join(f"{name} = excluded.{name}" for name in FACTS)},
{", ".join(f"{name} = CASE WHEN search_document.{name} = excluded.{name} THEN search_document.{name} "
           f"ELSE excluded.{name} END" for name in LEXEMES)}, filler = excluded.filler
""")
COUNT_TERMS = text("""
INSERT INTO search_term (term, df) SELECT * FROM unnest(CAST(:terms AS text[]), CAST(:differences AS integer[]))
ON CONFLICT (term) DO UPDATE SET df = search_term.df + excluded.df
""")
COUNT_BUCKETS = text("""
INSERT INTO search_facet (province, criteria, stars, in_stock, documents)
SELECT * FROM unnest(CAST(:province AS text[]), CAST(:criteria AS text[]), CAST(:stars AS smallint[]),
                     CAST(:in_stock AS boolean[]), CAST(:differences AS integer[]))
ON CONFLICT (province, criteria, stars, in_stock) DO UPDATE SET documents = search_facet.documents + excluded.documents
""")


def _stored(connection, ids):
    """``{product_id: (name_len, name lexemes, bucket)}`` of the rows stored for ``ids``."""
    query = select(DOCUMENT.c.product_id, DOCUMENT.c.name_len, func.tsvector_to_array(DOCUMENT.c.name_terms),
                   *(DOCUMENT.c[name] for name in BUCKET)).where(DOCUMENT.c.product_id.in_(ids))
    return {product_id: (length, lexemes or [], tuple(bucket))
            for product_id, length, lexemes, *bucket in connection.execute(query)}


def count_terms(connection, changes):
    """Add ``changes`` (``{term: difference}``) to the term counts, in term order."""
    ordered = sorted((term, difference) for term, difference in changes.items() if difference)
    if ordered:
        terms, differences = zip(*ordered, strict=True)
        connection.execute(COUNT_TERMS, {"terms": list(terms), "differences": list(differences)})


def count_buckets(connection, changes):
    """Add ``changes`` (``{bucket: difference}``) to the facet buckets, in bucket order."""
    ordered = sorted((bucket, difference) for bucket, difference in changes.items() if difference)
    if ordered:
        columns = list(zip(*(bucket for bucket, _ in ordered), strict=True))
        connection.execute(COUNT_BUCKETS, {**{name: list(values) for name, values in zip(BUCKET, columns, strict=True)},
                                           "differences": [difference for _, difference in ordered]})


def write(connection, ids, day):
    """Rewrite the rows of products ``ids`` from the database as ``connection`` sees it; the number listed."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return 0
    connection.execute(LOCK_FEW if len(ids) <= MANY else LOCK_MANY, {"space": LOCK_SPACE, "ids": ids})
    with Session(bind=connection) as reading:
        documents = documents_for(reading, day, ids)
    stored = _stored(connection, ids)
    terms, buckets = Counter(), Counter()
    for length, lexemes, bucket in stored.values():
        terms.subtract({DOCUMENTS: 1, LENGTH: length, **dict.fromkeys(lexemes, 1)})
        buckets[bucket] -= 1
    rows = [row(documents[i]) for i in ids if i in documents]
    for values in rows:
        terms.update({DOCUMENTS: 1, LENGTH: values["name_len"], **dict.fromkeys(values["counted"], 1)})
        buckets[tuple(values[name] for name in BUCKET)] += 1
    if rows:
        connection.execute(UPSERT, {name: [values[name] for values in rows] for name in COLUMNS})
    if gone := [i for i in stored if i not in documents]:
        connection.execute(DOCUMENT.delete().where(DOCUMENT.c.product_id.in_(gone)))
    count_buckets(connection, buckets)
    count_terms(connection, terms)
    return len(rows)


RECOUNT = text("""
INSERT INTO search_term (term, df)
SELECT lexeme, count(*) FROM search_document, unnest(tsvector_to_array(name_terms)) AS lexeme GROUP BY lexeme
UNION ALL SELECT :documents, count(*) FROM search_document
UNION ALL SELECT :length, coalesce(sum(name_len), 0) FROM search_document
""")
RECOUNT_BUCKETS = text("""
INSERT INTO search_facet (province, criteria, stars, in_stock, documents)
SELECT province, criteria, stars, in_stock, count(*) FROM search_document GROUP BY province, criteria, stars, in_stock
""")


def recount(connection):
    """Count buckets and terms again from the stored documents (the rebuild's last step; writers wait meanwhile)."""
    connection.execute(text("LOCK TABLE search_facet, search_term IN EXCLUSIVE MODE"))
    connection.execute(text("DELETE FROM search_facet"))
    connection.execute(RECOUNT_BUCKETS)
    connection.execute(text("DELETE FROM search_term"))
    connection.execute(RECOUNT, {"documents": DOCUMENTS, "length": LENGTH})


#: What the rebuild reads: fresh statistics first, so that reading a freshly imported catalogue is planned well.
SOURCES = "product, certificate, listing, listing_variant, entity"


def rebuild(engine, day, progress=lambda items, label: items, batch=1000):
    """Rewrite every product's row in batches (one transaction each), count again, vacuum; the number listed.

    Products that are no longer listed (or no longer exist) lose their rows in the same batches.
    """
    with engine.begin() as connection:
        connection.execute(text(f"ANALYZE {SOURCES}"))
        ids = sorted(connection.scalars(select(Product.id).union(select(DOCUMENT.c.product_id))))
    count = 0
    for start in progress(range(0, len(ids), batch), "indexing"):
        with engine.begin() as connection:
            count += write(connection, ids[start:start + batch], day)
    with engine.begin() as connection:
        recount(connection)
    vacuum(engine)
    return count


def vacuum(engine):
    """``VACUUM ANALYZE`` the search tables after a bulk write (outside a transaction, as VACUUM must be).

    Removes the row versions the rewrite left (``search_term`` holds more dead rows than live ones after a rebuild),
    marks pages all-visible (a bitmap scan then skips the per-row visibility checks) and gives the planner the
    new contents' statistics.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) search_document, search_facet, search_term"))

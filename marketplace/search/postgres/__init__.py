"""The PostgreSQL search backend (``SEARCH_BACKEND=postgres``): documents in a table, written in the transaction.

The same analysis (``analysis.py``, ``matching.Plan``: folding, pairs, prefixes, filler words, the glossary,
run-together words), filters, facets, sorts, spelling help and ranking rules as the Whoosh index, in SQL:

- ``lexemes.py``: a document (``documents.documents_for``) as a ``search_document`` row of tsvectors;
- ``writer.py``: rows (and term counts) rewritten for the products a transaction touched, before it commits;
  the rebuild and the check;
- ``vocabulary.py``: document frequencies, the catalogue's words for spelling help and run-together words;
- ``sql.py``: a query plan as tsqueries and a score expression (``matching.scores`` in SQL);
- ``query.py``: one page, the total, the facets and spelling help in one statement per attempt;
- ``health.py``: whether the table can answer (``/readyz``), and a rebuild when it was found empty.
"""

from flask import current_app


def enabled():
    """True when this application searches with PostgreSQL (``SEARCH_BACKEND=postgres``)."""
    return current_app.config.get("SEARCH_BACKEND") == "postgres"

"""The Whoosh index of listed products: opening it, reading it and querying it.

Text matching and scoring are Whoosh's; filters, facets and non-relevance sorts run over per-document
columns kept in memory per index generation, which is what keeps facet counts cheap.
"""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q  # noqa: N812

from marketplace.core.text import fold
from marketplace.search.analysis import exact_words, folded_words, pairs
from marketplace.search.schema import product_schema

COLUMNS = ("product_id", "entity", "province", "criteria", "stars", "price", "in_stock", "listed_until", "created")
FEW_RESULTS = 3
#: Where each typed word is looked for, and how much a match there weighs.
FIELDS = (("name", 3.0), ("body", 1.0), ("category", 0.4))
#: Out-of-stock products rank after in-stock ones unless clearly more relevant (within 25 % counts as a tie).
OUT_OF_STOCK_FACTOR = 0.75
#: Words that say nothing about which product is wanted ("đặc sản", "sản phẩm", "OCOP", "mua"...).
FILLER = {("dac", "san"), ("san", "pham"), ("ocop",), ("mua",), ("chinh", "hang"), ("gia", "re"), ("loai", "1")}


class IndexOutOfDateError(RuntimeError):
    """The index on disk was built by another version of the schema."""


@dataclass
class Columns:
    """Per-document values of one index generation, as Python lists indexed by document number."""

    docnums: list
    values: dict

    def get(self, name, docnum):
        """The value of column ``name`` for ``docnum``."""
        return self.values[name][docnum]


@dataclass
class Found:
    """Product ids of one page in rank order, the total, facet counts and any spelling correction."""

    product_ids: list
    total: int
    facets: dict = field(default_factory=dict)
    corrected: str | None = None  #: the query answered instead of what was typed (which found nothing)
    suggestion: str | None = None  #: "did you mean", when what was typed found little
    approximate: bool = False  #: nothing matched exactly: these are near matches


class Engine:
    """One index directory: ``<dir>/current`` points at the live generation ``<dir>/gen-*``."""

    def __init__(self, base):
        self.base = Path(base)
        self.lock = threading.Lock()
        self._target = None
        self._index = None
        self._searcher = None
        self._columns = None

    @property
    def current(self):
        """The link to the live generation."""
        return self.base / "current"

    def ensure(self):
        """Create an empty index generation when there is none."""
        if not self.current.exists():
            self.base.mkdir(parents=True, exist_ok=True)
            generation = self.base / "gen-initial"
            generation.mkdir(exist_ok=True)
            whoosh_index.create_in(str(generation), product_schema())
            tmp = self.base / "current.tmp"
            if tmp.is_symlink() or tmp.exists():
                tmp.unlink()
            tmp.symlink_to(generation.name)
            os.replace(tmp, self.current)

    def index(self):
        """The live index, reopened when a reindex swapped generations."""
        self.ensure()
        target = os.readlink(self.current)
        if self._index is None or target != self._target:
            self._index = whoosh_index.open_dir(str(self.base / target))
            if set(self._index.schema.names()) != set(product_schema().names()):
                raise IndexOutOfDateError(f"{self.base / target} has another schema: run `flask search reindex`")
            self._target = target
            self._close_searcher()
        return self._index

    def _close_searcher(self):
        if self._searcher is not None:
            self._searcher.close()
        self._searcher, self._columns = None, None

    def searcher(self):
        """A shared searcher, refreshed when the index changed; with its columns."""
        with self.lock:
            ix = self.index()
            if self._searcher is None:
                self._searcher = ix.searcher()
            elif not self._searcher.up_to_date():
                # reopen rather than Searcher.refresh(): whoosh-ng 5.4 fails to refresh a reader of an empty index
                self._searcher.close()
                self._searcher = ix.searcher()
                self._columns = None
            if self._columns is None:
                self._columns = read_columns(self._searcher.reader())
            return self._searcher, self._columns

    def close(self):
        """Release the searcher and the index."""
        with self.lock:
            self._close_searcher()
            self._index = None


def read_columns(reader):
    """Column values of every live document."""
    size = reader.doc_count_all()
    if size == 0:  # an empty index has no columns at all
        return Columns(docnums=[], values={name: [] for name in COLUMNS})
    docnums = list(reader.all_doc_ids())
    values = {}
    for name in COLUMNS:
        column = reader.column_reader(name)
        values[name] = [None] * size
        for docnum in docnums:
            values[name][docnum] = column[docnum]
    return Columns(docnums=docnums, values=values)


def strip_filler(words):
    """Remove filler phrases, unless nothing else was typed."""
    kept, i = [], 0
    while i < len(words):
        for phrase in sorted(FILLER, key=len, reverse=True):
            if tuple(words[i:i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            kept.append(words[i])
            i += 1
    return kept or words


def text_query(text, fuzzy=False):
    """(required query, boosting query) for what was typed; None when nothing was typed."""
    words = strip_filler(folded_words(text))
    if not words:
        return None, None
    required = []
    for position, word in enumerate(words):
        last = position == len(words) - 1
        if fuzzy and len(word) >= 4:
            options = [Q.FuzzyTerm(name, word, maxdist=1, prefixlength=1, boost=boost) for name, boost in FIELDS]
        else:
            options = [Q.Term(name, word, boost=boost) for name, boost in FIELDS]
            if last:  # the word being typed: its completions count, less than the word itself
                options += [Q.Prefix(name, word, boost=boost / 4) for name, boost in FIELDS]
        required.append(Q.Or(options))
    boosts = [Q.Term(field, pair, boost=2.0) for pair in pairs(words) for field in ("name_pairs", "place")]
    boosts += [Q.Term("name_exact", word, boost=1.5) for word in exact_words(text) if word != fold(word)]
    return Q.And(required), (Q.Or(boosts) if boosts else None)


def edit_distance(a, b):
    """Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent swaps)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def nearest_word(searcher, word):
    """The catalogue word closest to ``word`` (fewest edits, then most frequent), or None."""
    reader = searcher.reader()
    candidates = searcher.corrector("name").suggest(word, limit=20, maxdist=2, prefix=1)
    ranked = sorted(candidates, key=lambda c: (edit_distance(word, c), -reader.doc_frequency("name", c), c))
    return ranked[0] if ranked else None


def corrected_text(searcher, text):
    """The typed text with each unknown word replaced by the catalogue's nearest word, or None."""
    words, changed = folded_words(text), False
    reader = searcher.reader()
    for i, word in enumerate(words):
        if len(word) < 3 or reader.doc_frequency("name", word) or reader.doc_frequency("body", word):
            continue
        suggestion = nearest_word(searcher, word)
        if suggestion and suggestion != word:
            words[i], changed = suggestion, True
    return " ".join(words) if changed else None


def keep(columns, docnum, filters, today_ordinal, skip=None):
    """True when document ``docnum`` passes every filter (but ``skip``) and is still listed today."""
    value = columns.values
    if value["listed_until"][docnum] < today_ordinal:
        return False
    if filters.province_code and skip != "province" and value["province"][docnum] != filters.province_code:
        return False
    if filters.criteria_codes and skip != "group" and value["criteria"][docnum] not in filters.criteria_codes:
        return False
    if filters.min_stars and skip != "stars" and value["stars"][docnum] < filters.min_stars:
        return False
    if filters.entity_id and value["entity"][docnum] != str(filters.entity_id):
        return False
    price = value["price"][docnum]
    if filters.price_min is not None and price < filters.price_min:
        return False
    if filters.price_max is not None and price > filters.price_max:
        return False
    return not (filters.in_stock and not value["in_stock"][docnum])


def count_facets(columns, matched, filters, today_ordinal):
    """Counts by province, criteria set and stars; each respects every other active filter."""
    counts = {"province": {}, "group": {}, "stars": {}}
    column_of = {"province": "province", "group": "criteria", "stars": "stars"}
    for dimension, bucket in counts.items():
        values = columns.values[column_of[dimension]]
        for docnum in matched:
            if keep(columns, docnum, filters, today_ordinal, skip=dimension):
                key = values[docnum]
                bucket[key] = bucket.get(key, 0) + 1
    return counts


SORT_KEYS = {
    "newest": lambda v, d: (-v["created"][d], -int(v["product_id"][d])),
    "price_asc": lambda v, d: (v["price"][d], -int(v["product_id"][d])),
    "price_desc": lambda v, d: (-v["price"][d], -int(v["product_id"][d])),
    "stars": lambda v, d: (-v["stars"][d], -v["in_stock"][d], -v["created"][d]),
}


def run(engine, filters, today_ordinal, with_facets=True):
    """Search the index: text, filters, sort, one page, total, facets; spelling help when little matched.

    Nothing found: the catalogue's nearest words are tried ("did you mean", answered directly), then
    approximate matching. Few found: a better-spelled query is offered as ``suggestion``.
    """
    searcher, columns = engine.searcher()

    def attempt(text=None, fuzzy=False, facets=with_facets):
        return _run_once(searcher, columns, filters, today_ordinal, facets, text=text, fuzzy=fuzzy)

    found = attempt()
    if not filters.q or found.total >= FEW_RESULTS:
        return found
    corrected = corrected_text(searcher, filters.q)
    if found.total:
        if corrected and attempt(corrected, facets=False).total > found.total:
            found.suggestion = corrected
        return found
    if corrected and (retry := attempt(corrected)).total:
        retry.corrected = corrected
        return retry
    if (retry := attempt(fuzzy=True)).total:
        retry.approximate = True
        return retry
    return found


def _run_once(searcher, columns, filters, today_ordinal, with_facets, text=None, fuzzy=False):
    required, boosts = text_query(text if text is not None else filters.q, fuzzy=fuzzy)
    matched = set(searcher.docs_for_query(required)) if required is not None else set(columns.docnums)
    selected = [d for d in matched if keep(columns, d, filters, today_ordinal)]
    start, stop = (filters.page - 1) * filters.per_page, filters.page * filters.per_page
    values = columns.values
    if filters.sort == "relevance" and required is not None and selected:
        scored = Q.AndMaybe(required, boosts) if boosts is not None else required
        hits = searcher.search(scored, filter=set(selected), limit=stop)
        ranked = sorted(((hit.score * (1.0 if values["in_stock"][hit.docnum] else OUT_OF_STOCK_FACTOR), hit.docnum)
                         for hit in hits), key=lambda pair: -pair[0])
        page = [docnum for _, docnum in ranked[start:stop]]
    else:
        key = SORT_KEYS.get(filters.sort, SORT_KEYS["newest"])
        if filters.sort == "relevance":
            key = lambda v, d: (-v["in_stock"][d], *SORT_KEYS["newest"](v, d))  # noqa: E731
        page = sorted(selected, key=lambda d: key(values, d))[start:stop]
    facets = count_facets(columns, matched, filters, today_ordinal) if with_facets else {}
    return Found(product_ids=[int(values["product_id"][d]) for d in page], total=len(selected), facets=facets)


def suggest(engine, text, today_ordinal, limit=8):
    """Listed product ids whose names start like ``text`` (the last word may be partial), best first."""
    words = folded_words(text)
    if not words:
        return []
    searcher, columns = engine.searcher()
    parts = [Q.Term("name", word) for word in words[:-1]] + [Q.Prefix("name", words[-1])]
    live = {d for d in columns.docnums if columns.values["listed_until"][d] >= today_ordinal}
    boosts = [Q.Term("name_pairs", pair) for pair in pairs(words)]
    scored = Q.AndMaybe(Q.And(parts), Q.Or(boosts)) if boosts else Q.And(parts)
    hits = searcher.search(scored, filter=live, limit=limit)
    return [int(columns.values["product_id"][hit.docnum]) for hit in hits]


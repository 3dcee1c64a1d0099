"""The Whoosh index of listed products: opening it, reading it and querying it.

Text matching and scoring are Whoosh's; filters, facets and non-relevance sorts run over per-document
columns kept in memory per index generation, which is what keeps facet counts cheap.
"""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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
    """Per-document values of one index generation as numpy arrays indexed by document number.

    ``live`` marks documents that are not deleted; text columns (province, criteria, entity) are stored as
    small integer codes with their ``labels``.
    """

    size: int
    live: np.ndarray
    values: dict
    labels: dict

    @property
    def docnums(self):
        """Document numbers of the live documents."""
        return np.nonzero(self.live)[0]

    def code(self, name, label):
        """The integer code of ``label`` in column ``name`` (-1 when absent)."""
        try:
            return self.labels[name].index(label)
        except ValueError:
            return -1


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


#: Columns holding text, kept as integer codes.
LABELLED = ("province", "criteria", "entity")


def read_columns(reader):
    """Column values of every document (deleted ones are masked out by ``live``)."""
    size = reader.doc_count_all()
    live = np.zeros(size, dtype=bool)
    values, labels = {}, {}
    if size == 0:  # an empty index has no columns at all
        return Columns(size=0, live=live, values={name: np.zeros(0, dtype=np.int64) for name in COLUMNS},
                       labels={name: [] for name in LABELLED})
    live[list(reader.all_doc_ids())] = True
    for name in COLUMNS:
        raw = list(reader.column_reader(name))
        if name in LABELLED:
            labels[name] = sorted(set(raw))
            index = {label: i for i, label in enumerate(labels[name])}
            values[name] = np.fromiter((index[value] for value in raw), dtype=np.int32, count=size)
        elif name == "product_id":
            values[name] = np.fromiter((int(value or 0) for value in raw), dtype=np.int64, count=size)
        else:
            values[name] = np.fromiter((value or 0 for value in raw), dtype=np.int64, count=size)
    return Columns(size=size, live=live, values=values, labels=labels)


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
    """(matching query, scoring query) for what was typed; (None, None) when nothing was typed.

    Every typed word must appear in the name, the body or the category (the last one may be a prefix of a
    name word). Only names, word pairs and places are scored: scoring few fields keeps broad queries fast.
    """
    words = strip_filler(folded_words(text))
    if not words:
        return None, None
    required, scoring = [], []
    for position, word in enumerate(words):
        if fuzzy and len(word) >= 4:
            options = [Q.FuzzyTerm(name, word, maxdist=1, prefixlength=1) for name, _ in FIELDS]
            scoring.append(Q.FuzzyTerm("name", word, maxdist=1, prefixlength=1, boost=FIELDS[0][1]))
        else:
            options = [Q.Term(name, word) for name, _ in FIELDS]
            scoring.append(Q.Term("name", word, boost=FIELDS[0][1]))
            if position == len(words) - 1:  # the word being typed: its completions in names count, less
                options.append(Q.Prefix("name", word))
                scoring.append(Q.Prefix("name", word, boost=FIELDS[0][1] / 4))
        required.append(Q.Or(options))
    scoring += [Q.Term(field, pair, boost=2.0) for pair in pairs(words) for field in ("name_pairs", "place")]
    scoring += [Q.Term("name_exact", word, boost=1.5) for word in exact_words(text) if word != fold(word)]
    return Q.And(required), Q.Or(scoring)


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


def filter_masks(columns, filters, today_ordinal):
    """Boolean masks, one per active filter (named), plus the always-on "listed today" mask."""
    values = columns.values
    masks = {"listed": columns.live & (values["listed_until"] >= today_ordinal)}
    if filters.province_code:
        masks["province"] = values["province"] == columns.code("province", filters.province_code)
    if filters.criteria_codes:
        codes = [columns.code("criteria", code) for code in filters.criteria_codes]
        masks["group"] = np.isin(values["criteria"], codes)
    if filters.min_stars:
        masks["stars"] = values["stars"] >= filters.min_stars
    if filters.price_min is not None:
        masks["price_min"] = values["price"] >= filters.price_min
    if filters.price_max is not None:
        masks["price_max"] = values["price"] <= filters.price_max
    if filters.in_stock:
        masks["in_stock"] = values["in_stock"] > 0
    if filters.entity_id:
        masks["entity"] = values["entity"] == columns.code("entity", str(filters.entity_id))
    return masks


def combine(matched, masks, skip=None):
    """``matched`` and every mask except ``skip``."""
    result = matched.copy()
    for name, mask in masks.items():
        if name != skip:
            result &= mask
    return result


def count_facets(columns, matched, masks):
    """Counts by province, criteria set and stars; each respects every other active filter."""
    counts = {}
    for dimension, column in (("province", "province"), ("group", "criteria"), ("stars", "stars")):
        selected = columns.values[column][combine(matched, masks, skip=dimension)]
        values, frequencies = np.unique(selected, return_counts=True)
        labels = columns.labels.get(column)
        counts[dimension] = {(labels[v] if labels is not None else int(v)): int(n)
                             for v, n in zip(values, frequencies, strict=True)}
    return counts


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
    required, scoring = text_query(text if text is not None else filters.q, fuzzy=fuzzy)
    if required is not None:
        matched = np.zeros(columns.size, dtype=bool)
        matched[list(searcher.docs_for_query(required))] = True
    else:
        matched = columns.live.copy()
    masks = filter_masks(columns, filters, today_ordinal)
    selected = np.nonzero(combine(matched, masks))[0]
    start, stop = (filters.page - 1) * filters.per_page, filters.page * filters.per_page
    values = columns.values
    if filters.sort == "relevance" and required is not None and len(selected):
        page = relevance_page(searcher, values, selected, scoring, filters.sort, start, stop)
    else:
        page = selected[np.lexsort(sort_keys(values, selected, filters.sort))][start:stop].tolist()
    facets = count_facets(columns, matched, masks) if with_facets else {}
    return Found(product_ids=[int(values["product_id"][d]) for d in page], total=int(len(selected)), facets=facets)


def relevance_page(searcher, values, selected, scoring, sort, start, stop):
    """Documents ``start:stop`` by score (in-stock first among near ties); unscored matches come last."""
    hits = searcher.search(scoring, filter=set(selected.tolist()), limit=stop)
    weight = {True: 1.0, False: OUT_OF_STOCK_FACTOR}
    ranked = [docnum for _, docnum in sorted(
        ((hit.score * weight[bool(values["in_stock"][hit.docnum])], hit.docnum) for hit in hits),
        key=lambda pair: -pair[0])]
    if len(ranked) < stop:  # matched only outside the scored fields: newest in-stock first
        rest = np.setdiff1d(selected, np.array(ranked, dtype=selected.dtype), assume_unique=True)
        ranked += rest[np.lexsort(sort_keys(values, rest, "relevance"))][:stop - len(ranked)].tolist()
    return ranked[start:stop]


def sort_keys(values, selected, sort):
    """numpy.lexsort keys (the last key sorts first) for a non-relevance order."""
    newest = (-values["product_id"][selected], -values["created"][selected])
    keys = {
        "newest": newest,
        "price_asc": (-values["product_id"][selected], values["price"][selected]),
        "price_desc": (-values["product_id"][selected], -values["price"][selected]),
        "stars": (*newest, -values["in_stock"][selected], -values["stars"][selected]),
        "relevance": (*newest, -values["in_stock"][selected]),
    }
    return keys.get(sort, newest)


def suggest(engine, text, today_ordinal, limit=8):
    """Listed product ids whose names start like ``text`` (the last word may be partial), best first."""
    words = folded_words(text)
    if not words:
        return []
    searcher, columns = engine.searcher()
    parts = [Q.Term("name", word) for word in words[:-1]] + [Q.Prefix("name", words[-1])]
    live = set(np.nonzero(columns.live & (columns.values["listed_until"] >= today_ordinal))[0].tolist())
    boosts = [Q.Term("name_pairs", pair) for pair in pairs(words)]
    scored = Q.AndMaybe(Q.And(parts), Q.Or(boosts)) if boosts else Q.And(parts)
    hits = searcher.search(scored, filter=live, limit=limit)
    return [int(columns.values["product_id"][hit.docnum]) for hit in hits]


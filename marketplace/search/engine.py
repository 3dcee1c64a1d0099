"""The Whoosh index of listed products: its generations on disk, a shared searcher, and its columns.

Per index generation the document columns are read once into numpy arrays (filters, facets and sorts run
on them) together with a cache of term masks (see ``matching.py``).
"""

import gc
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flask import current_app
from whoosh import index as whoosh_index

from marketplace.search.matching import Postings
from marketplace.search.schema import product_schema

COLUMNS = ("product_id", "entity", "province", "criteria", "stars", "price", "in_stock", "listed_until", "created",
           "name_len")


class IndexOutOfDateError(RuntimeError):
    """The index on disk was built by another version of the schema."""


class IndexMissingError(RuntimeError):
    """There is no index on disk: its directory is gone or ``current`` points nowhere."""


class IndexUnreadableError(RuntimeError):
    """The index on disk cannot be read (damaged files)."""


def read_index(call, *args):
    """``call(*args)``, a failure to read the index on disk raised as IndexUnreadableError.

    Whoosh does not close a file it fails to parse: the error's traceback keeps it open until it is dropped,
    and then Python warns (ResourceWarning). The traceback is dropped here, with that warning silenced.
    """
    try:
        return call(*args)
    except (IndexMissingError, IndexOutOfDateError):
        raise
    except Exception as error:  # noqa: BLE001 - whatever Whoosh raises on damaged files
        message = f"{type(error).__name__}: {error}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            cause = error
            while cause is not None:
                cause.__traceback__ = None
                cause = cause.__cause__ or cause.__context__
            gc.collect()
    raise IndexUnreadableError(message)


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
    postings: Postings | None = None  #: cached term masks of the same searcher
    #: The day (ordinal) the database was found to list nothing either, when this generation is empty.
    agreed_empty_on: int | None = None

    @property
    def live_count(self):
        """Number of documents that are not deleted."""
        return int(self.live.sum())

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


class Engine:
    """One index directory: ``<dir>/current`` points at the live generation ``<dir>/gen-*``.

    ``failure`` says why the index cannot answer (None when it can); ``rebuilder`` is the thread rebuilding it.
    """

    def __init__(self, base):
        self.base = Path(base)
        self.lock = threading.Lock()
        self._target = None
        self._index = None
        self._searcher = None
        self._columns = None
        self.failure = None
        self.rebuilder = None
        self.retry_rebuild_at = 0.0  #: time.monotonic() before which a failed background rebuild is not retried

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
        """The live index, reopened when a reindex swapped generations; IndexMissingError when there is none."""
        if not self.current.exists():
            self.close_quietly()
            raise IndexMissingError(f"no search index at {self.current}")
        target = os.readlink(self.current)
        if self._index is None or target != self._target:
            self.close_quietly()
            index = read_index(whoosh_index.open_dir, str(self.base / target))
            if set(index.schema.names()) != set(product_schema().names()):
                raise IndexOutOfDateError(f"{self.base / target} has another schema: run `flask search reindex`")
            self._index, self._target = index, target
        return self._index

    def _close_searcher(self):
        if self._searcher is not None:
            self._searcher.close()
        self._searcher, self._columns = None, None

    def searcher(self):
        """A shared searcher, refreshed when the index changed; with its columns."""
        with self.lock:
            return read_index(self._open_searcher)

    def _open_searcher(self):
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
            self._columns.postings = Postings(self._searcher, self._columns.size)
        return self._searcher, self._columns

    def close(self):
        """Release the searcher and the index."""
        with self.lock:
            self.close_quietly()

    def close_quietly(self):
        """Forget the open index (the caller holds ``lock``); a broken searcher may fail to close."""
        try:
            self._close_searcher()
        except Exception:  # noqa: BLE001 - a corrupted or deleted index: nothing left to release
            self._searcher, self._columns = None, None
        self._index, self._target = None, None


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
            raw = [value.decode() if isinstance(value, bytes) else value for value in raw]
            labels[name] = sorted(set(raw))
            index = {label: i for i, label in enumerate(labels[name])}
            values[name] = np.fromiter((index[value] for value in raw), dtype=np.int32, count=size)
        elif name == "product_id":
            values[name] = np.fromiter((int(value or 0) for value in raw), dtype=np.int64, count=size)
        else:
            values[name] = np.fromiter((value or 0 for value in raw), dtype=np.int64, count=size)
    return Columns(size=size, live=live, values=values, labels=labels)


_engines = {}  #: one engine per index directory in this process


def current_engine():
    """The engine of the configured index directory (one per directory per process)."""
    base = current_app.config["SEARCH_INDEX_DIR"]
    if base not in _engines:
        _engines[base] = Engine(base)
    return _engines[base]

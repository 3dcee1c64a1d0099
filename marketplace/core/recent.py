"""A bounded store kept in a process's memory: the most recently used entries, each for a lifetime if given.

The page cache's fast path keeps the pages it read (core/pagecache.py) and core/memo keeps its figures here: keys
that carry the catalogue generation and the date never go out of date, so all such a store needs is a bound (least
recently used first out), and optionally a lifetime.
"""

import threading
import time
from collections import OrderedDict

MISSING = object()  #: what :meth:`Recent.get` answers for a key not kept (a kept value may be None)


class Recent:
    """At most ``size`` entries; each forgotten after its ``seconds`` (if given), or when newer ones push it out."""

    def __init__(self, size, clock=time.monotonic):
        self.size = size
        self.clock = clock
        self.entries = OrderedDict()  #: key → (value, time it is forgotten at, or None)
        self.lock = threading.Lock()

    def get(self, key, default=MISSING):
        """The value kept under ``key`` (now the most recently used), or ``default``."""
        with self.lock:
            kept = self.entries.get(key)
            if kept is None:
                return default
            if kept[1] is not None and kept[1] <= self.clock():
                del self.entries[key]
                return default
            self.entries.move_to_end(key)
            return kept[0]

    def put(self, key, value, seconds=None):
        """Keep ``value`` under ``key`` (for ``seconds``, or until pushed out)."""
        with self.lock:
            self.entries[key] = (value, None if seconds is None else self.clock() + seconds)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def __iter__(self):
        """The keys kept now, least recently used first (a copy: the store may change meanwhile)."""
        with self.lock:
            return iter(list(self.entries))

    def clear(self):
        """Forget every entry."""
        with self.lock:
            self.entries.clear()

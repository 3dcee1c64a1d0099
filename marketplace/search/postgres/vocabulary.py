"""What the catalogue knows, for one query: document frequencies, its words, and the words near a typo.

Counts come from ``search_term`` (kept with the documents, so never behind them): one statement for every term a
query needs (``load``), more only for what could not be foreseen. The object answers the Whoosh reader's
``doc_frequency`` and the vocabulary protocol of ``joined.py`` (``word``, ``anywhere``, ``pair``, ``syllables``),
so spelling help and run-together words work as they do on the index.
"""

import math

from sqlalchemy import Text, any_, bindparam, cast, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY

from marketplace.search.joined import MAX_SYLLABLE, MIN_SYLLABLE
from marketplace.search.models import SearchDocument, SearchTerm
from marketplace.search.postgres.lexemes import DOCUMENTS, FIELDS, LENGTH, NAME, PAIR, PLACE, quoted

SUGGESTIONS = 20  #: catalogue words kept per typo, the most frequent first (as Whoosh's corrector does)
#: Name words, as the partial trigram index ``ix_search_term_name_words`` holds them (written out for the planner).
NAMES = text(f"search_term.term LIKE '{NAME}%'")
NAME_WORD = literal_column(f"substr(search_term.term, {len(NAME) + 1})")


def levenshtein(a, b):
    """Edits (insertions, deletions, substitutions) between ``a`` and ``b`` (Whoosh's fuzzy terms use these)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def like_prefix(text):
    """A LIKE pattern for strings starting with ``text`` (a backslash escapes)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Statistics:
    """Term counts and words of the catalogue as one query sees them (cached for the query's lifetime)."""

    def __init__(self, session):
        self.session = session
        self.counts = {}
        self.in_text = {}
        self._syllables = None

    # --- counts ------------------------------------------------------------------------------------------------

    def load(self, terms):
        """Read the counts of ``terms`` (lexemes such as ``n~che``) not read yet, in one statement."""
        wanted = sorted({term for term in terms if term not in self.counts})
        if not wanted:
            return
        listed = bindparam("terms", wanted, type_=ARRAY(Text))
        query = select(SearchTerm.term, SearchTerm.df).where(SearchTerm.term == any_(listed))
        found = dict(self.session.execute(query).all())
        self.counts.update({term: found.get(term, 0) for term in wanted})

    def count(self, term):
        """Documents holding the lexeme ``term``."""
        if term not in self.counts:
            self.load([term])
        return max(self.counts[term], 0)

    @property
    def documents(self):
        """Documents stored (today's and lapsed ones, as the index counts them)."""
        return self.count(DOCUMENTS)

    @property
    def average_length(self):
        """Mean number of words in a stored name."""
        return self.count(LENGTH) / self.documents if self.documents else 1.0

    def doc_frequency(self, field, text):
        """Documents holding ``text`` in a Whoosh field (``body``: 1 when some name or body has the word)."""
        if field == "body":
            return int(self.in_names_or_bodies(text))
        return self.count(FIELDS[field] + text)

    def idf(self, field, text):
        """Inverse document frequency, as ``matching.Postings.idf``."""
        return math.log(1 + self.documents / (1 + self.doc_frequency(field, text)))

    def in_names_or_bodies(self, word):
        """True when some stored name or body has ``word``."""
        if word not in self.in_text:
            query = select(SearchDocument.product_id).where(
                SearchDocument.terms.op("@@")(cast(quoted(word), TSQUERY))).limit(1)
            self.in_text[word] = self.session.execute(query).first() is not None
        return self.in_text[word]

    # --- the vocabulary protocol of joined.py ------------------------------------------------------------------

    def word(self, text):
        """Documents whose name has ``text``."""
        return self.count(NAME + text)

    def anywhere(self, text):
        """True when ``text`` is a word of some name or body."""
        return bool(self.word(text)) or self.in_names_or_bodies(text)

    def pair(self, first, second):
        """Documents whose name or place has ``first second`` side by side."""
        return self.count(f"{PAIR}{first}_{second}") + self.count(f"{PLACE}{first}_{second}")

    def syllables(self):
        """Name words that may be syllables (2 to 7 characters, starting with a letter), read once."""
        if self._syllables is None:
            query = select(NAME_WORD).where(NAMES, SearchTerm.df > 0,
                                            func.char_length(NAME_WORD).between(MIN_SYLLABLE, MAX_SYLLABLE))
            self._syllables = frozenset(term for term in self.session.scalars(query) if term[:1].isalpha())
        return self._syllables

    def prepare_split(self, word):
        """Read at once the counts a split of ``word`` into syllables may ask for (``joined.split``)."""
        pieces = {word[start:stop] for start in range(len(word))
                  for stop in range(start + MIN_SYLLABLE, min(len(word), start + MAX_SYLLABLE) + 1)}
        self.load(NAME + piece for piece in pieces)
        known = [(start, stop) for start in range(len(word))
                 for stop in range(start + MIN_SYLLABLE, min(len(word), start + MAX_SYLLABLE) + 1)
                 if self.counts[NAME + word[start:stop]] > 0]
        joints = {(word[a:b], word[c:d]) for a, b in known for c, d in known if b == c}
        self.load(mark + f"{first}_{second}" for first, second in joints for mark in (PAIR, PLACE))

    # --- words near a typo -------------------------------------------------------------------------------------

    def near(self, word, maxdist):
        """Name words within ``maxdist`` edits of ``word`` sharing its first letter, with their counts."""
        query = select(NAME_WORD, SearchTerm.df).where(
            NAMES, SearchTerm.term.like(like_prefix(NAME + word[:1]), escape="\\"), SearchTerm.df > 0,
            func.char_length(NAME_WORD).between(len(word) - maxdist, len(word) + maxdist))
        found = [(term, df) for term, df in self.session.execute(query) if levenshtein(word, term) <= maxdist]
        self.counts.update({NAME + term: df for term, df in found})
        return found

    def suggestions(self, word, maxdist):
        """The catalogue words a corrector offers for ``word``: the most frequent within ``maxdist`` edits."""
        found = [(df, term) for term, df in self.near(word, maxdist) if term != word]
        return [term for _, term in sorted(found, key=lambda item: (-item[0], item[1]))[:SUGGESTIONS]]

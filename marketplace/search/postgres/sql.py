"""A query plan (``matching.Plan``) in SQL: tsqueries for matching, and ``matching.scores`` as an expression.

Every tsquery of a statement is computed once, in the one-row ``q`` of the statement (``Statement.queries``):
``terms @@ q.tN`` finds the matching documents through the GIN index, ``name_terms @@ q.tN`` tests one document's
name while ranking. Scores add the same terms in the same order as the numpy arithmetic of ``matching.py``, so
both backends rank alike.
"""

from marketplace.search.matching import EXACT_BONUS, LENGTH_B, PAIR_BONUS, PLACE_BONUS, PREFIX_WEIGHT
from marketplace.search.postgres.lexemes import CATEGORY, EXACT, NAME, PAIR, PLACE, quoted
from marketplace.search.query import OUT_OF_STOCK_FACTOR


class Statement:
    """Bound values and tsqueries of one statement, named as they are added."""

    def __init__(self):
        self.params = {}
        self.tsqueries = {}

    def value(self, value):
        """A bound value (``:vN``)."""
        name = f"v{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def tsquery(self, text):
        """The column of ``q`` holding the tsquery ``text`` (one per distinct text)."""
        if text not in self.tsqueries:
            self.tsqueries[text] = f"t{len(self.tsqueries)}"
        return f"q.{self.tsqueries[text]}"

    def queries(self):
        """The one-row ``q`` of every tsquery, computed once (a materialized CTE)."""
        columns = [f"CAST({self.value(text)} AS tsquery) AS {name}" for text, name in self.tsqueries.items()]
        return f"q AS MATERIALIZED (SELECT {', '.join(columns) or '1 AS nothing'})"

    def name_has(self, text):
        """A document's name lexemes match the tsquery ``text``."""
        return f"(d.name_terms @@ {self.tsquery(text)})"


def any_of(lexemes):
    """A tsquery matching any of ``lexemes`` (None for none)."""
    lexemes = sorted(lexemes)
    return "(" + " | ".join(quoted(lexeme) for lexeme in lexemes) + ")" if lexemes else None


def all_of(parts):
    """A tsquery matching every part (None when a part can match nothing)."""
    parts = list(parts)
    return None if None in parts else "(" + " & ".join(parts) + ")"


class Matcher:
    """Tsqueries of one plan; fuzzy words read their near names from ``stats`` once."""

    def __init__(self, plan, stats):
        self.plan, self.stats, self.fuzzy_terms = plan, stats, {}

    def is_fuzzy(self, word):
        """Approximate matching, in names only, for words of four letters or more (``matching.word_mask``)."""
        return self.plan.fuzzy and len(word) >= 4

    def near(self, word):
        """Name lexemes one edit from ``word`` (Whoosh's FuzzyTerm: maxdist 1, the first letter kept)."""
        if word not in self.fuzzy_terms:
            self.fuzzy_terms[word] = any_of(NAME + term for term, _ in self.stats.near(word, 1))
        return self.fuzzy_terms[word]

    def last(self, position):
        """True for the last typed word (it may be the start of a name word)."""
        return position == len(self.plan.words) - 1

    def word(self, position):
        """Documents in which typed word ``position`` occurs: ``matching.word_mask``."""
        word = self.plan.words[position]
        if self.is_fuzzy(word):
            return self.near(word)
        parts = [quoted(word), quoted(CATEGORY + word)]
        if self.last(position):
            parts.append(quoted(NAME + word) + ":*")
        return "(" + " | ".join(parts) + ")"

    def matching_parts(self):
        """``matching.matching`` as tsqueries on ``terms`` a document must all match (None: nothing can match).

        One per typed word or glossary expansion: given to the GIN index as separate conditions, they are
        scanned as separate keys, which costs less than one query joining them with ``&``.
        """
        covered = self.plan.covered()
        parts = [self.word(position) for position in range(len(self.plan.words)) if position not in covered]
        for start, stop, alternatives in self.plan.expansions:
            typed = all_of(self.word(position) for position in range(start, stop))
            phrases = [all_of(f"({quoted(word)} | {quoted(CATEGORY + word)})" for word in alternative.words)
                       for alternative in alternatives]
            parts.append("(" + " | ".join(part for part in [typed, *phrases] if part is not None) + ")")
        return None if None in parts else parts

    def in_name(self, alternative):
        """``matching.alternative_in_name``: every word of a glossary alternative, with diacritics when it has them."""
        return all_of(quoted(EXACT + exact if exact != word else NAME + word)
                      for word, exact in zip(alternative.words, alternative.exact, strict=False))

    def name_term(self, position):
        """The name holds typed word ``position`` (approximately when fuzzy); None: it cannot."""
        word = self.plan.words[position]
        return self.near(word) if self.is_fuzzy(word) else quoted(NAME + word)

    def names(self):
        """``matching.name_matches`` as one tsquery on name lexemes (None: no name can match)."""
        covered = self.plan.covered()
        parts = []
        for position, word in enumerate(self.plan.words):
            if position not in covered:
                fuzzy = self.is_fuzzy(word)
                parts.append(quoted(NAME + word) + ":*" if self.last(position) and not fuzzy
                             else self.name_term(position))
        for start, stop, alternatives in self.plan.expansions:
            typed = all_of(quoted(NAME + word) for word in self.plan.words[start:stop])
            parts.append("(" + " | ".join([typed, *(self.in_name(alternative) for alternative in alternatives)]) + ")")
        return all_of(parts)


def _case(statement, text, value):
    """``value`` where the name matches ``text``, else 0 (nothing when ``text`` can match nothing)."""
    return None if text is None else f"CASE WHEN {statement.name_has(text)} THEN {statement.value(value)} ELSE 0 END"


def _sum(parts):
    return " + ".join(["CAST(0 AS float8)", *(part for part in parts if part is not None)])


def _expansion(statement, matcher, stats, expansion, norm):
    """``matching.expansion_scores`` of one glossary expansion."""
    start, stop, alternatives = expansion
    typed = matcher.plan.words[start:stop]
    typed_pairs = [f"{a}_{b}" for a, b in zip(typed, typed[1:], strict=False)]
    cap = (f"({statement.value(sum(stats.idf('name', word) for word in typed))} / {norm} + "
           f"{statement.value(sum(PAIR_BONUS * stats.idf('name_pairs', pair) for pair in typed_pairs))})")
    best = []
    for alternative in alternatives:
        pairs = [f"{a}_{b}" for a, b in zip(alternative.words, alternative.words[1:], strict=False)]
        score = (f"{statement.value(sum(stats.idf('name', word) for word in alternative.words))} / {norm}"
                 + "".join(f" + {statement.value(PAIR_BONUS * stats.idf('name_pairs', pair))}" for pair in pairs))
        score = f"CASE WHEN {statement.name_has(matcher.in_name(alternative))} THEN {score} ELSE 0 END"
        if alternative.weight < 1.0:
            score = f"LEAST({score}, {cap})"
        best.append(f"{statement.value(alternative.weight)} * {score}")
    typed_in_name = all_of(quoted(NAME + word) for word in typed)
    best = f"GREATEST(CAST(0 AS float8), {', '.join(best)})"
    return f"CASE WHEN {statement.name_has(typed_in_name)} THEN 0 ELSE {best} END"


def relevance(statement, matcher, stats, rounded=True):
    """``matching.scores`` times the out-of-stock factor (``query.relevance_order``), rounded as it is there.

    ``rounded=False``: the float before rounding (``rounded_score`` rounds it), so that a page rounds only the
    scores that can reach it.
    """
    plan = matcher.plan
    terms = []
    for position, word in enumerate(plan.words):
        weight = stats.idf("name", word)
        terms.append(_case(statement, matcher.name_term(position), weight))
        if matcher.last(position) and not matcher.is_fuzzy(word):
            term = quoted(NAME + word)
            completions = f"{statement.name_has(term + ':*')} AND NOT {statement.name_has(term)}"
            terms.append(f"CASE WHEN {completions} THEN {statement.value(PREFIX_WEIGHT * weight)} ELSE 0 END")
    norm = (f"({statement.value(1 - LENGTH_B)} + {statement.value(LENGTH_B)} * d.name_len / "
            f"{statement.value(max(stats.average_length, 1.0))})")
    bonuses, places = [], []
    for pair in plan.pairs:
        bonuses.append(_case(statement, quoted(PAIR + pair), PAIR_BONUS * stats.idf("name_pairs", pair)))
        places.append(_case(statement, quoted(PLACE + pair), PLACE_BONUS))
        bonuses.append(places[-1])
    for word in plan.exact:
        bonuses.append(_case(statement, quoted(EXACT + word), EXACT_BONUS * stats.idf("name_exact", word)))
    bonuses += [_expansion(statement, matcher, stats, expansion, norm) for expansion in plan.expansions]
    total = " + ".join([f"({_sum(terms)}) / {norm}", *(part for part in bonuses if part is not None)])
    # A name holding none of the words (nor a completion, nor a glossary alternative) scores its place alone:
    # every other term is 0, so this sum is the same number, without testing them.
    if named := name_lexemes(matcher):
        total = f"CASE WHEN {statement.name_has(named)} THEN {total} ELSE {_sum(places)} END"
    factor = f"CASE WHEN d.in_stock THEN 1.0 ELSE {statement.value(OUT_OF_STOCK_FACTOR)} END"
    score = f"({total}) * {factor}"
    return rounded_score(score) if rounded else score


def rounded_score(score):
    """A float score rounded as ``query.relevance_order`` rounds it (six decimals, as numeric)."""
    return f"round(CAST({score} AS numeric), 6)"


def name_lexemes(matcher):
    """A tsquery of every name lexeme that can score beyond the place (None: nothing can)."""
    plan, found = matcher.plan, set()
    for position, word in enumerate(plan.words):
        if matcher.is_fuzzy(word):
            found |= {quoted(NAME + term) for term, _ in matcher.stats.near(word, 1)}
        else:
            found.add(quoted(NAME + word) + (":*" if matcher.last(position) else ""))
    for _, _, alternatives in plan.expansions:
        found |= {quoted(NAME + word) for alternative in alternatives for word in alternative.words}
    return "(" + " | ".join(sorted(found)) + ")" if found else None

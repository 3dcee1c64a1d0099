"""Answering a search from ``search_document``: one statement per attempt, spelling help as ``query.run`` gives it.

One statement returns the page (ranked in SQL), the facet counts (each respecting the other filters: ``GROUPING
SETS`` over per-bucket counts, one filtered sum per dimension), the total and how many hold the typed words in their
names. Matching documents are read once (``m``), and only the scores that can reach the page are rounded;
browsing without words counts from ``search_facet``. "Today" is applied here (``listed_until``), never stored.
"""

from sqlalchemy import literal_column, select, text

from marketplace.search import glossary, ratings, spelling
from marketplace.search.analysis import exact_words, folded_words, pairs
from marketplace.search.matching import Plan, strip_filler
from marketplace.search.postgres.lexemes import DOCUMENTS, EXACT, LENGTH, NAME, PAIR, quoted
from marketplace.search.postgres.sql import Matcher, Statement, relevance, rounded_score
from marketplace.search.query import FEW_RESULTS, Found

NEWEST = "d.created DESC, d.product_id DESC"
ORDERS = {
    "newest": NEWEST,
    "price_asc": "d.price ASC, d.product_id DESC",
    "price_desc": "d.price DESC, d.product_id DESC",
    "stars": f"d.stars DESC, d.in_stock DESC, {NEWEST}",
    "relevance": f"d.in_stock DESC, {NEWEST}",
    "rating": ratings.SQL_ORDER,
}
FACETS = ("province", "group", "stars")


def prefetch(stats, text):
    """Read in one statement the counts a query of ``text`` will need (words, pairs, glossary alternatives)."""
    words = folded_words(text)
    kept = strip_filler(words)
    alternatives = [alternative for _, _, found in glossary.expand(kept) for alternative in found]
    terms = {DOCUMENTS, LENGTH, *(NAME + word for word in words), *(PAIR + pair for pair in pairs(kept)),
             *(EXACT + word for word in exact_words(text))}
    for alternative in alternatives:
        terms |= {*(NAME + word for word in alternative.words), *(EXACT + word for word in alternative.exact),
                  *(PAIR + pair for pair in pairs(list(alternative.words)))}
    stats.load(terms)
    for word in kept:
        if len(word) >= 4 and word.isalnum() and not stats.anywhere(word):
            stats.prepare_split(word)


def conditions(statement, filters, day):
    """SQL conditions of the filters on documents ``d``, named like ``query.filter_masks`` (``listed``: today)."""
    found = {"listed": f"d.listed_until >= {statement.value(day)}"}
    found |= facet_conditions(statement, filters, "d")
    if filters.price_min is not None:
        found["price_min"] = f"d.price >= {statement.value(filters.price_min)}"
    if filters.price_max is not None:
        found["price_max"] = f"d.price <= {statement.value(filters.price_max)}"
    if filters.in_stock:
        found["in_stock"] = "d.in_stock"
    if filters.entity_id:
        found["entity"] = f"d.entity_id = {statement.value(filters.entity_id)}"
    return found


def facet_conditions(statement, filters, alias):
    """The conditions of the faceted filters (province, group, stars) on rows named ``alias``."""
    found = {}
    if filters.province_code:
        found["province"] = f"{alias}.province = {statement.value(filters.province_code)}"
    if filters.criteria_codes:
        found["group"] = f"{alias}.criteria = ANY({statement.value(list(filters.criteria_codes))})"
    if filters.min_stars:
        found["stars"] = f"{alias}.stars >= {statement.value(filters.min_stars)}"
    return found


def _and(parts):
    return " AND ".join(parts) or "TRUE"


MATCHED = ("product_id", "province", "criteria", "stars", "price", "in_stock", "created")  #: for pages and facets
RANKED = ("product_id", "province", "criteria", "stars", "created")  #: the same, ranked by score (a narrower ``m``)


def buckets(statement, filters, day, counted):
    """Matching documents by (province, criteria set, stars): how many, and how many hold the words in their names.

    ``counted``: nothing typed and nothing but faceted filters and stock, so the buckets come from
    ``search_facet`` minus the documents lapsed since they were written, instead of from every document (``m``).
    """
    if not counted:
        return ("SELECT d.province, d.criteria, d.stars, count(*) AS n, count(*) FILTER (WHERE d.named) AS named "
                "FROM m AS d GROUP BY d.province, d.criteria, d.stars")
    day = statement.value(day)
    stock = "WHERE f.in_stock" if filters.in_stock else ""
    return (f"SELECT f.province, f.criteria, f.stars, sum(f.n) AS n, sum(f.n) AS named FROM ("
            f"SELECT province, criteria, stars, in_stock, documents AS n FROM search_facet UNION ALL "
            f"SELECT province, criteria, stars, in_stock, -count(*) FROM search_document WHERE listed_until < {day} "
            f"GROUP BY province, criteria, stars, in_stock) AS f {stock} GROUP BY f.province, f.criteria, f.stars")


def counts(facet, with_facets):
    """Count rows: per facet dimension (each respecting the other filters), the total and the named total."""
    every = _and(facet.values())
    if not with_facets:
        return f"SELECT 'total', NULL, NULL, sum(b.n), sum(b.named) FILTER (WHERE {every}) FROM b WHERE {every}"
    others = {name: _and(condition for other, condition in facet.items() if other != name) for name in FACETS}
    return (f"SELECT CASE WHEN GROUPING(b.province) = 0 THEN 'province' WHEN GROUPING(b.criteria) = 0 THEN 'group' "
            f"ELSE 'stars' END, COALESCE(b.province, b.criteria, CAST(b.stars AS text)), "
            f"CASE WHEN GROUPING(b.province) = 0 THEN sum(b.n) FILTER (WHERE {others['province']}) "
            f"WHEN GROUPING(b.criteria) = 0 THEN sum(b.n) FILTER (WHERE {others['group']}) "
            f"ELSE sum(b.n) FILTER (WHERE {others['stars']}) END, "
            f"sum(b.n) FILTER (WHERE {every}), sum(b.named) FILTER (WHERE {every}) "
            f"FROM b GROUP BY GROUPING SETS ((b.province), (b.criteria), (b.stars))")


def matching_rows(statement, matcher, stats, filters, found, faceted):
    """``m`` (the matching documents) and the page's order over it.

    ``m`` holds their facts and, for those passing the faceted filters, whether their names hold the typed words
    and, sorting by relevance, their score before rounding (``reachable``).
    """
    name_ok, score, order = "TRUE", "NULL::numeric", ORDERS.get(filters.sort, NEWEST)
    columns = MATCHED
    if matcher is not None:
        parts = matcher.matching_parts()
        found["match"] = _and(f"d.terms @@ {statement.tsquery(part)}" for part in parts) if parts else "FALSE"
        names = matcher.names()
        name_ok = statement.name_has(names) if names is not None else "FALSE"
        if faceted:  # only the documents passing every faceted filter are counted as named (``counts``)
            name_ok = f"CASE WHEN {_and(faceted.values())} THEN {name_ok} END"
        if filters.sort == "relevance":
            score = f"CASE WHEN {_and(faceted.values())} THEN {relevance(statement, matcher, stats, False)} END"
            order = f"{rounded_score('d.score')} DESC, {NEWEST}"
            columns = RANKED
    return (f"m AS MATERIALIZED (SELECT {', '.join(f'd.{name}' for name in columns)}, {name_ok} AS named, "
            f"{score} AS score FROM search_document d CROSS JOIN q WHERE {_and(found.values())}), "), order


def reachable(statement, filters):
    """The documents of ``m`` whose score can reach the page, so that only those round it (numeric is slow).

    Rounding never reorders: with K = the page's end and x the K-th best float score, K documents round to at least
    round(x), so any document on the page rounds to that much too, and so scores at least x - 1e-6.
    """
    end = statement.value(filters.page * filters.per_page)
    return (f"d.score >= (SELECT min(c.score) FROM (SELECT score FROM m WHERE score IS NOT NULL ORDER BY score DESC "
            f"LIMIT {end}) AS c) - CAST(2e-6 AS float8)")


def compose(statement, plan, stats, filters, day, with_facets):
    """The SQL of one attempt: page rows (``page``, id, rank) then count rows (dimension, value, counts).

    Browsing without typed words and without price or producer filters (``counted``) reads its page through an
    index on the order and its buckets from ``search_facet``; anything else reads the matching documents once.
    """
    matcher = Matcher(plan, stats) if plan is not None else None
    found = conditions(statement, filters, day)
    faceted = {name: found.pop(name) for name in FACETS if name in found}
    counted = matcher is None and not ({"price_min", "price_max", "entity"} & set(found))
    limit, offset = statement.value(filters.per_page), statement.value((filters.page - 1) * filters.per_page)
    if counted:
        matched, source, where = "", "search_document", [*found.values(), *faceted.values()]
        order = ORDERS.get(filters.sort, NEWEST)
    else:
        matched, order = matching_rows(statement, matcher, stats, filters, found, faceted)
        source, where = "m", list(faceted.values())
        if matcher is not None and filters.sort == "relevance":
            where.append(reachable(statement, filters))
    page = f"SELECT d.product_id FROM {source} AS d WHERE {_and(where)} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
    grouped = buckets(statement, filters, day, counted)
    return (f"WITH {statement.queries()}, {matched}page AS MATERIALIZED ({page}), b AS MATERIALIZED ({grouped}) "
            f"SELECT 'page' AS kind, CAST(product_id AS text) AS key, row_number() OVER () AS n, "
            f"NULL::numeric AS total, NULL::numeric AS named FROM page "
            f"UNION ALL {counts(facet_conditions(statement, filters, 'b'), with_facets)}")


def attempt(stats, filters, day, with_facets, text_=None, fuzzy=False):
    """One pass: match, filter, order, page, facets (``query.attempt``)."""
    plan = Plan.of(text_ if text_ is not None else filters.q, fuzzy=fuzzy, vocabulary=stats)
    statement = Statement()
    sql = compose(statement, plan, stats, filters, day, with_facets)
    rows = stats.session.execute(select(literal_column("*")).select_from(text(f"({sql}) AS found")),
                                 statement.params).all()
    page, total, relevant, facets = [], 0, 0, {name: {} for name in FACETS} if with_facets else {}
    for kind, key, count, everything, named in rows:
        if kind == "page":
            page.append((count, int(key)))
        elif kind == "total":
            total, relevant = everything or 0, named or 0
        else:
            if count:
                facets[kind][int(key) if kind == "stars" else key] = int(count)
            if kind == "province":
                total, relevant = total + (everything or 0), relevant + (named or 0)
    return Found(product_ids=[product_id for _, product_id in sorted(page)], total=int(total), facets=facets,
                 relevant=int(relevant) if plan is not None else int(total))


def nearest_word(stats, word):
    """The catalogue word closest to ``word`` (fewest edits, then most frequent), or None (``spelling``)."""
    candidates = stats.suggestions(word, spelling.max_edits(word))
    ranked = sorted(candidates, key=lambda c: (spelling.edit_distance(word, c), -stats.word(c), c))
    return ranked[0] if ranked else None


def corrected_text(stats, text_):
    """The typed text with each unknown word replaced by its reading, or None (``spelling.corrected_text``)."""
    words, changed = folded_words(text_), False
    for i, word in enumerate(words):
        if len(word) >= 4 and word.isalnum() and not stats.anywhere(word):
            stats.prepare_split(word)
        if spelling.understood(word, stats, stats):
            continue
        suggestion = spelling.reading(word, nearest_word(stats, word), stats)
        if suggestion and suggestion != word:
            words[i], changed = suggestion, True
    return " ".join(words) if changed else None


def run(stats, filters, day, with_facets=True):
    """Search: text, filters, sort, one page, total, facets; spelling help when little matched (``query.run``).

    ``stats``: the query's counts, read by ``prefetch`` (``health.answer``).
    """
    found = attempt(stats, filters, day, with_facets)
    if not filters.q or (found.total >= FEW_RESULTS and found.relevant):
        return found
    corrected = corrected_text(stats, filters.q)
    if corrected:
        retry = attempt(stats, filters, day, with_facets and not found.total, text_=corrected)
        if retry.relevant > found.relevant:
            if found.total:
                found.suggestion = corrected
                return found
            retry.corrected = corrected
            return retry
    if found.total:
        return found
    if (retry := attempt(stats, filters, day, with_facets, fuzzy=True)).total:
        retry.approximate = True
        return retry
    return found


def suggest(stats, text_, day, limit=8):
    """Listed product ids whose names start like ``text_`` (the last word may be partial), best first."""
    plan = Plan.of(text_, vocabulary=stats)
    if plan is None:
        return []
    matcher = Matcher(plan, stats)
    *whole, last = plan.words
    names = "(" + " & ".join([*(quoted(NAME + word) for word in whole), quoted(NAME + last) + ":*"]) + ")"
    if plan.expansions and (named := matcher.names()) is not None:
        names = f"({names} | {named})"
    statement = Statement()
    match = statement.tsquery(names)
    order = f"{relevance(statement, matcher, stats)} DESC, {NEWEST}"
    sql = (f"WITH {statement.queries()} SELECT d.product_id FROM search_document d CROSS JOIN q "
           f"WHERE d.listed_until >= {statement.value(day)} AND d.terms @@ {match} "
           f"ORDER BY {order} LIMIT {statement.value(limit)}")
    query = select(literal_column("product_id")).select_from(text(f"({sql}) AS found"))
    return list(stats.session.scalars(query, statement.params))

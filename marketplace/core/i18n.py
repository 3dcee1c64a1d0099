"""Locale selection and locale-aware formatting of money (integer đồng) and dates."""

import functools
from datetime import date

from babel import dates as babel_dates
from babel.numbers import format_currency
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_date, get_locale, get_translations
from flask_babel import gettext as _  # noqa: F401  (re-exported for request code)
from flask_babel import lazy_gettext as _l  # noqa: F401  (re-exported for module-level strings)

#: The cookie that keeps a visitor's language between visits (and across signing in and out).
LANGUAGE_COOKIE = "lang"
#: How long the choice is kept: a year.
LANGUAGE_COOKIE_AGE = 365 * 86400


def select_locale():
    """``?lang=``, the session's choice (the account's once signed in), the cookie, then Accept-Language, then vi."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return locale_of(request, session.get("lang"), current_app.config)


def locale_of(req, session_language, config):
    """:func:`select_locale` for any werkzeug request and session "lang" (the page cache's WSGI fast path too)."""
    languages = config["LANGUAGES"]
    for candidate in (req.args.get("lang"), session_language, req.cookies.get(LANGUAGE_COOKIE)):
        if candidate in languages:
            return candidate
    return req.accept_languages.best_match(languages) or config["BABEL_DEFAULT_LOCALE"]


def chosen_language():
    """The language the visitor chose explicitly (``?lang=``, the switch or the account), or None."""
    languages = current_app.config["LANGUAGES"]
    for candidate in (request.args.get("lang"), session.get("lang")):
        if candidate in languages:
            return candidate
    return None


def cookie_language():
    """The language kept in the visitor's cookie, or None."""
    stored = request.cookies.get(LANGUAGE_COOKIE)
    return stored if stored in current_app.config["LANGUAGES"] else None


def remember_language(response):
    """Keep an explicit choice in the session and in a year-long cookie, so every later page speaks it."""
    chosen = chosen_language()
    if chosen is None:
        response.vary.add("Accept-Language")
        return response
    if session.get("lang") != chosen:
        session["lang"] = chosen
    if request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def current_locale():
    """The active locale's language code (``vi`` or ``en``)."""
    return str(get_locale() or "vi")


def vnd(amount, locale=None):
    """Format whole đồng: ``150.000 ₫`` in Vietnamese, ``₫150,000`` in English (``locale``: the current one)."""
    return _vnd(int(amount), locale or current_locale())


@functools.lru_cache(maxsize=4096)
def _vnd(amount, locale):
    """Babel's formatting, kept per (amount, language): cards show the same prices again and again."""
    return format_currency(amount, "VND", locale=locale)


def long_date(day):
    """A date written out for people, e.g. ``15 tháng 1, 2028`` / ``January 15, 2028``."""
    if not day:
        return ""
    if type(day) is date:  # a day (not a moment): the same words for everyone, kept per language
        return _long_date(day, current_locale())
    return format_date(day, format="long")


@functools.lru_cache(maxsize=4096)
def _long_date(day, locale):
    return babel_dates.format_date(day, format="long", locale=locale)


def localized(obj, field):
    """``obj.<field>_en`` when browsing in English and it is set, else ``obj.<field>_vi``."""
    get = obj.get if isinstance(obj, dict) else lambda name: getattr(obj, name, None)
    if current_locale() == "en" and get(f"{field}_en"):
        return get(f"{field}_en")
    return get(f"{field}_vi")


def register(app, babel):
    """Bind Babel with our locale selector and expose the formatting helpers to templates."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Ho_Chi_Minh")
    app.after_request(remember_language)
    app.jinja_env.filters.update(vnd=vnd, long_date=long_date)
    app.jinja_env.globals.update(localized=localized, current_locale=current_locale)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(context, singular, plural, n),
        newstyle=True)


def _translations():
    """flask-babel's ``get_translations()``, looked up once per request and locale (templates translate dozens).

    A full look-up (locale, domain, catalogue cache) goes through several context proxies each time.

    Keyed by the locale object flask-babel keeps for the request, so ``force_locale`` (mail in the recipient's
    language) and ``refresh()`` are followed.
    """
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return get_translations()  # the first look-up of the request selects the locale
    kept = getattr(state, "translations_of", None)
    if kept is None or kept[0] is not locale:
        kept = state.translations_of = (locale, get_translations())
    return kept[1]

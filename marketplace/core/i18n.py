"""Locale selection and locale-aware formatting of money (integer đồng) and dates."""

from babel.numbers import format_currency
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, get_locale
from flask_babel import gettext as _  # noqa: F401  (re-exported for request code)
from flask_babel import lazy_gettext as _l  # noqa: F401  (re-exported for module-level strings)


def select_locale():
    """The ``lang`` query parameter, then the visitor's stored choice, then Vietnamese (always, in commands)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    stored = session.get("lang")
    return stored if stored in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale():
    """The active locale's language code (``vi`` or ``en``)."""
    return str(get_locale() or "vi")


def vnd(amount):
    """Format whole đồng: ``150.000 ₫`` in Vietnamese, ``₫150,000`` in English."""
    return format_currency(int(amount), "VND", locale=current_locale())


def long_date(day):
    """A date written out for people, e.g. ``15 tháng 1, 2028`` / ``January 15, 2028``."""
    return format_date(day, format="long") if day else ""


def localized(obj, field):
    """``obj.<field>_en`` when browsing in English and it is set, else ``obj.<field>_vi``."""
    get = obj.get if isinstance(obj, dict) else lambda name: getattr(obj, name, None)
    if current_locale() == "en" and get(f"{field}_en"):
        return get(f"{field}_en")
    return get(f"{field}_vi")


def register(app, babel):
    """Bind Babel with our locale selector and expose the formatting helpers to templates."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Ho_Chi_Minh")
    app.jinja_env.filters.update(vnd=vnd, long_date=long_date)
    app.jinja_env.globals.update(localized=localized, current_locale=current_locale)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True

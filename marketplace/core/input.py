"""Hostile input stops at the door: control characters answer 400, numbers are parsed within bounds.

PostgreSQL refuses NUL in text and every id column is a 32-bit ``integer``: a request that carries either
reaches no query. ``register`` installs the guard, first of all ``before_request`` functions: a control
character anywhere answers 400, and so does a field named ``id`` or ``*_id`` that is not a number (404 when
no row can have it); integers in URL paths are bounded the same way. Views read ids and quantities with
:func:`form_id` and :func:`form_int`.
"""

import re

from flask import abort, request
from flask_babel import gettext as _

from marketplace.core.errors import InvalidInput

#: C0 control characters except tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: The largest id (PostgreSQL ``integer``, the type of every id column).
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,40}")


class NumberError(ValueError):
    """Text that is not a whole number, or one outside the accepted range."""

    def __init__(self, raw, minimum, maximum, out_of_range):
        super().__init__(raw)
        self.raw, self.minimum, self.maximum, self.out_of_range = raw, minimum, maximum, out_of_range


def whole_number(raw, minimum=0, maximum=MAX_ID):
    """``raw`` (ASCII digits, an optional minus sign, surrounding spaces) as an int in [minimum, maximum].

    Raises :class:`NumberError`; never returns a value the database cannot store.
    """
    text = str(raw).strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not _DIGITS.fullmatch(digits):
        raise NumberError(text, minimum, maximum, out_of_range=False)
    value = -int(digits) if negative else int(digits)
    if value < minimum or value > maximum:
        raise NumberError(text, minimum, maximum, out_of_range=True)
    return value


def number_message(error):
    """The translated reason a number was refused (without the field's name)."""
    if error.out_of_range:
        return _("must be a whole number from %(minimum)d to %(maximum)d.", minimum=error.minimum,
                 maximum=error.maximum)
    return _("“%(value)s” is not a whole number.", value=error.raw[:40])


def form_int(name, default=None, minimum=0, maximum=MAX_ID, source=None):
    """A whole number from the request's form (or ``source``); missing or blank gives ``default``.

    Anything else that is not a number within [minimum, maximum] answers 400 with a translated message.
    """
    raw = (request.form if source is None else source).get(name, "")
    if not str(raw).strip():
        return default
    try:
        return whole_number(raw, minimum, maximum)
    except NumberError as error:
        raise InvalidInput(f"{name}: {number_message(error)}") from error


def form_id(name, source=None):
    """A row id from the request's form (or ``source``); None when missing or blank.

    Text that is not a number answers 400; a number no row can have (below 1, above :data:`MAX_ID`) answers 404.
    """
    raw = (request.form if source is None else source).get(name, "")
    if not str(raw).strip():
        return None
    try:
        return whole_number(raw, 1, MAX_ID)
    except NumberError as error:
        if error.out_of_range:
            abort(404)
        raise InvalidInput(f"{name}: {number_message(error)}") from error


def _has_control_characters(value):
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(_has_control_characters(k) or _has_control_characters(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_control_characters(item) for item in value)
    return False


def _request_texts():
    """Every piece of text the request carries: path, query, form fields, file names, JSON strings."""
    yield request.path
    for multi in (request.args, request.form):
        for key, values in multi.lists():
            yield key
            yield from values
    for key, upload in request.files.items(multi=True):
        yield key
        yield upload.filename or ""
    if request.is_json:
        yield request.get_json(silent=True)


def _refuse_control_characters():
    if any(_has_control_characters(text) for text in _request_texts()):
        raise InvalidInput(_("The request holds a control character (such as NUL), which addresses, search "
                             "boxes and form fields do not accept."))


def _bound_id_fields():
    """Fields named ``id`` or ``*_id`` carry row ids: blank, or a whole number a row can have."""
    for multi in (request.args, request.form):
        for key, values in multi.lists():
            if key == "id" or key.endswith("_id"):
                for value in values:
                    form_id(key, source={key: value})


def guard_request():
    """``before_request``: refuse control characters anywhere (400), and ids no row can have (400/404)."""
    _refuse_control_characters()
    _bound_id_fields()


def bound_path_integers(_endpoint, values):
    """``url_value_preprocessor``: an integer in the path that no row can have answers 404 before any query."""
    if values and any(isinstance(value, int) and not 0 <= value <= MAX_ID for value in values.values()):
        abort(404)


def register(app):
    """Install the guard before every other ``before_request`` function, and bound path integers."""
    app.before_request_funcs.setdefault(None, []).insert(0, guard_request)
    app.url_value_preprocessor(bound_path_integers)

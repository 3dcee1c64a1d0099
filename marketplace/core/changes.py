"""Apply a dict of new values to a model object and report what changed (for audit entries)."""

from datetime import date


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def apply_changes(obj, values):
    """Set ``values`` on ``obj``; return ``(before, after)`` dicts of the changed fields ({} when none)."""
    before, after = {}, {}
    for field, value in values.items():
        current = getattr(obj, field)
        if current != value:
            before[field], after[field] = _jsonable(current), _jsonable(value)
            setattr(obj, field, value)
    return before, after


def snapshot(obj, fields):
    """The JSON-ready values of ``fields`` on ``obj``."""
    return {field: _jsonable(getattr(obj, field)) for field in fields}

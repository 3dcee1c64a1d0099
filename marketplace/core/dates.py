"""Date arithmetic and parsing shared by the imports and the certificate rules."""

import calendar
import re
from datetime import date, datetime

_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def add_months(day, months):
    """Return ``day`` plus ``months`` calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_date(value):
    """Parse an ISO ``YYYY-MM-DD`` date (or ``DD/MM/YYYY``, or a spreadsheet date cell); raise ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    return date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)

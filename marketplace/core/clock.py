"""The one place that says what day it is: the date in Asia/Ho_Chi_Minh (contract §7)."""

from datetime import datetime
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def now():
    """Current time in Vietnam; tests replace this function to move time."""
    return datetime.now(TIMEZONE)


def today():
    """Today's date in Vietnam, computed afresh on every call (never cached)."""
    return now().date()

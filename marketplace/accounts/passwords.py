"""Password rules and hashing (scrypt, memory-hard, via Werkzeug)."""

from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
#: A hash of a random password: checked when the account does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password-7f3a", method="scrypt")


@cache
def common_passwords():
    """The 30,000 most common passwords of zxcvbn's frequency lists (lower-case)."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password, email=""):
    """Why ``password`` is refused (a message key), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    lowered = password.lower()
    if lowered in common_passwords() or lowered == email.lower() or lowered == email.split("@")[0].lower():
        return "too_common"
    return None


def hash_password(password):
    """A scrypt hash of ``password``."""
    return generate_password_hash(password, method="scrypt")


def check_password(user, password):
    """True when ``password`` is the user's; constant work when there is no user."""
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(user.password_hash, password)

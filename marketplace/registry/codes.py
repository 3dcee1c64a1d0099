"""Short public certificate codes for /verify/<code> and QR codes."""

import secrets

#: Crockford base32: no I, L, O or U, so codes survive being read aloud or typed from a label.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8


def new_code(taken):
    """A random code not in ``taken`` (a set the caller keeps up to date)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def normalize_code(text):
    """Upper-case a typed code and map the look-alike letters (I, L -> 1; O -> 0)."""
    return (text or "").strip().upper().translate(str.maketrans("ILO", "110")).replace("-", "")

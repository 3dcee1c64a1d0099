"""VietQR payloads: EMVCo merchant-presented QR for NAPAS 247 bank transfers, built and parsed offline."""

import re

from marketplace.core.text import fold

#: NAPAS application identifier (ID 38, sub-ID 00).
NAPAS_GUID = "A000000727"
#: NAPAS service code for an inter-bank fund transfer to an account (ID 38, sub-ID 02).
SERVICE_TO_ACCOUNT = "QRIBFTTA"
#: Longest purpose-of-transaction (ID 62, sub-ID 08) and merchant name (ID 59) we emit.
MAX_TEXT = 25

#: A few common acquirer BINs. Source: the SBV card-issuer BIN list (Official Letter 1589/NHNN-TT)
#: as transcribed in github.com/subiz/vietqr bank.csv, cross-checked with github.com/neopayvn/neopay-library
#: defined/bank.js and qrpayhub.com/en/vietqr/faq.
BANKS = {
    "970405": "Agribank",
    "970407": "Techcombank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970422": "MB",
    "970436": "Vietcombank",
}

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[0-9]{1,19}")
_NOT_REFERENCE = re.compile(r"[^A-Z0-9 -]")
_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")
_SPACES = re.compile(r" {2,}")


def crc16_ccitt(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of ``data`` as 4 uppercase hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    """One EMVCo data object: ID, 2-digit length, value."""
    if len(value) > 99:
        raise ValueError(f"field {tag} is {len(value)} characters long; at most 99 fit")
    return f"{tag}{len(value):02d}{value}"


def _ascii_text(text: str, unwanted: re.Pattern) -> str:
    """Fold ``text`` to upper-case ASCII, drop ``unwanted`` characters and cut it to MAX_TEXT."""
    cleaned = _SPACES.sub(" ", unwanted.sub("", fold(text).upper())).strip()
    return cleaned[:MAX_TEXT].rstrip()


def _check_inputs(bank_bin, account_number, amount_vnd) -> None:
    """Raise ValueError unless the BIN, account number and amount are usable."""
    if not isinstance(bank_bin, str) or not _BIN.fullmatch(bank_bin):
        raise ValueError(f"bank BIN must be exactly 6 digits, got {bank_bin!r}")
    if not isinstance(account_number, str) or not _ACCOUNT.fullmatch(account_number):
        raise ValueError(f"account number must be 1-19 digits, got {account_number!r}")
    if type(amount_vnd) is not int or amount_vnd <= 0 or amount_vnd >= 10**13:
        raise ValueError(f"amount must be a positive whole number of dong with at most 13 digits, got {amount_vnd!r}")


def _merchant_account(bank_bin: str, account_number: str) -> str:
    """ID 38 for NAPAS: GUID, beneficiary organisation (BIN + account) and the transfer-to-account service."""
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account_number)
    return _tlv("38", _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT))


def payload(
    bank_bin: str, account_number: str, amount_vnd: int, reference: str, merchant_name: str | None = None
) -> str:
    """Dynamic VietQR payload asking for ``amount_vnd`` đồng to an account, with ``reference`` as purpose."""
    _check_inputs(bank_bin, account_number, amount_vnd)
    purpose = _ascii_text(reference, _NOT_REFERENCE)
    if not purpose:
        raise ValueError(f"reference must contain a letter or digit, got {reference!r}")
    parts = [_tlv("00", "01"), _tlv("01", "12"), _merchant_account(bank_bin, account_number),
             _tlv("53", "704"), _tlv("54", str(amount_vnd)), _tlv("58", "VN")]
    if merchant_name is not None:
        name = _ascii_text(merchant_name, _NOT_PRINTABLE)
        if not name:
            raise ValueError(f"merchant name must contain Latin letters or digits, got {merchant_name!r}")
        parts.append(_tlv("59", name))
    parts.append(_tlv("62", _tlv("08", purpose)))
    body = "".join(parts) + "6304"
    return body + crc16_ccitt(body)


def fields(data: str) -> dict[str, str]:
    """Split a run of EMVCo data objects into ``{ID: value}``, e.g. the value of ID 38 or 62."""
    result, pos = {}, 0
    while pos < len(data):
        tag, size = data[pos:pos + 2], data[pos + 2:pos + 4]
        if not (tag.isdigit() and size.isdigit()) or pos + 4 + int(size) > len(data):
            raise ValueError(f"malformed data object at position {pos}: {data[pos:pos + 8]!r}")
        if tag in result:
            raise ValueError(f"data object {tag} appears twice")
        result[tag] = data[pos + 4:pos + 4 + int(size)]
        pos += 4 + int(size)
    return result


def parse(qr: str) -> dict[str, str]:
    """Top-level fields of a VietQR/EMVCo payload; raise ValueError if the CRC (ID 63) is missing or wrong."""
    if len(qr) < 8 or qr[-8:-4] != "6304":
        raise ValueError("payload must end with the CRC field 6304XXXX")
    expected = crc16_ccitt(qr[:-4])
    if qr[-4:].upper() != expected:
        raise ValueError(f"CRC mismatch: payload says {qr[-4:]}, content gives {expected}")
    return fields(qr)

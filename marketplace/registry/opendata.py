"""Certificates as open data: the verification record, and the nightly CSV and JSON downloads of all certificates.

The downloads hold one row per certificate with its status on the day they were written (the same
``certificate_status`` that ``/verify`` shows), under CC BY 4.0. They are kept in storage (``core/storage.py``:
the instance's media folder or the bucket) as ``certificates.csv``, ``certificates.json`` and the CSV's
W3C "CSV on the Web" metadata ``certificates.csv-metadata.json`` (licence, generated-at stamp, columns).
"""

import json

from marketplace.core import tabular
from marketplace.core.clock import now
from marketplace.core.storage import Store
from marketplace.reference.lookup import provinces
from marketplace.registry.queries import all_certificates, changed_at
from marketplace.registry.rules import certificate_status

#: Where the downloads are kept: ``open-data/<name>`` in the bucket, else ``<instance>/media/open-data``.
STORE = Store("open-data", "OPEN_DATA_DIR")
CSV_NAME, JSON_NAME, METADATA_NAME = "certificates.csv", "certificates.json", "certificates.csv-metadata.json"
CONTENT_TYPES = {CSV_NAME: "text/csv; charset=utf-8", JSON_NAME: "application/json",
                 METADATA_NAME: "application/csvm+json"}
LICENCE = {"name": "Creative Commons Attribution 4.0 International (CC BY 4.0)", "id": "CC-BY-4.0",
           "url": "https://creativecommons.org/licenses/by/4.0/"}
#: The CSV's columns, with their CSVW datatype.
COLUMNS = (
    ("code", "string"), ("number", "string"), ("status", "string"), ("stars", "integer"),
    ("valid_from", "date"), ("valid_until", "date"), ("decision_number", "string"), ("decision_date", "date"),
    ("issuing_authority", "string"), ("issuing_level", "string"), ("product_id", "integer"),
    ("product_name", "string"), ("product_gtin", "string"), ("entity_name", "string"), ("entity_type", "string"),
    ("province_code", "string"), ("province_name", "string"), ("superseded_by", "string"), ("revoked_on", "date"),
    ("revocation_reason", "string"), ("changed_at", "datetime"), ("url", "anyURI"),
)


def _iso(day):
    return day.isoformat() if day is not None else None


def verification_record(certificate, day, link):
    """The verification record of contract §4; ``link(endpoint, **values)`` builds URLs (relative or absolute)."""
    product = certificate.product
    return {
        "code": certificate.code, "number": certificate.number, "status": certificate_status(certificate, day),
        "stars": certificate.stars, "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat(), "decision_number": certificate.decision_number,
        "decision_date": certificate.decision_date.isoformat(), "issuing_authority": certificate.issuing_authority,
        "issuing_level": certificate.issuing_level,
        "product": {"id": product.id, "name": product.name, "url": link("storefront.product", slug=product.slug)},
        "entity": {"name": product.entity.name, "type": product.entity.entity_type},
        "province": {"code": product.province_code, "name": provinces()[product.province_code].name},
        "superseded_by": certificate.superseded_by.code if certificate.superseded_by else None,
        "revoked_on": _iso(certificate.revoked_on),
        "revocation_reason": certificate.revocation_reason,
    }


def dataset_record(certificate, day, link):
    """A verification record as the dataset lists it: plus ``changed_at`` (ISO 8601) and its ``/verify`` ``url``."""
    return {**verification_record(certificate, day, link),
            "changed_at": changed_at(certificate, day).isoformat(),
            "url": link("storefront.verify", code=certificate.code)}


def flat_row(record, certificate):
    """One CSV row (in ``COLUMNS`` order) of a dataset record."""
    product, entity, province = record["product"], record["entity"], record["province"]
    values = {**record, "product_id": product["id"], "product_name": product["name"],
              "product_gtin": certificate.product.gtin, "entity_name": entity["name"], "entity_type": entity["type"],
              "province_code": province["code"], "province_name": province["name"]}
    return [values[name] if values[name] is not None else "" for name, _type in COLUMNS]


def metadata(generated_at, day, count, base_url):
    """What each download says about itself: title, licence, source, when it was generated, for which day."""
    return {"title": "OCOP certificates (Vietnam): the public registry", "licence": LICENCE,
            "attribution": f"OCOP Market registry, {base_url}", "generated_at": generated_at.isoformat(),
            "status_on": day.isoformat(), "count": count, "source": f"{base_url}/open-data"}


def csvw_metadata(info, base_url):
    """The W3C CSVW metadata of ``certificates.csv`` (licence, stamp and columns for tools that read it)."""
    return {"@context": "http://www.w3.org/ns/csvw", "url": f"{base_url}/open-data/{CSV_NAME}",
            "dc:title": info["title"], "dc:license": {"@id": LICENCE["url"]}, "dc:modified": info["generated_at"],
            "dc:source": info["source"], "status_on": info["status_on"],
            "tableSchema": {"columns": [{"name": name, "titles": name, "datatype": kind} for name, kind in COLUMNS]}}


def build(day, link, base_url):
    """``{name: bytes}`` of the three files for ``day``; ``link`` builds absolute URLs."""
    records, rows = [], []
    for certificate in all_certificates():
        record = dataset_record(certificate, day, link)
        record["product"]["gtin"] = certificate.product.gtin
        records.append(record)
        rows.append(flat_row(record, certificate))
    info = metadata(now(), day, len(records), base_url)
    header = [name for name, _type in COLUMNS]
    return {
        CSV_NAME: tabular.csv_bytes([(None, header, rows)]),
        JSON_NAME: json.dumps({**info, "items": records}, ensure_ascii=False).encode("utf-8"),
        METADATA_NAME: json.dumps(csvw_metadata(info, base_url), ensure_ascii=False, indent=1).encode("utf-8"),
    }


def write(day, link, base_url):
    """Build the downloads for ``day`` and store them (the metadata last: its stamp says the others are there)."""
    files = build(day, link, base_url)
    for name in (CSV_NAME, JSON_NAME, METADATA_NAME):
        STORE.replace(name, files[name], CONTENT_TYPES[name])
    return json.loads(files[METADATA_NAME])


def stored_metadata():
    """The stored CSVW metadata (its ``dc:modified`` is the generated-at stamp), None before the first run."""
    data = STORE.read(METADATA_NAME)
    return json.loads(data) if data else None

"""The demo catalogue: real product types of every province, certified and listed through the real imports.

``data/catalogue_*.json`` hold the reviewed content (entities and products, written for the demo;
entity names are illustrative). This module turns it into a registry file and a listing file with
certificate dates anchored on the first day of the current month, then runs the same imports a
provincial office would. Running it twice in a month changes nothing.
"""

import csv
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from marketplace.core.clock import today
from marketplace.core.dates import add_months
from marketplace.core.text import fold_words
from marketplace.demo.accounts import ensure_accounts, ensure_channel_links, ensure_shelves
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.registry.importer import import_registry
from marketplace.registry.models import Product
from marketplace.shop.catalog.importer import import_catalog

DATA_DIR = Path(__file__).resolve().parent / "data"
REGISTRY_COLUMNS = (
    "certificate_number", "decision_number", "decision_date", "issuing_authority", "issuing_level", "stars", "score",
    "product_name", "product_group", "entity_name", "entity_type", "entity_tax_code", "province", "address",
    "valid_from", "valid_until", "status", "revoked_on", "revocation_reason", "representative_gender",
    "representative_ethnicity",
)
LISTING_COLUMNS = ("certificate_number", "price_vnd", "stock", "description_vi", "description_en", "publish", "unit")
MERGER = date(2025, 7, 1)
MAE_FORMED = date(2025, 3, 1)
REVOCATION_GROUNDS = (
    "b) Sản phẩm không còn đáp ứng tiêu chí theo kết luận kiểm tra",
    "c) Vi phạm quy định về chất lượng, an toàn thực phẩm",
    "đ) Chủ thể OCOP ngừng sản xuất sản phẩm",
)
#: Share of products shown in each special state, so the storefront rule is visible in the demo.
SPECIAL_STATES = (("expired", 0.03), ("revoked", 0.02), ("upgraded", 0.04), ("unpublished", 0.02),
                  ("out_of_stock", 0.04))


@dataclass
class DemoProduct:
    """One product of the content files with its entity and place."""

    province: str
    legacy_province: str
    entity: dict
    product: dict


def legacy_full_name(province, name):
    """The pre-2025 full name of the old province called ``name`` inside ``province`` (fallback: its own)."""
    for old in province.legacy:
        if fold_words(old.name) == fold_words(name) or fold_words(old.name).endswith(fold_words(name)):
            return old.full_name
    return province.full_name


def read_catalogue():
    """All demo products from the content files, in a stable order."""
    items = []
    for path in sorted(DATA_DIR.glob("catalogue_*.json")):
        for block in json.loads(path.read_text(encoding="utf-8")):
            for product in block["products"]:
                items.append(DemoProduct(block["province"], block["legacy_province"], block["entity"], product))
    return items


def anchor_day():
    """First day of the current month: the demo's dates move once a month, not every day."""
    return today().replace(day=1)


class Generator:
    """Deterministic registry and listing rows for the demo content."""

    def __init__(self, anchor):
        self.anchor = anchor
        self.random = random.Random(2026)
        self.tax_codes = {}
        self.sequence = 0

    def tax_code(self, entity):
        """A stable 10-digit tax code for cooperatives and enterprises; households mostly have none."""
        key = entity["name"]
        if key not in self.tax_codes:
            has_code = entity["type"] in ("cooperative", "enterprise") or self.random.random() < 0.3
            self.tax_codes[key] = f"{self.random.randint(10**9, 10**10 - 1)}" if has_code else ""
        return self.tax_codes[key]

    def state(self):
        """Pick the product's special state (most products have none)."""
        roll, threshold = self.random.random(), 0.0
        for name, share in SPECIAL_STATES:
            threshold += share
            if roll < threshold:
                return name
        return "normal"

    def certificate(self, item, stars, decided, number_suffix=""):
        """One registry row for ``item`` decided on ``decided``."""
        self.sequence += 1
        ministry = stars == 5
        province = provinces()[item.province]
        if ministry:
            authority = "Bộ Nông nghiệp và Môi trường" if decided >= MAE_FORMED else "Bộ Nông nghiệp và PTNT"
            decision = f"{self.random.randint(300, 4999)}/QĐ-{'BNNMT' if decided >= MAE_FORMED else 'BNN-VPĐP'}"
        else:
            place = province.full_name if decided >= MERGER else legacy_full_name(province, item.legacy_province)
            authority = f"UBND {place[0].lower()}{place[1:]}"
            decision = f"{self.random.randint(100, 4999)}/QĐ-UBND"
        low, high = {3: (50, 69), 4: (70, 89), 5: (90, 97)}[stars]
        return {
            "certificate_number": f"{decision}-{self.sequence:04d}{number_suffix}", "decision_number": decision,
            "decision_date": decided.isoformat(), "issuing_authority": authority,
            "issuing_level": "ministry" if ministry else "province", "stars": stars,
            "score": self.random.randint(low, high), "product_name": item.product["name"],
            "product_group": item.product["group"], "entity_name": item.entity["name"],
            "entity_type": item.entity["type"], "entity_tax_code": self.tax_code(item.entity),
            "province": item.legacy_province, "address": item.entity.get("address", ""),
            "valid_from": decided.isoformat(), "valid_until": add_months(decided, 36).isoformat(), "status": "active",
            "revoked_on": "", "revocation_reason": "", "representative_gender": item.entity.get("gender", ""),
            "representative_ethnicity": item.entity.get("ethnicity", ""),
        }

    def rows(self, item):
        """Registry rows and the listing row for one product."""
        stars = int(item.product["stars"])
        state = self.state()
        decided = self.anchor - timedelta(days=self.random.randint(20, 1000))
        certificates = []
        if state == "expired":
            decided = add_months(self.anchor, -36) - timedelta(days=self.random.randint(5, 300))
        if state == "upgraded" and stars >= 4:
            older = self.certificate(item, stars - 1, decided - timedelta(days=self.random.randint(300, 700)), "-C")
            certificates.append(older)
        current = self.certificate(item, stars, decided)
        if state == "revoked":
            current.update(status="revoked", revocation_reason=self.random.choice(REVOCATION_GROUNDS),
                           revoked_on=(decided + timedelta(days=self.random.randint(60, 300))).isoformat())
            current["revoked_on"] = min(current["revoked_on"], (self.anchor - timedelta(days=3)).isoformat())
        certificates.append(current)
        listing = {
            "certificate_number": current["certificate_number"], "price_vnd": int(item.product["price_vnd"]),
            "stock": 0 if state == "out_of_stock" else self.random.randint(3, 240),
            "description_vi": item.product.get("description_vi", ""),
            "description_en": item.product.get("description_en", ""),
            "publish": "no" if state == "unpublished" else "yes", "unit": item.product.get("unit", ""),
        }
        return certificates, listing


def write_csv(path, columns, rows):
    """Write ``rows`` as a UTF-8 CSV file with ``columns``."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def build_files(folder, anchor):
    """Write the demo registry and listing files into ``folder``; return their paths."""
    generator = Generator(anchor)
    registry, listings = [], []
    for item in read_catalogue():
        certificates, listing = generator.rows(item)
        registry += certificates
        listings.append(listing)
    folder.mkdir(parents=True, exist_ok=True)
    return (write_csv(folder / "registry.csv", REGISTRY_COLUMNS, registry),
            write_csv(folder / "listings.csv", LISTING_COLUMNS, listings))


#: A few demo products carry a GTIN (GS1 Vietnam's prefix 893, made-up company numbers), so a GS1 Digital Link
#: such as ``/01/08930000000019`` lands on a certificate as a package's QR code would.
DEMO_GTINS = {"Bộ bát đĩa hoa sen đỏ": "08930000000019", "Chè búp tím Thanh Ba": "08930000000026",
              "Bưởi Sửu Chí Đám": "08930000000033", "Tổ yến tinh chế Vạn Ninh": "08930000000040"}


def ensure_gtins():
    """Give the demo products of ``DEMO_GTINS`` their GTIN (idempotent: a GTIN already used is left alone)."""
    taken = set(db.session.scalars(select(Product.gtin).where(Product.gtin.is_not(None))))
    for name, gtin in DEMO_GTINS.items():
        product = db.session.scalar(select(Product).where(Product.name == name).order_by(Product.id).limit(1))
        if product is not None and product.gtin is None and gtin not in taken:
            product.gtin = gtin
    db.session.commit()


def load_demo(folder=None):
    """Build and import the demo files; return a two-line report."""
    folder = folder or Path(current_app.instance_path) / "demo"
    registry_path, listings_path = build_files(folder, anchor_day())
    registry = import_registry(registry_path, actor="cli:demo-load")
    if not registry.ok:
        raise RuntimeError("demo registry is invalid:\n" + "\n".join(registry.errors))
    catalog = import_catalog(listings_path, actor="cli:demo-load")
    if not catalog.ok:
        raise RuntimeError("demo listings are invalid:\n" + "\n".join(catalog.errors))
    accounts = ensure_accounts()
    ensure_channel_links()
    ensure_shelves()
    ensure_gtins()
    return f"certificates: {registry.summary()}\nlistings: {catalog.summary()}\naccounts: {accounts} created"

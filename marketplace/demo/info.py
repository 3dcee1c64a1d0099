"""What `make run` prints: where to look in the demo."""

from sqlalchemy import func, select

from marketplace.core.clock import today
from marketplace.core.mail import outbox_dir
from marketplace.demo.accounts import ACCOUNTS, DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.shop.catalog.rules import listed_products


def _example(condition):
    return db.session.execute(
        select(Product.slug, Certificate.code).join(Certificate, Certificate.product_id == Product.id)
        .where(condition).order_by(Product.id).limit(1)
    ).first()


def describe(base_url):
    """A few lines pointing a newcomer at the storefront, examples of each certificate state, and the API."""
    day = today()
    listed = db.session.scalar(listed_products(day).with_only_columns(func.count()))
    revoked = _example(Certificate.status == "revoked")
    expired = _example((Certificate.valid_until < day) & Certificate.superseded_on.is_(None))
    lines = [
        f"OCOP Market demo: {listed} products listed today ({day.isoformat()}, Asia/Ho_Chi_Minh).",
        f"  storefront       {base_url}/   (Tiếng Việt; English via the switch or ?lang=en)",
        f"  search           {base_url}/search?q=nuoc+mam&province=kien-giang",
        f"  legacy province  {base_url}/province/binh-duong  (redirects to Hồ Chí Minh)",
    ]
    if revoked:
        lines.append(f"  revoked product  {base_url}/p/{revoked.slug}   verify: {base_url}/verify/{revoked.code}")
    if expired:
        lines.append(f"  expired product  {base_url}/p/{expired.slug}   verify: {base_url}/verify/{expired.code}")
    lines += [
        f"  JSON API         {base_url}/api/v1/products?q=che&min_stars=4",
        f"Demo sign-in at {base_url}/login, password for every account: {DEMO_PASSWORD}",
        *[f"  {role:<15} {email}" for email, role, _ in ACCOUNTS],
        f"Mail (verification, password reset, invitations) is written to {outbox_dir()}",
    ]
    return "\n".join(lines)

"""Demo showrooms and one account per role, all with the same password (development only)."""

from sqlalchemy import select

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.channels.models import EntityChannel, ProductChannel, SalesChannel
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.showrooms.models import Placement, Showroom

DEMO_PASSWORD = "ocop-demo-2026"
SHOWROOMS = (
    ("Điểm giới thiệu và bán sản phẩm OCOP Bát Tràng", "01", "xã Bát Tràng, Thành phố Hà Nội", "craft_village"),
    ("Điểm OCOP ga Đà Lạt", "68", "số 1 Quang Trung, phường Xuân Hương – Đà Lạt, tỉnh Lâm Đồng", "transport_hub"),
    ("Điểm OCOP trạm dừng chân cao tốc Trung Lương", "82", "xã Tân Hương, tỉnh Đồng Tháp", "rest_stop"),
)
#: (e-mail, role, scope) — vendors belong to the first demo entity with a tax code in Thái Nguyên.
ACCOUNTS = (
    ("customer@ocop.example", "customer", {}),
    ("vendor@ocop.example", "vendor", {"member": "owner"}),
    ("vendor.staff@ocop.example", "vendor", {"member": "staff"}),
    ("showroom@ocop.example", "showroom_staff", {"showroom": 0}),
    ("officer.lamdong@ocop.example", "officer", {"province_code": "68"}),
    ("officer@ocop.example", "officer", {}),
    ("admin@ocop.example", "admin", {}),
)


def ensure_showrooms():
    """Create the demo showrooms once; return them in order."""
    result = []
    for name, province_code, address, kind in SHOWROOMS:
        showroom = db.session.scalar(select(Showroom).where(Showroom.name == name))
        if showroom is None:
            showroom = Showroom(name=name, province_code=province_code, address=address, kind=kind)
            db.session.add(showroom)
            db.session.flush()
        result.append(showroom)
    return result


def demo_entity():
    """The entity the demo vendor accounts belong to."""
    return db.session.scalar(select(Entity).where(Entity.province_code == "19", Entity.tax_code.is_not(None))
                             .order_by(Entity.id))


def ensure_accounts():
    """Create the demo accounts that do not exist yet; return how many were created."""
    showrooms, entity, created = ensure_showrooms(), demo_entity(), 0
    for email, role, scope in ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        if role == "vendor" and entity is None:
            continue
        fields = {"province_code": scope["province_code"]} if "province_code" in scope else {}
        if "showroom" in scope:
            fields["showroom_id"] = showrooms[scope["showroom"]].id
        user = services.create_user(email, DEMO_PASSWORD, role="customer" if role == "vendor" else role,
                                    name=email.split("@")[0], verified=True, **fields)
        if role == "vendor":
            services.member_of(user, entity.id, role=scope["member"])
        created += 1
    db.session.commit()
    return created


def ensure_channel_links():
    """Link about 45 % of the demo entities to a modern sales channel (idempotent); return how many were added."""
    channels = db.session.scalars(select(SalesChannel).where(SalesChannel.kind.in_(EntityChannel.MODERN_KINDS))
                                  .order_by(SalesChannel.id)).all()
    if not channels:
        return 0
    linked = set(db.session.scalars(select(EntityChannel.entity_id)))
    added = 0
    for entity in db.session.scalars(select(Entity).order_by(Entity.id)):
        if entity.id % 20 < 9 and entity.id not in linked:
            db.session.add(EntityChannel(entity_id=entity.id, channel_id=channels[entity.id % len(channels)].id))
            added += 1
    db.session.flush()
    _link_products()
    db.session.commit()
    return added


def _link_products():
    """Show a third of the linked entities' products as "also available at" their channel (no made-up links)."""
    done = set(db.session.scalars(select(ProductChannel.product_id)))
    rows = db.session.execute(select(Product.id, EntityChannel.channel_id)
                              .join(EntityChannel, EntityChannel.entity_id == Product.entity_id)).all()
    for product_id, channel_id in rows:
        if product_id % 3 == 0 and product_id not in done:
            db.session.add(ProductChannel(product_id=product_id, channel_id=channel_id))


def ensure_shelves():
    """Stock each demo showroom with products of its province, expired and revoked ones included."""
    for showroom in ensure_showrooms():
        if db.session.scalar(select(Placement.id).where(Placement.showroom_id == showroom.id)):
            continue
        products = db.session.scalars(select(Product).where(Product.province_code == showroom.province_code)
                                      .order_by(Product.id).limit(12)).all()
        revoked = db.session.scalars(select(Product).join(Certificate, Certificate.product_id == Product.id)
                                     .where(Certificate.status == "revoked").order_by(Product.id).limit(1)).all()
        for product in {p.id: p for p in [*products, *revoked]}.values():
            db.session.add(Placement(showroom_id=showroom.id, product_id=product.id, status="displayed"))
    db.session.commit()

"""Demo showrooms and one account per role, all with the same password (development only)."""

from sqlalchemy import select

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.showrooms.models import Showroom
from marketplace.vendors.models import Entity

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

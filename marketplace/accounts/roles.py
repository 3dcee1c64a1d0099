"""Administrator operations on accounts."""

from flask_babel import gettext as _

from marketplace.accounts.models import ROLES
from marketplace.core import audit
from marketplace.core.changes import apply_changes
from marketplace.core.errors import Refused


def set_role(user, role, province_code, showroom_id, active):
    """Set role and scope; scope fields that do not belong to the role are cleared."""
    if role not in ROLES:
        raise Refused(_("Unknown role."))
    if role == "vendor" and user.membership is None:
        raise Refused(_("A vendor must belong to an entity: approve an application or send an invitation."))
    if role == "showroom_staff" and showroom_id is None:
        raise Refused(_("Choose the showroom of this staff member."))
    if role != "vendor" and user.membership is not None:
        raise Refused(_("This user belongs to an OCOP entity; remove the membership first."))
    values = {"role": role, "province_code": province_code if role == "officer" else None,
              "showroom_id": showroom_id if role == "showroom_staff" else None, "active": active}
    before, after = apply_changes(user, values)
    if after:
        if not active:
            user.session_version += 1
        audit.record(None, "user.role_changed", user, before, after)

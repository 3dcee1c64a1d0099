"""Vendor onboarding: entity applications, officers' decisions, staff invitations and removals."""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts import tokens
from marketplace.accounts.models import EntityApplication, Invitation, User, VendorMembership
from marketplace.accounts.services import (
    expires_in,
    member_of,
    normalize_email,
    now,
    send_in_locale,
    send_to_address,
)
from marketplace.core import audit
from marketplace.core.errors import Refused
from marketplace.core.naming import unique_slug
from marketplace.core.security import external_url
from marketplace.core.text import name_key
from marketplace.extensions import db
from marketplace.registry.models import Entity

INVITATION_DAYS = 7


def match_entity(tax_code, name, province_code):
    """The registry entity an application refers to: by tax code, else by name in the province."""
    if tax_code:
        found = db.session.scalar(select(Entity).where(Entity.tax_code == tax_code))
        if found is not None:
            return found
    return db.session.scalar(select(Entity).where(Entity.name_key == name_key(name),
                                                  Entity.province_code == province_code).order_by(Entity.id))


def rematch_pending(actor):
    """Match every pending application against the registry again (after a registry import); return how many changed.

    An application whose entity has just arrived in the registry now shows it to the officer (a newly listed tax code
    wins over a match by name). A match is never dropped; each change is audited under ``actor``.
    """
    changed = 0
    pending = db.session.scalars(select(EntityApplication).where(EntityApplication.status == "pending")
                                 .order_by(EntityApplication.id)).all()
    for application in pending:
        entity = match_entity(application.tax_code, application.name, application.province_code)
        if entity is not None and entity.id != application.entity_id:
            audit.record(actor, "application.matched", application, {"entity_id": application.entity_id},
                         {"entity_id": entity.id, "entity": entity.name})
            application.entity_id = entity.id
            changed += 1
    return changed


def apply_for_entity(user, name, entity_type, tax_code, province_code, address, phone):
    """Record a pending application to sell as an OCOP entity."""
    if db.session.scalar(select(EntityApplication).where(EntityApplication.user_id == user.id,
                                                         EntityApplication.status == "pending")):
        raise Refused(_("You already have an application waiting for a decision."))
    entity = match_entity(tax_code, name, province_code)
    if entity is not None and has_owner(entity):
        raise Refused(_("This entity already has an owner account; ask its owner to invite you."))
    application = EntityApplication(user_id=user.id, entity_id=entity.id if entity else None, name=name,
                                    entity_type=entity_type, tax_code=tax_code or None, province_code=province_code,
                                    address=address or None, phone=phone or None)
    db.session.add(application)
    db.session.flush()
    audit.record(None, "application.submitted", application, after={"name": name, "tax_code": tax_code})
    return application


def decide_application(officer, application, approve, reason):
    """Approve (the applicant becomes the entity's owner) or reject with a reason.

    The application's row is locked first (read again): of two officers deciding at once, the second waits, then
    finds it decided and is refused.
    """
    db.session.refresh(application, with_for_update=True)
    if application.status != "pending":
        raise Refused(_("This application has already been decided."))
    if not approve and not (reason or "").strip():
        raise Refused(_("Give the reason for the rejection: the applicant will read it."))
    applicant = db.session.get(User, application.user_id)
    entity = approved_entity(application) if approve else None  # refused before anything changed
    application.status = "approved" if approve else "rejected"
    application.decided_by_id, application.decided_at, application.reason = officer.id, now(), reason or None
    if entity is not None:
        member_of(applicant, entity.id, role="owner")
    audit.record(None, f"application.{application.status}", application, {"status": "pending"},
                 {"status": application.status, "reason": application.reason})
    notify_decision(applicant, application)
    return application


def approved_entity(application):
    """The entity an approved application's owner gets: its match (looked up again), else a new one.

    Refused when that entity already has an owner: the applicant must be invited by them instead.
    """
    entity = db.session.get(Entity, application.entity_id) if application.entity_id else None
    entity = entity or match_entity(application.tax_code, application.name, application.province_code)
    if entity is None:
        entity = create_entity(application)
    elif has_owner(entity):
        raise Refused(_("This entity already has an owner account: reject the application, and the owner can "
                        "invite the applicant as staff."))
    application.entity_id = entity.id
    return entity


def has_owner(entity):
    """True when ``entity`` already has an owner account."""
    return db.session.scalar(select(VendorMembership.id).where(VendorMembership.entity_id == entity.id,
                                                               VendorMembership.role == "owner")) is not None


def create_entity(application):
    """A new entity from an approved application (the registry has not listed it yet)."""
    taken = set(db.session.scalars(select(Entity.slug)))
    entity = Entity(name=application.name, name_key=name_key(application.name), entity_type=application.entity_type,
                    tax_code=application.tax_code, province_code=application.province_code,
                    address=application.address, slug=unique_slug(application.name, taken))
    db.session.add(entity)
    db.session.flush()
    audit.record(None, "entity.created", entity, after={"name": entity.name, "tax_code": entity.tax_code})
    return entity


def notify_decision(applicant, application):
    """Tell the applicant the officer's decision, in their language."""
    if application.status == "approved":
        send_in_locale(applicant, lambda: _("Your OCOP entity has been approved"),
                       lambda: _("%(name)s can now sell on OCOP Market. Sign in to open your vendor page.",
                                 name=application.name))
    else:
        send_in_locale(applicant, lambda: _("Your OCOP entity application was not approved"),
                       lambda: _("The officer's reason: %(reason)s", reason=application.reason))


def invite_staff(owner, entity, email):
    """E-mail a single-use invitation to join ``entity`` as staff; return the invitation."""
    email = normalize_email(email)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None and existing.membership is not None:
        raise Refused(_("This person already belongs to an OCOP entity."))
    token, digest = tokens.new_invitation_token()
    invitation = Invitation(entity_id=entity.id, email=email, token_hash=digest, invited_by_id=owner.id,
                            expires_at=expires_in(INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    link = external_url("account.accept_invitation", token=token)
    locale = (existing or owner).preferred_locale
    send_to_address(email, locale, lambda: _("You are invited to join %(entity)s on OCOP Market", entity=entity.name),
                    lambda: _("%(owner)s invites you to manage the shop of %(entity)s on OCOP Market. Open this "
                              "link within 7 days to accept:\n\n%(link)s", owner=owner.email, entity=entity.name,
                              link=link))
    audit.record(None, "membership.invited", entity, after={"email": email})
    return invitation


def open_invitation(token):
    """The pending, unexpired invitation for ``token``, or None."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == tokens.token_hash(token)))
    if invitation is None or invitation.accepted_at is not None or _expired(invitation):
        return None
    return invitation


def _expired(invitation):
    expires = invitation.expires_at
    if expires.tzinfo is None:  # SQLite returns naive datetimes
        expires = expires.replace(tzinfo=now().tzinfo)
    return expires < now()


def accept_invitation(user, token):
    """Join the invitation's entity as staff; the signed-in address must be the invited one."""
    invitation = open_invitation(token)
    if invitation is not None:  # locked and read again: the same link posted twice at once is accepted once
        db.session.refresh(invitation, with_for_update=True)
    if invitation is None or invitation.accepted_at is not None:
        raise Refused(_("This invitation is invalid, expired or already used."))
    if user.email != invitation.email:
        raise Refused(_("This invitation was sent to another e-mail address."))
    member_of(user, invitation.entity_id, role="staff")
    invitation.accepted_at = now()
    audit.record(None, "membership.accepted", db.session.get(Entity, invitation.entity_id),
                 after={"email": user.email})
    return invitation


def remove_member(owner, entity, membership):
    """Remove a staff member (never the owner); they become a customer again."""
    if membership.entity_id != entity.id:
        raise Refused(_("Not a member of this entity."))
    if membership.role == "owner":
        raise Refused(_("The owner cannot be removed."))
    member = db.session.get(User, membership.user_id)
    db.session.delete(membership)
    member.role = "customer"
    audit.record(None, "membership.removed", entity, after={"email": member.email})

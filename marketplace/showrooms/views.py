"""Showroom staff: their showroom (the shelf tools come with the registry issue)."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from marketplace.accounts import policy
from marketplace.accounts.decorators import role_required
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.showrooms.models import Showroom

bp = Blueprint("showrooms", __name__, url_prefix="/showroom")


@bp.get("/")
@role_required("showroom_staff", "officer", "admin")
def index():
    """The showrooms the user works for or oversees."""
    showrooms = db.session.scalars(policy.showrooms_for(current_user).order_by(Showroom.name)).all()
    return render_template("showrooms/index.html", showrooms=showrooms, provinces=provinces())


@bp.get("/<int:showroom_id>")
@role_required("showroom_staff", "officer", "admin")
def detail(showroom_id):
    """One showroom in the user's scope (others are not found)."""
    showroom = policy.get_or_404(policy.showrooms_for(current_user), showroom_id, Showroom)
    policy.authorize(current_user, "showroom.view", showroom)
    staff = db.session.scalars(select(policy.User).where(policy.User.showroom_id == showroom.id)).all()
    return render_template("showrooms/detail.html", showroom=showroom, staff=staff,
                           province=provinces()[showroom.province_code])

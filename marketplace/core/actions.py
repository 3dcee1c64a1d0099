"""The end of a form action: one commit when the service succeeded, a rollback and its message when refused."""

from flask import flash

from marketplace.core.errors import Refused
from marketplace.extensions import db


def commit_or_flash(action, success):
    """Run ``action()``; commit and flash ``success``, or roll back and flash the refusal. True when committed."""
    try:
        action()
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True

"""The ``admin`` blueprint, shared by the area's view modules."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

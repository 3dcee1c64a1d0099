"""The ``vendor`` blueprint, shared by the area's view modules."""

from flask import Blueprint

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

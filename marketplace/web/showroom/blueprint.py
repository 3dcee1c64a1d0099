"""The ``showroom`` blueprint, shared by the area's view modules."""

from flask import Blueprint

bp = Blueprint("showroom", __name__, url_prefix="/showroom")

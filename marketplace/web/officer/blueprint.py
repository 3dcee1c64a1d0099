"""The ``officer`` blueprint, shared by the area's view modules."""

from flask import Blueprint

bp = Blueprint("officer", __name__, url_prefix="/officer")

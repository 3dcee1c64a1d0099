"""The ``checkout`` blueprint, shared by the area's view modules."""

from flask import Blueprint

bp = Blueprint("checkout", __name__)

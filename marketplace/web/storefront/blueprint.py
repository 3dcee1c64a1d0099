"""The ``storefront`` blueprint, shared by the area's view modules."""

from flask import Blueprint

bp = Blueprint("storefront", __name__)

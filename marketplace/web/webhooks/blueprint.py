"""The ``webhooks`` blueprint, shared by the area's view modules."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

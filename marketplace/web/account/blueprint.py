"""The ``account`` blueprint, shared by the area's view modules."""

from flask import Blueprint

bp = Blueprint("account", __name__)

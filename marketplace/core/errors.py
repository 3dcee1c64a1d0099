"""Error handling: HTML pages for people, ``application/problem+json`` for the API."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException


class Refused(Exception):  # noqa: N818 - a refusal, not a failure of the program
    """An operation refused for a reason the person who asked can fix; ``message`` is shown to them (translated).

    Every domain raises this (or a subclass of it); views roll back and show ``message``.
    """

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ProblemError(Exception):
    """An API error with an HTTP status, a short title and a human-readable detail."""

    def __init__(self, status, title, detail=""):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail


class InvalidInput(BadRequest):
    """400 for input refused outright (a control character, a number out of range); ``message`` is translated.

    Pages show ``message`` on the error page; the API puts it in the problem's ``detail``.
    """

    def __init__(self, message):
        super().__init__(description=message)
        self.message = message


def problem_response(status, title, detail=""):
    """A problem+json response (RFC 9457)."""
    response = jsonify({"status": status, "title": title, "detail": detail})
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def wants_json():
    """True for requests to the JSON API."""
    return request.path.startswith("/api/")


def handle_http_error(error):
    """Render an HTTP error as problem+json under /api, else as an HTML page."""
    if wants_json():
        return problem_response(error.code, error.name, error.description)
    return render_template("errors/error.html", error=error, message=getattr(error, "message", None)), error.code


def register(app):
    """Attach the handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(ProblemError, lambda p: problem_response(p.status, p.title, p.detail))

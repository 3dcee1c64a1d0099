"""Serving a WSGI fake on a free loopback port, and delivering its notifications through a Flask test client."""

import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import has_app_context
from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log(self, type, message, *args):  # noqa: A002 - the signature of the method overridden
        """Say nothing: tests would drown in access logs."""


@contextmanager
def serve(wsgi_app, name):
    """Serve ``wsgi_app`` on 127.0.0.1 (a free port) in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def deliver_through(client):
    """A fake's ``notify`` that hands its notification to the app through ``client``: (status, body)."""
    def send(method, path, payload):
        return client.get(path, query_string=payload) if method == "GET" else client.post(path, json=payload)

    def notify(method, url, payload):
        path = urlsplit(url).path
        if has_app_context():  # the test's own thread
            response = send(method, path, payload)
        else:  # a fake's server thread (the buyer paid on its page over HTTP)
            with client.application.app_context():
                response = send(method, path, payload)
        return response.status_code, response.get_data(as_text=True)
    return notify

"""The yardstick of ``benchmarks/page_bench.py``: a bare Flask "hello" served by the same gunicorn settings.

    gunicorn --workers 2 benchmarks.bare_flask:app

Every route answers the same 200 text, so wrk's round-robin addresses (``/p/<slug>``…) all reach it.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def hello(path):
    """The cheapest page Flask can serve."""
    return "hello"

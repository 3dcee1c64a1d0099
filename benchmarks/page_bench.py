"""Page speed against the framework's limit (issue #16): each page, then a bare Flask "hello", alternately, in one run.

    .venv/bin/python benchmarks/page_bench.py [--duration 10] [--warmup 3] [--connections 8] [--workers 2]
                                              [--database-url postgresql+psycopg://…] [--redis-url redis://…]
                                              [--modes anonymous,buyer] [--pages home,listing,…] [--name page_bench]

Two gunicorn servers with the same settings (``--workers`` sync workers, access log to a file) run side by side on
loopback: the marketplace in production mode (``MARKETPLACE_ENV=production``, rate limits off) on a fresh database
with the demo catalogue (an SQLite file and the Whoosh index in a temporary folder; or ``--database-url``, whose
tables are DROPPED first, with ``SEARCH_BACKEND=postgres``), a private ``redis-server`` (or ``--redis-url``), and
``benchmarks/bare_flask.py``. For each mode (anonymous: no cookies; buyer: the session cookie of the demo buyer,
signed in first, sent as a header) and each page, ``wrk -t1 -c<connections> -d<duration>s --latency`` first warms the
server up, then measures the page, and the bare Flask app is measured before the first page and after every page, so
each page is compared with the bare Flask figures just before and after it (the machine's load drifts). A Lua script
goes round the page's addresses, counts every answer that is not a 200 (a run with one is marked invalid, as is one
with socket errors) and prints the latency percentiles. Results: benchmarks/results/<name>.json and <name>.md.
"""

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy import loopback  # noqa: E402

BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "benchmarks" / "results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BUYER = ("customer@ocop.example", "ocop-demo-2026")  #: the demo buyer (marketplace/demo/accounts.py)
#: The pages, in the order they are measured: name → label (addresses are filled in from the catalogue).
PAGES = {"home": "home /", "listing": "listing /search", "product": "product page /p/<slug>",
         "search": "search results /search?q=che", "api": "JSON listing /api/v1/products",
         "verify": "certificate /verify/<code>"}
MODES = ("anonymous", "buyer")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

LUA = """
local paths = {%(paths)s}
local i = 0
local threads = {}
bad, first_bad = 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function request()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local non200, status = 0, 0
  for _, thread in ipairs(threads) do
    non200 = non200 + thread:get("bad")
    if status == 0 then status = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format('PAGEBENCH {"requests": %%d, "duration_us": %%d, "non200": %%d, "first_non200": %%d, ' ..
    '"socket_errors": {"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}, "p50_us": %%d, "p90_us": %%d, ' ..
    '"p95_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f}\\n', summary.requests, summary.duration,
    non200, status, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""


def marketplace_app():
    """The marketplace as production runs it, rate limits off (``benchmarks.page_bench:marketplace_app()``)."""
    from marketplace import create_app

    return create_app({"ENV_NAME": "production", "RATELIMIT_ENABLED": False})


# --- servers ---------------------------------------------------------------------------------------------------

def settings(folder, database_url, redis_url, search_backend):
    """The marketplace's environment: production mode, everything kept in ``folder``."""
    env = dict(os.environ, MARKETPLACE_ENV="production", DATABASE_URL=database_url, REDIS_URL=redis_url,
               SECRET_KEY=secrets.token_hex(32), PUBLIC_URL="http://127.0.0.1", TRUSTED_PROXIES="0",
               SEARCH_BACKEND=search_backend, JOB_QUEUE="inline", MEDIA_STORAGE="local",
               SEARCH_INDEX_DIR=str(folder / "search-index"), MEDIA_DIR=str(folder / "media"),
               MEDIA_ORIGINALS_DIR=str(folder / "originals"), MAIL_OUTBOX=str(folder / "outbox"))
    for name in ("TEST_DATABASE_URL", "FLASK_DEBUG", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "TRUSTED_HOSTS",
                 "DATABASE_REPLICA_URL", "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    return env


def flask(env, *args):
    """Run a ``flask`` command with the benchmark's settings (a failure shows the end of its stderr)."""
    done = subprocess.run([str(BIN / "flask"), "--app", "marketplace", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        lines = "\n".join(line[:300] for line in done.stderr.splitlines()[-30:])
        raise RuntimeError(f"flask {' '.join(args)} exited with {done.returncode}:\n{lines}")
    return done.stdout


def empty_database(url):
    """Drop everything in the PostgreSQL database at ``url`` (the benchmark starts from an empty one)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def gunicorn(name, spec, env, folder, workers):
    """A gunicorn server of ``workers`` sync workers in its own process group; returns (process, port)."""
    port = loopback.free_port()
    command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--access-logfile", "-", "--graceful-timeout", "5", spec]
    with open(folder / f"{name}.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    loopback.wait_for_port(port, timeout=90, process=process)
    return process, port


def stop(process):
    """Stop a gunicorn server (master and workers)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- HTTP set-up ---------------------------------------------------------------------------------------------------

def fetch(port, path, method="GET", body=None, cookie=""):
    """One request to 127.0.0.1:``port``; returns (status, headers, text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    answer = connection.getresponse()
    text = answer.read().decode("utf-8", "replace")
    connection.close()
    return answer.status, answer.msg, text


def cookies_of(headers, jar):
    """Keep the cookies an answer sets (Secure ones too: the benchmark is plain HTTP on loopback)."""
    for line in headers.get_all("Set-Cookie") or []:
        name, _sep, value = line.split(";", 1)[0].partition("=")
        if value and "expires=thu, 01 jan 1970" not in line.lower():
            jar[name.strip()] = value
    return jar


def cookie_header(jar):
    """The ``Cookie`` header a browser would send."""
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def sign_in(port):
    """Sign the demo buyer in; return the Cookie header of the session, checked on /account."""
    status, headers, page = fetch(port, "/login")
    token = CSRF.search(page)
    if status != 200 or token is None:
        raise RuntimeError(f"/login answered {status} without a CSRF token")
    jar = cookies_of(headers, {})
    form = urlencode({"csrf_token": token.group(1) or token.group(2), "email": BUYER[0], "password": BUYER[1]})
    status, headers, _text = fetch(port, "/login", "POST", form, cookie_header(jar))
    if status != 302:
        raise RuntimeError(f"signing in the demo buyer answered {status}, not a redirect")
    cookie = cookie_header(cookies_of(headers, jar))
    status, _headers, _text = fetch(port, "/account", cookie=cookie)
    if status != 200:
        raise RuntimeError(f"/account answered {status} to the signed-in buyer")
    return cookie


def addresses(port, count):
    """Addresses per page: ``count`` product slugs and certificate codes spread over the listed catalogue."""
    status, _headers, text = fetch(port, "/api/v1/products?per_page=100")
    if status != 200:
        raise RuntimeError(f"/api/v1/products answered {status}")
    items = [item for item in json.loads(text)["items"] if item.get("certificate")]
    if not items:
        raise RuntimeError("the demo catalogue lists no product")
    step = max(1, len(items) // count)
    chosen = items[::step][:count]
    return {"home": ["/"], "listing": ["/search"],
            "product": [f"/p/{quote(item['slug'])}" for item in chosen], "search": ["/search?q=che"],
            "api": ["/api/v1/products"], "verify": [f"/verify/{quote(item['certificate']['code'])}" for item in chosen]}


def check_pages(port, paths, cookie):
    """Every address answers 200 before it is measured (a failed set-up says which one)."""
    for path in paths:
        status, _headers, _text = fetch(port, path, cookie=cookie)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}{' to the signed-in buyer' if cookie else ''}")


# --- wrk --------------------------------------------------------------------------------------------------------

def lua_script(folder, paths):
    """A wrk script going round ``paths``; returns its file."""
    script = folder / f"paths-{secrets.token_hex(4)}.lua"
    script.write_text(LUA % {"paths": ", ".join(json.dumps(path) for path in paths)})
    return script


def group_cpu(group):
    """CPU seconds used so far by the processes of process group ``group`` (a gunicorn master and its workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group:
                total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def machine_busy():
    """CPU seconds the whole machine has been busy (/proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS


def wrk(server, script, seconds, args, cookie):
    """One wrk run; returns its figures (requests/s, latency percentiles in ms, non-200 answers, socket errors, the
    server's CPU ms per request and the cores other programs kept busy meanwhile)."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
               "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    process, port = server
    before = (time.monotonic(), group_cpu(process.pid), machine_busy(), os.times())
    done = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    wall, server_cpu = time.monotonic() - before[0], group_cpu(process.pid) - before[1]
    wrk_cpu = os.times().children_user + os.times().children_system - before[3].children_user - \
        before[3].children_system
    busy = machine_busy() - before[2]
    line = next((row for row in done.stdout.splitlines() if row.startswith("PAGEBENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.split(" ", 1)[1])
    seconds_run = raw["duration_us"] / 1e6
    return {"rps": round(raw["requests"] / seconds_run, 1), "requests": raw["requests"],
            "p50_ms": round(raw["p50_us"] / 1000, 2), "p90_ms": round(raw["p90_us"] / 1000, 2),
            "p95_ms": round(raw["p95_us"] / 1000, 2), "p99_ms": round(raw["p99_us"] / 1000, 2),
            "max_ms": round(raw["max_us"] / 1000, 2), "mean_ms": round(raw["mean_us"] / 1000, 2),
            "non200": raw["non200"], "first_non200": raw["first_non200"] or None,
            "socket_errors": raw["socket_errors"], "load_1min": round(os.getloadavg()[0], 2),
            "server_cpu_ms_per_request": round(1000 * server_cpu / max(raw["requests"], 1), 2),
            "cores": {"server": round(server_cpu / wall, 2), "wrk": round(wrk_cpu / wall, 2),
                      "other programs": round((busy - server_cpu - wrk_cpu) / wall, 2),
                      "machine busy": round(busy / wall, 2)}}


def measure(server, script, args, cookie, warmup):
    """Warm up (figures dropped), then measure ``args.duration`` seconds."""
    if warmup:
        wrk(server, script, warmup, args, cookie)
    figures = wrk(server, script, args.duration, args, cookie)
    figures["valid"] = figures["non200"] == 0 and not any(figures["socket_errors"].values())
    return figures


def run_mode(mode, servers, paths, cookie, args, folder):
    """Bare Flask, then each page followed by bare Flask again; each page gets the bare figures around it."""
    bare_script = lua_script(folder, ["/"])
    bare = [measure(servers["bare"], bare_script, args, cookie, min(args.warmup, 1))]
    rows = []
    for page in args.pages:
        print(f"  {mode:9} {page:8} …", end="", flush=True)
        figures = measure(servers["app"], lua_script(folder, paths[page]), args, cookie, args.warmup)
        bare.append(measure(servers["bare"], bare_script, args, cookie, min(args.warmup, 1)))
        around = (bare[-2]["rps"] + bare[-1]["rps"]) / 2
        rows.append({"mode": mode, "page": page, "label": PAGES[page], "paths": paths[page], **figures,
                     "bare_rps_around": round(around, 1), "pct_of_bare": round(100 * figures["rps"] / around, 1)})
        print(f" {figures['rps']:8.1f} rps ({rows[-1]['pct_of_bare']:.1f} % of bare {around:.0f}), "
              f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
              f"{figures['server_cpu_ms_per_request']} CPU ms/request"
              f"{'' if figures['valid'] else '  INVALID'}")
    return rows, [{"mode": mode, **figures} for figures in bare]


# --- report -----------------------------------------------------------------------------------------------------

def facts():
    """The code and tools measured."""
    def output(*command):
        try:
            return subprocess.run(command, cwd=ROOT, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    changed = output("git", "status", "--porcelain", "--untracked-files=no")
    return {"commit": output("git", "rev-parse", "--short", "HEAD"),
            "uncommitted_files": len(changed.splitlines()) if changed else 0,
            "wrk": output("wrk", "--version").splitlines()[0] if output("wrk", "--version") else "",
            "gunicorn": output(str(BIN / "gunicorn"), "--version")}


def markdown(result):
    """The results as a markdown table per mode."""
    bare = sorted(run["rps"] for run in result["bare"])
    bare_cpu = sorted(run["server_cpu_ms_per_request"] for run in result["bare"])[len(bare) // 2]
    lines = [f"# Page speed benchmark ({result['at']})", "",
             f"`benchmarks/page_bench.py`: gunicorn {result['settings']['workers']} sync workers, "
             f"`wrk -t{result['settings']['threads']} -c{result['settings']['connections']} "
             f"-d{result['settings']['duration']}s` (warm-up {result['settings']['warmup']} s), "
             f"{result['database']} database with the demo catalogue, search `{result['search_backend']}`, "
             f"rate limits off. Code: {result['code']['commit']} with {result['code']['uncommitted_files']} "
             f"uncommitted files. {result['cpus']} CPUs; load average at start "
             f"{' / '.join(str(value) for value in result['load_start'])} (1/5/15 min), at the end "
             f"{' / '.join(str(value) for value in result['load_end'])}.", "",
             f"Bare Flask \"hello\" on the same gunicorn, {len(bare)} runs alternating with the pages: median "
             f"{bare[len(bare) // 2]:.0f} requests/s (from {bare[0]:.0f} to {bare[-1]:.0f}). \"% of bare\" compares "
             f"each page with the mean of the bare runs just before and after it. Bare Flask costs "
             f"{bare_cpu:.2f} CPU ms per request (median). \"Server CPU ms / request\" is the CPU time of the "
             f"gunicorn master and workers over the measured window divided by the requests served: unlike "
             f"requests/s it hardly depends on what else the machine runs (\"cores used by other programs\").", ""]
    for mode in result["settings"]["modes"]:
        title = "Anonymous visitor (no cookies)" if mode == "anonymous" else "Signed-in buyer (session cookie)"
        lines += [f"## {title}",
                  "", "| page | requests/s | % of bare Flask | p50 ms | p95 ms | p99 ms | server CPU ms / request "
                  "| cores used by other programs | every answer 200 |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for row in (row for row in result["pages"] if row["mode"] == mode):
            ok = "yes" if row["valid"] else (f"NO ({row['non200']} non-200, first {row['first_non200']}; "
                                             f"socket errors {row['socket_errors']})")
            lines.append(f"| {row['label']} | {row['rps']:.0f} | {row['pct_of_bare']:.1f} % | {row['p50_ms']:.1f} "
                         f"| {row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['server_cpu_ms_per_request']:.1f} "
                         f"| {row['cores']['other programs']:.2f} | {ok} |")
        lines.append("")
    products = {row["mode"]: row for row in result["pages"] if row["page"] == "product"}
    if products:
        lines.append("Product page under " + str(result["settings"]["connections"]) + " concurrent visitors, p95: "
                     + ", ".join(f"{mode} {row['p95_ms']:.1f} ms" for mode, row in products.items()) + ".")
    return "\n".join(lines) + "\n"


def save(result, name):
    """Write benchmarks/results/<name>.json and <name>.md; print the table."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    table = markdown(result)
    (RESULTS / f"{name}.md").write_text(table, encoding="utf-8")
    print(table)


# --- main -------------------------------------------------------------------------------------------------------

def options():
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per run (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each page (default 3)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server (default 2)")
    parser.add_argument("--slugs", type=int, default=8, help="product pages and certificates gone round (default 8)")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (ITS TABLES ARE DROPPED); "
                                               "default: a new SQLite file")
    parser.add_argument("--search-backend", help="default: postgres with --database-url, whoosh otherwise")
    parser.add_argument("--redis-url", help="default: a private redis-server on a free port")
    parser.add_argument("--modes", default=",".join(MODES), help=f"default {','.join(MODES)}")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"default {','.join(PAGES)}")
    parser.add_argument("--name", default="page_bench", help="results file name (default page_bench)")
    args = parser.parse_args()
    args.modes = [mode for mode in args.modes.split(",") if mode]
    args.pages = [page for page in args.pages.split(",") if page]
    unknown = sorted(set(args.modes) - set(MODES)) + sorted(set(args.pages) - set(PAGES))
    if unknown:
        parser.error(f"unknown modes or pages: {', '.join(unknown)}")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    return args


def main():
    """Set up, measure each mode, save."""
    args = options()
    load_start = [round(value, 2) for value in os.getloadavg()]
    started = time.monotonic()
    print(f"load average at start: {load_start}")
    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="ocop-pagebench-"))
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
        backend = args.search_backend or ("postgres" if args.database_url else "whoosh")
        redis_url = args.redis_url
        if redis_url is None:
            redis = loopback.redis(folder)
            stack.callback(redis.stop)
            redis_url = redis.url
        if args.database_url:
            empty_database(args.database_url)
        env = settings(folder, database_url, redis_url, backend)
        print("migrating, loading the demo catalogue, indexing…", flush=True)
        for command in (("db", "upgrade"), ("demo", "load"), ("search", "reindex")):
            flask(env, *command)
        app, app_port = gunicorn("marketplace", "benchmarks.page_bench:marketplace_app()", env, folder, args.workers)
        stack.callback(stop, app)
        bare, bare_port = gunicorn("bare", "benchmarks.bare_flask:app", env, folder, args.workers)
        stack.callback(stop, bare)
        servers = {"app": (app, app_port), "bare": (bare, bare_port)}
        paths = addresses(app_port, args.slugs)
        cookies = {"anonymous": "", "buyer": sign_in(app_port) if "buyer" in args.modes else ""}
        print(f"set up in {time.monotonic() - started:.0f} s; measuring", flush=True)
        pages, bare_runs = [], []
        for mode in args.modes:
            check_pages(app_port, [path for page in args.pages for path in paths[page]], cookies[mode])
            rows, bare_rows = run_mode(mode, servers, paths, cookies[mode], args, folder)
            pages += rows
            bare_runs += bare_rows
    result = {"benchmark": "page_bench", "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "python": platform.python_version(), "cpus": os.cpu_count(), "load_start": load_start,
              "load_end": [round(value, 2) for value in os.getloadavg()],
              "seconds": round(time.monotonic() - started), "code": facts(),
              "database": database_url.split(":")[0].split("+")[0], "search_backend": backend,
              "settings": {key: getattr(args, key) for key in ("duration", "warmup", "connections", "threads",
                                                               "workers", "modes", "pages", "slugs")},
              "valid": all(row["valid"] for row in pages), "pages": pages, "bare": bare_runs}
    save(result, args.name)
    if not result["valid"]:
        print("INVALID: some answers were not 200 (see the table)")
        sys.exit(1)


if __name__ == "__main__":
    main()

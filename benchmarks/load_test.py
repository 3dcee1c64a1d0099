"""Load test: the same mixed traffic against a cluster of ONE app server, then of TWO, on PostgreSQL.

    .venv/bin/python benchmarks/load_test.py [--duration 45] [--warmup 10] [--connections 8] [--processes 2]
                                             [--workers 2] [--apps 1,2] [--pinned] [--profile 10]

Each configuration is a fresh cluster from ``deploy/cluster.py`` (PostgreSQL, Redis, moto's S3, N gunicorn app
servers in production mode with SEARCH_BACKEND=postgres, JOB_QUEUE=procrastinate, MEDIA_STORAGE=s3, one job worker,
HAProxy in front) with the demo catalogue. ``--connections`` simulated visitors (threads, spread over ``--processes``
driver processes) go through the proxy in a closed loop, each on its own keep-alive connection and its own loopback
address (127.0.0.x: the API's per-address rate limit applies to each visitor as it would to real ones). Every visitor
draws its next action from one weighted mix (``MIX``): the home page, listings with filters and province pages,
searches (the unaccented text of ``benchmarks/search_bench.py``'s query mix), product pages, the JSON API listing, and
now and then a checkout (product page, add to basket, checkout form, cash-on-delivery order, order page) as a guest
or a signed-in buyer, with CSRF tokens. A request counts as served only when it is a 200, or for a POST the expected
redirect; everything else is an error. CPU seconds of every process of the cluster, of the driver and of the whole
machine are read from /proc over the measured window, so the bottleneck is shown in numbers, and the CPU one request
costs is known whatever else runs on the machine. ``--profile`` then runs each kind of request alone on the one-server
cluster to cost it. ``--pinned`` adds a pair of runs with app server i pinned to core i (``taskset``), as if each
server had a core of its own. docs/deploy.md explains the figures.

Results: benchmarks/results/load_test.json and load_test.md (a table, also printed).
"""

import argparse
import http.client
import json
import math
import multiprocessing
import os
import platform
import random
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search_bench import query_mix  # noqa: E402
from deploy import cluster as cluster_tool  # noqa: E402
from marketplace.reference.lookup import criteria_sets, provinces  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
#: What a visitor does next, with its weight. A checkout is five requests, so it is ~9% of requests, ~2% orders.
MIX = {"home": 8, "browse": 14, "province": 8, "search": 30, "product": 22, "api": 14, "checkout": 2}
PASSWORD = "load-test-buyer-2026!"
STOCK = 1_000_000  #: listings with stock get this much, so orders never run out during a run
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
SUBMISSION = re.compile(r'name="submission" type="hidden" value="([^"]+)"')
LISTING = re.compile(r'name="listing_id" value="(\d+)"')


# --- what the visitors ask for -----------------------------------------------------------------------------------

def search_paths(seed=500):
    """``/search`` and API addresses from the search benchmark's 500-query mix (unaccented text, filters, sorts)."""
    sector_of = {}
    for code, criteria in criteria_sets().items():
        sector_of.setdefault(criteria.sector_code, []).append(code)
    by_codes = {tuple(sorted(codes)): sector for sector, codes in sector_of.items()}
    texts, filtered = [], []
    for filters in query_mix(random.Random(seed)):
        args = {"q": filters.q, "province": filters.province_code,
                "group": by_codes.get(tuple(sorted(filters.criteria_codes or ()))),
                "min_stars": filters.min_stars, "sort": filters.sort}
        query = urlencode({key: value for key, value in args.items() if value})
        (texts if filters.q else filtered).append(query)
    return texts, filtered


def catalogue(base):
    """(slugs of listed products, slugs of products in stock) read through the public API."""
    listed, in_stock, page = [], [], 1
    while True:
        data = get_json(f"{base}/api/v1/products?per_page=100&page={page}")
        listed += [item["slug"] for item in data["items"]]
        in_stock += [item["slug"] for item in data["items"] if item["in_stock"]]
        if page * 100 >= data["total"]:
            return listed, in_stock
        page += 1


def get_json(url):
    """GET a JSON document from the cluster (set-up only)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", f"{parts.path}?{parts.query}")
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    if answer.status != 200:
        raise RuntimeError(f"{url} answered {answer.status}")
    return json.loads(body)


def plan_for(cluster, buyers):
    """Everything the visitors draw from: addresses per kind of action, products to buy, buyer accounts."""
    texts, filtered = search_paths()
    listed, in_stock = catalogue(cluster.url)
    slugs = [province.slug for province in provinces().values()]
    province_pages = [f"/province/{slug}" for slug in slugs] + [f"/province/{slug}?sort=price_asc" for slug in slugs]
    browse = [f"/search?{query}" for query in filtered] + ["/search?in_stock=1", "/search?page=2",
                                                           "/search?sort=price_asc&page=3"]
    browse += [f"/search?province={code}&in_stock=1" for code in provinces()]
    return {"home": ["/"], "browse": browse,
            "province": province_pages,
            "search": [f"/search?{query}" for query in texts], "product": [f"/p/{slug}" for slug in listed],
            "api": [f"/api/v1/products?{query}&per_page=24" for query in texts + filtered],
            "buy": in_stock, "buyers": buyers}


def prepare(cluster, accounts, vacuum=True):
    """Stock for every listing in stock, ``accounts`` buyer accounts (returns their e-mail addresses), then VACUUM.

    ``VACUUM ANALYZE`` does at once what autovacuum does a minute or two after the bulk writes of ``demo load`` and
    ``search reindex``: without it the planner looks ``search_term`` rows up through the trigram index's unmerged
    pending list (24 ms a lookup instead of 0.1 ms), and the first minutes would measure that, not the steady state.
    """
    database = cluster.extra["database"]
    database.psql(f"UPDATE listing SET stock = {STOCK} WHERE stock > 0")
    database.psql(f"UPDATE listing_variant SET stock = {STOCK} WHERE stock > 0")
    buyers = [f"buyer{n}@load.example" for n in range(accounts)]
    for email in buyers:
        cluster.flask("users", "create", email, "--role", "customer", "--password", PASSWORD)
    if vacuum:
        database.psql("VACUUM ANALYZE")
    return buyers


# --- one visitor --------------------------------------------------------------------------------------------------

class Visitor:
    """One browser: a keep-alive connection from its own loopback address, its cookies, its samples."""

    def __init__(self, port, number, plan, rng):
        self.port, self.plan, self.rng = port, plan, rng
        self.source = f"127.0.{number // 200}.{10 + number % 200}"
        self.cookies, self.samples, self.orders = {}, [], 0
        self.connection = None
        self.email = None
        #: One visitor in four signs in, each as its own buyer account (a basket is per account).
        buyers = plan["buyers"]
        self.buyer = buyers[number // 4] if number % 4 == 1 and number // 4 < len(buyers) else None

    def connect(self):
        """A new connection to the proxy."""
        if self.connection is not None:
            self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60,
                                                     source_address=(self.source, 0))

    def request(self, kind, method, path, form=None, expect=200):
        """Send one request, record (kind, start, end, served, status); return (status, location, text)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "User-Agent": "ocop-load"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.time()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            answer = self.connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.samples.append((kind, start, time.time(), False, 0))
            self.connect()
            return 0, "", ""
        self.keep_cookies(answer.msg.get_all("Set-Cookie") or [])
        location = answer.getheader("Location") or ""
        served = answer.status == expect and (expect == 200 or self.expected_redirect(path, location))
        self.samples.append((kind, start, time.time(), served, answer.status))
        return answer.status, location, text

    @staticmethod
    def expected_redirect(path, location):
        """Where a POST must send the browser: the basket after adding, the order after placing."""
        if path == "/cart/add":
            return urlsplit(location).path == "/cart"
        if path == "/checkout":
            return "/orders/" in location
        return urlsplit(location).path not in ("/login", "/cart")

    def keep_cookies(self, lines):
        """Keep cookies as a browser would (Secure ones too: this loopback is plain HTTP); drop emptied ones."""
        for line in lines:
            name, _sep, value = line.split(";", 1)[0].partition("=")
            if value and "expires=thu, 01 jan 1970" not in line.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)

    def sign_in(self, email):
        """Sign in as a buyer account (before the measured window)."""
        _status, _where, page = self.request("sign-in", "GET", "/login")
        self.request("sign-in", "POST", "/login", {"csrf_token": token(page), "email": email, "password": PASSWORD},
                     expect=302)
        self.email = email

    def step(self):
        """Do one action of the mix."""
        mix = self.plan["mix"]
        kind = self.rng.choices(list(mix), weights=list(mix.values()))[0]
        if kind == "checkout":
            self.checkout()
        else:
            self.request(kind, "GET", self.rng.choice(self.plan[kind]))

    def checkout(self):
        """Product page, add to basket, checkout form, cash-on-delivery order, the order's page.

        A guest's product page may come from the page cache, without a CSRF token: like the page's script
        (static/js/session-bits.js), the visitor then asks ``/session/bits`` for one.
        """
        _status, _where, page = self.request("checkout", "GET", f"/p/{self.rng.choice(self.plan['buy'])}")
        listing = LISTING.search(page)
        if listing is None:
            return
        self.request("checkout", "POST", "/cart/add", {"csrf_token": token(page) or self.bits_token(),
                                                        "listing_id": listing.group(1), "quantity": 1}, expect=302)
        _status, _where, form = self.request("checkout", "GET", "/checkout")
        submission = SUBMISSION.search(form)
        if submission is None:
            return
        fields = {"csrf_token": token(form), "submission": submission.group(1), "name": "Nguyễn Thị Khách",
                  "email": self.email or f"guest{self.source.replace('.', '-')}@load.example",
                  "phone": f"0903{self.rng.randrange(10**6):06d}", "province": "79", "ward": "Phường Sài Gòn",
                  "address": "9 Đồng Khởi", "payment_method": "cod"}
        status, where, _text = self.request("checkout", "POST", "/checkout", fields, expect=302)
        if status == 302 and "/orders/" in where:
            self.orders += 1
            self.request("checkout", "GET", urlsplit(where)._replace(scheme="", netloc="").geturl())


    def bits_token(self):
        """The CSRF token a cached page leaves out, from ``/session/bits`` as the page's script fetches it."""
        _status, _where, text = self.request("checkout", "GET", "/session/bits")
        try:
            return json.loads(text).get("csrf_token") or ""
        except ValueError:
            return ""


def token(page):
    """The page's CSRF token ('' when the page has none: the POST is then refused and counted as an error)."""
    found = CSRF.search(page)
    return found.group(1) if found else ""


def drive(job):
    """One driver process: its visitors until ``stop``; returns their samples, orders and the process's CPU."""
    port, numbers, plan, start, stop, seed = job
    visitors = [Visitor(port, number, plan, random.Random(seed + number)) for number in numbers]

    def run(visitor):
        visitor.connect()
        if visitor.buyer is not None:
            visitor.sign_in(visitor.buyer)
        while time.time() < stop:
            visitor.step()

    threads = [threading.Thread(target=run, args=(visitor,)) for visitor in visitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = os.times()
    return ([sample for visitor in visitors for sample in visitor.samples], sum(v.orders for v in visitors),
            times.user + times.system)


# --- CPU from /proc -----------------------------------------------------------------------------------------------

def process_table():
    """{pid: (parent pid, CPU seconds, command line)} of every process now."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        table[int(entry.name)] = (int(stat[1]), (int(stat[11]) + int(stat[12])) / CLOCK_TICKS, command)
    return table


def subtree(table, root):
    """``root`` and its descendants."""
    found, frontier = set(), {root}
    while frontier:
        found |= frontier
        frontier = {pid for pid, (parent, _cpu, _cmd) in table.items() if parent in frontier} - found
    return found & set(table)


def groups_of(cluster, drivers):
    """Process groups of the cluster and the driver processes: name → root pids (whole subtrees are counted).

    This script itself is left out: it only sleeps while the drivers run, and the cluster's processes are its children.
    """
    table = process_table()
    postmaster = int((cluster.extra["database"].data / "postmaster.pid").read_text().split()[0])
    s3_port = f"-p {urlsplit(cluster.extra['s3']).port}"
    haproxy_config = str(cluster.folder / "haproxy.cfg")
    groups = {app.name: [app.process.pid] for app in cluster.apps}
    groups.update({"postgresql": [postmaster], "job worker": [cluster.worker.pid],
                   "redis": [cluster.extra["redis"].process.pid],
                   "haproxy": [pid for pid, row in table.items() if haproxy_config in row[2]],
                   "s3 (moto)": [pid for pid, row in table.items() if "moto.server" in row[2] and s3_port in row[2]],
                   "load driver": drivers})
    return groups


def cpu_snapshot(groups):
    """CPU seconds per group now, and the machine's busy and total seconds (/proc/stat)."""
    table = process_table()
    seconds = {name: sum(table[pid][1] for root in roots for pid in subtree(table, root))
               for name, roots in groups.items()}
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return seconds, (sum(fields[:8]) - idle) / CLOCK_TICKS


def cores_used(before, after, wall):
    """Cores each group kept busy over ``wall`` seconds; 'other' is the rest of the machine (other programs)."""
    used = {name: round((after[0][name] - before[0][name]) / wall, 2) for name in after[0]}
    used["machine busy"] = round((after[1] - before[1]) / wall, 2)
    used["other programs"] = round(used["machine busy"] - sum(v for k, v in used.items() if k != "machine busy"), 2)
    return used


# --- one configuration ------------------------------------------------------------------------------------------

def pin(cluster):
    """Pin app server i (master and workers) to core i."""
    table = process_table()
    for index, app in enumerate(cluster.apps):
        for pid in subtree(table, app.process.pid):
            subprocess.run(["taskset", "-a", "-p", "-c", str(index % os.cpu_count()), str(pid)], check=True,
                           capture_output=True)


def percentile(ordered, share):
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else None


def figures(samples, wall):
    """Requests/s, p50/p95/p99 of served requests (ms), errors and their statuses."""
    served = sorted((end - start) * 1000 for _kind, start, end, ok, _status in samples if ok)
    statuses = {}
    for _kind, _start, _end, ok, status in samples:
        if not ok:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {"requests": len(samples), "served": len(served), "requests_per_s": round(len(served) / wall, 1),
            "p50_ms": round(percentile(served, 0.50) or 0, 1), "p95_ms": round(percentile(served, 0.95) or 0, 1),
            "p99_ms": round(percentile(served, 0.99) or 0, 1), "errors": len(samples) - len(served),
            "error_statuses": statuses}


def traffic(cluster, plan, args, mix, warmup, duration):
    """Drive the cluster with ``mix`` for ``warmup`` + ``duration`` s: (samples of the window, orders, cores used)."""
    start = time.time() + warmup
    stop = start + duration
    numbers = list(range(args.connections))
    jobs = [(urlsplit(cluster.url).port, numbers[n::args.processes], dict(plan, mix=mix), start, stop, 1000 * n)
            for n in range(args.processes)]
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        pending = pool.map_async(drive, jobs)
        groups = groups_of(cluster, [process.pid for process in pool._pool])
        time.sleep(max(0, start - time.time()))
        before = cpu_snapshot(groups)
        time.sleep(max(0, stop - time.time()))
        after = cpu_snapshot(groups)
        results = pending.get(timeout=duration + warmup + 300)
    samples = [s for result in results for s in result[0] if start <= s[1] and s[2] <= stop]
    return samples, sum(result[1] for result in results), cores_used(before, after, duration)


def cpu_cost(cores, rate):
    """CPU milliseconds one served request cost each process group (cores kept busy × 1000 / requests per s)."""
    if not rate:
        return {}
    cost = {name: round(value * 1000 / rate, 1) for name, value in cores.items()
            if name not in ("machine busy", "other programs")}
    cost["app servers"] = round(sum(value for name, value in cost.items() if name.startswith("app")), 1)
    cost["cluster"] = round(sum(value for name, value in cost.items()
                                if not name.startswith("app") and name != "load driver") + cost["app servers"], 1)
    return cost


def capacity(cores, rate):
    """What the CPU figures say about capacity, whatever else ran on the machine.

    ``cluster_cores``: cores the cluster (and the driver) actually got; ``requests_per_cluster_core``: requests/s per
    such core; ``ceiling_requests_per_s``: the machine's cores divided by the CPU one request of the mix cost the
    cluster, i.e. the rate if the cluster had the whole machine (an estimate: it assumes the cost stays linear).
    """
    ours = round(cores["machine busy"] - cores["other programs"], 2)
    cost = cpu_cost(cores, rate).get("cluster")
    return {"cluster_cores": ours, "requests_per_cluster_core": round(rate / ours, 1) if ours else None,
            "ceiling_requests_per_s": round(os.cpu_count() * 1000 / cost, 1) if cost else None}


def measure(cluster, plan, args, label, pinned):
    """Drive the cluster with the mix; return the figures of the measured window."""
    samples, orders, cores = traffic(cluster, plan, args, MIX, args.warmup, args.duration)
    overall = figures(samples, args.duration)
    by_kind = {kind: figures([s for s in samples if s[0] == kind], args.duration) for kind in [*MIX, "sign-in"]}
    database = cluster.extra["database"]
    return {"label": label, "apps": len(cluster.apps), "pinned": pinned, **overall,
            "by_kind": {kind: value for kind, value in by_kind.items() if value["requests"]},
            "orders_acknowledged": orders,
            "orders_in_database": int(database.psql("SELECT count(*) FROM customer_order")),
            "cores_used": cores, "cpu_ms_per_request": cpu_cost(cores, overall["requests_per_s"]),
            **capacity(cores, overall["requests_per_s"]),
            "job_states": database.psql("SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status::text, "
                                        "count(*) AS n FROM procrastinate_jobs GROUP BY status ORDER BY status) c")}


def profile(cluster, plan, args):
    """Each kind of request alone for ``--profile`` seconds: what one request costs the app servers and PostgreSQL."""
    costs = {}
    for kind in MIX:
        samples, _orders, cores = traffic(cluster, plan, args, {kind: 1}, 3, args.profile)
        found = figures(samples, args.profile)
        cost = cpu_cost(cores, found["requests_per_s"])
        costs[kind] = {"requests_per_s": found["requests_per_s"], "p50_ms": found["p50_ms"],
                       "errors": found["errors"], "app_cpu_ms": cost.get("app servers"),
                       "postgresql_cpu_ms": cost.get("postgresql"), "cluster_cpu_ms": cost.get("cluster")}
        print(f"   profile {kind}: {costs[kind]}", flush=True)
    return costs


def configuration(apps, pinned, args):
    """Start a fresh cluster of ``apps`` app servers, drive it, stop it; return its figures."""
    label = f"{apps} app server{'s' if apps > 1 else ''}{', pinned' if pinned else ''}"
    print(f"== {label}: starting the cluster", flush=True)
    with cluster_tool.running(apps=apps, workers=args.workers) as cluster:
        plan = plan_for(cluster, prepare(cluster, args.connections // 4, vacuum=not args.no_vacuum))
        if pinned:
            pin(cluster)
        print(f"   driving {args.connections} visitors for {args.warmup}+{args.duration} s", flush=True)
        result = measure(cluster, plan, args, label, pinned)
        print(f"   {result['requests_per_s']} requests/s, p95 {result['p95_ms']} ms, {result['errors']} errors, "
              f"cores {result['cores_used']}", flush=True)
        if args.profile and apps == 1 and not pinned:
            result["profile"] = profile(cluster, plan, args)
    return result


# --- report -------------------------------------------------------------------------------------------------------

def table(result):
    """The results as Markdown tables (also printed)."""
    lines = ["| configuration | requests/s | p50 ms | p95 ms | p99 ms | errors | orders placed / in database | "
             "CPU ms per request: app servers | PostgreSQL | whole cluster | cores busy: app servers | PostgreSQL | "
             "load driver | other programs | machine | requests/s per cluster core | ceiling on the whole machine |",
             "|---" * 17 + "|"]
    for run in result["runs"]:
        cores, cost = run["cores_used"], run["cpu_ms_per_request"]
        apps = sum(value for name, value in cores.items() if name.startswith("app"))
        lines.append(f"| {run['label']} | {run['requests_per_s']} | {run['p50_ms']} | {run['p95_ms']} | "
                     f"{run['p99_ms']} | {run['errors']} | {run['orders_acknowledged']} / {run['orders_in_database']} "
                     f"| {cost.get('app servers')} | {cost.get('postgresql')} | {cost.get('cluster')} | {apps:.2f} | "
                     f"{cores['postgresql']} | {cores['load driver']} | {cores['other programs']} | "
                     f"{cores['machine busy']} | {run['requests_per_cluster_core']} | "
                     f"{run['ceiling_requests_per_s']} |")
    lines += ["", "| two app servers / one | requests/s | p95 | requests/s per cluster core | ceiling |",
              "|---|---|---|---|---|"]
    lines += [f"| {name} | {value['throughput']}× | {value['p95']}× | {value['per_core']}× | {value['ceiling']}× |"
              for name, value in result["ratios"].items()]
    profiled = next((run["profile"] for run in result["runs"] if run.get("profile")), None)
    if profiled:
        lines += ["", "Each kind of request alone on one app server: CPU milliseconds per request", "",
                  "| kind | requests/s | p50 ms | app server | PostgreSQL | whole cluster | errors |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {kind} | {value['requests_per_s']} | {value['p50_ms']} | {value['app_cpu_ms']} | "
                  f"{value['postgresql_cpu_ms']} | {value['cluster_cpu_ms']} | {value['errors']} |"
                  for kind, value in profiled.items()]
    two = next((run for run in result["runs"] if run["apps"] == 2 and not run["pinned"]), result["runs"][-1])
    lines += ["", f"Per kind of request in the mix ({two['label']}; a checkout counts its five requests):", "",
              "| kind | served/s | p50 ms | p95 ms | errors |", "|---|---|---|---|---|"]
    lines += [f"| {kind} | {value['requests_per_s']} | {value['p50_ms']} | {value['p95_ms']} | {value['errors']} |"
              for kind, value in two["by_kind"].items()]
    return "\n".join(lines) + "\n"


def ratios(runs):
    """Two servers over one: throughput and p95, for each pinning mode measured."""
    found = {}
    for pinned in (False, True):
        one = next((run for run in runs if run["apps"] == 1 and run["pinned"] == pinned), None)
        two = next((run for run in runs if run["apps"] == 2 and run["pinned"] == pinned), None)
        if one and two and one["requests_per_s"]:
            found["pinned" if pinned else "shared cores"] = {
                "throughput": round(two["requests_per_s"] / one["requests_per_s"], 2),
                "p95": round(two["p95_ms"] / one["p95_ms"], 2) if one["p95_ms"] else None,
                "per_core": round(two["requests_per_cluster_core"] / one["requests_per_cluster_core"], 2),
                "ceiling": round(two["ceiling_requests_per_s"] / one["ceiling_requests_per_s"], 2)}
    return found


def machine():
    """The processor's name and core count."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"cpu": model, "cores": os.cpu_count()}


def main():
    """Run each configuration, save and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=45, help="measured seconds per configuration (default 45)")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of traffic before measuring (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="simulated visitors (default 8)")
    parser.add_argument("--processes", type=int, default=2, help="driver processes (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server (default 2)")
    parser.add_argument("--apps", default="1,2", help="app server counts to measure (default 1,2)")
    parser.add_argument("--pinned", action="store_true", help="also measure with app server i pinned to core i")
    parser.add_argument("--profile", type=int, default=10,
                        help="seconds of each kind of request alone on one app server, for its CPU cost (0: skip)")
    parser.add_argument("--no-vacuum", action="store_true",
                        help="drive the cluster right after its bulk load, before autovacuum has run (the cold start)")
    parser.add_argument("--name", default="load_test", help="results file name (default load_test)")
    args = parser.parse_args()
    runs = []
    for pinned in (False, True) if args.pinned else (False,):
        runs += [configuration(int(apps), pinned, args) for apps in args.apps.split(",")]
    result = {"benchmark": args.name, "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "python": platform.python_version(), "machine": machine(),
              "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "visitors": args.connections,
                           "driver_processes": args.processes, "gunicorn_workers_per_app": args.workers,
                           "mix_weights": MIX, "buyer_accounts": args.connections // 4,
                           "vacuum_analyze_before": not args.no_vacuum},
              "runs": runs, "ratios": ratios(runs)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    text = table(result)
    (RESULTS / f"{args.name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

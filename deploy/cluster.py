"""Several app servers on one machine, as production runs them: ``make cluster``, the cluster test, the load test.

    .venv/bin/python deploy/cluster.py [--apps 2] [--workers 2] [--no-demo]

starts on loopback, each on a free port: a fresh PostgreSQL cluster (``deploy/loopback.py``), Redis, an S3
protocol server (moto's, standing in for the bucket), N gunicorn app servers in production mode with
``SEARCH_BACKEND=postgres``, ``JOB_QUEUE=procrastinate`` and ``MEDIA_STORAGE=s3``, one job worker, and HAProxy in
front (Debian's ``haproxy``: round robin, ``/readyz`` checked every second, idempotent requests retried on another
server when one fails). It migrates, loads the demo catalogue, builds the search documents, prints the addresses and
waits for Ctrl-C; everything stops and is deleted on exit.
"""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy import loopback  # noqa: E402

BIN = ROOT / ".venv" / "bin"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "cluster-key", "AWS_SECRET_ACCESS_KEY": "cluster-secret"}

HAPROXY = """
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 502 503 504
  option forwardfor
frontend web
  bind 127.0.0.1:{port}
  http-request disable-l7-retry unless METH_GET
  default_backend apps
backend apps
  balance roundrobin
  option httpchk
  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1
  default-server inter 1s fastinter 300ms downinter 1s fall 2 rise 2
{servers}
"""


@dataclass
class App:
    """One gunicorn app server."""

    name: str
    port: int
    process: subprocess.Popen

    @property
    def url(self):
        """Its own address (the proxy's is the cluster's)."""
        return f"http://127.0.0.1:{self.port}"

    def kill(self):
        """Kill it at once (master and workers), as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@dataclass
class Cluster:
    """What ``start`` brought up: the proxy's URL, the app servers, the settings they share."""

    url: str
    apps: list
    env: dict
    folder: Path
    worker: subprocess.Popen = None
    extra: dict = field(default_factory=dict)

    def flask(self, *args, check=True):
        """Run a ``flask`` command with the cluster's settings; return its stdout (a failure shows its stderr)."""
        done = subprocess.run([str(BIN / "flask"), "--app", "marketplace", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)
        if check and done.returncode:
            lines = "\n".join(line[:300] for line in done.stderr.splitlines()[-40:])  # SQL errors are long lines
            raise RuntimeError(f"flask {' '.join(args)} exited with {done.returncode}:\n{lines}")
        return done.stdout


def moto_server(folder):
    """Moto's S3 protocol server in its own process, with the cluster's bucket created."""
    port = loopback.free_port()
    with open(Path(folder) / "s3.log", "w") as log:  # the child keeps its own copy of the file
        process = subprocess.Popen([str(BIN / "python"), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=log)
    loopback.wait_for_port(port, process=process)
    endpoint = f"http://127.0.0.1:{port}"
    request = urllib.request.Request(f"{endpoint}/photos", method="PUT")  # moto accepts an unsigned CreateBucket
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - loopback only
    return process, endpoint


def settings(database_url, redis_url, s3_endpoint, public_url, folder):
    """The environment every app server and the worker share (production mode)."""
    env = dict(os.environ, MARKETPLACE_ENV="production", DATABASE_URL=database_url, REDIS_URL=redis_url,
               SECRET_KEY=secrets.token_hex(32), PUBLIC_URL=public_url, TRUSTED_PROXIES="1",
               SEARCH_BACKEND="postgres", JOB_QUEUE="procrastinate", MEDIA_STORAGE="s3", S3_BUCKET="photos",
               S3_ENDPOINT_URL=s3_endpoint, S3_REGION="us-east-1", S3_ADDRESSING_STYLE="path",
               SEARCH_INDEX_DIR=str(Path(folder) / "unused-index"), MAIL_OUTBOX=str(Path(folder) / "outbox"),
               **S3_KEYS)
    for name in ("TEST_DATABASE_URL", "FLASK_DEBUG", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        env.pop(name, None)
    return env


def start_app(name, env, folder, workers):
    """A gunicorn server of ``workers`` sync workers, in its own process group (so it can be killed whole)."""
    port = loopback.free_port()
    command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--access-logfile", "-", "--graceful-timeout", "5", "marketplace:create_app()"]
    with open(Path(folder) / f"{name}.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    loopback.wait_for_port(port, timeout=60, process=process)
    return App(name=name, port=port, process=process)


def start_proxy(apps, folder, port):
    """HAProxy on a port chosen beforehand (PUBLIC_URL names it before the app servers start)."""
    servers = "\n".join(f"  server {app.name} 127.0.0.1:{app.port} check" for app in apps)
    config = Path(folder) / "haproxy.cfg"
    config.write_text(HAPROXY.format(port=port, servers=servers))
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    with open(Path(folder) / "haproxy.log", "w") as log:
        process = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=log, stderr=log)
    loopback.wait_for_port(port, process=process)
    return process, port


def wait_ready(url, timeout=60):
    """Wait until ``url``/readyz answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as answer:  # noqa: S310 - loopback only
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} is not ready after {timeout}s")


def _stop(process, timeout=10):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def running(apps=2, workers=2, demo=True, folder=None):
    """Bring the whole cluster up for the block (yields a ``Cluster``); stop and delete everything after."""
    folder = Path(folder or tempfile.mkdtemp(prefix="ocop-cluster-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        database = loopback.postgres_primary(folder)
        stack.callback(database.stop)
        cache = loopback.redis(folder)
        stack.callback(cache.stop)
        s3, endpoint = moto_server(folder)
        stack.callback(_stop, s3)
        proxy_port = loopback.free_port()
        env = settings(database.url, cache.url, endpoint, f"http://127.0.0.1:{proxy_port}", folder)
        cluster = Cluster(url=f"http://127.0.0.1:{proxy_port}", apps=[], env=env, folder=folder,
                          extra={"database": database, "redis": cache, "s3": endpoint})
        cluster.flask("db", "upgrade")
        if demo:
            cluster.flask("demo", "load")
            cluster.flask("search", "reindex")
        for index in range(apps):
            app = start_app(f"app{index + 1}", env, folder, workers)
            stack.callback(app.kill)
            cluster.apps.append(app)
        with open(folder / "worker.log", "w") as log:
            cluster.worker = subprocess.Popen([str(BIN / "flask"), "--app", "marketplace", "jobs", "worker"],
                                              cwd=ROOT, env=env, stdout=log, stderr=log)
        stack.callback(_stop, cluster.worker)
        proxy, _port = start_proxy(cluster.apps, folder, proxy_port)
        stack.callback(_stop, proxy)
        for app in cluster.apps:
            wait_ready(app.url)
        wait_ready(cluster.url)
        yield cluster


def main():
    """Start the cluster, print where it is, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=2, help="app servers (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server (default 2)")
    parser.add_argument("--no-demo", action="store_true", help="start with an empty catalogue")
    args = parser.parse_args()
    with running(apps=args.apps, workers=args.workers, demo=not args.no_demo) as cluster:
        print(f"OCOP cluster on {cluster.url}  (HAProxy in front of {len(cluster.apps)} app servers)")
        for app in cluster.apps:
            print(f"  {app.name}: {app.url}  (gunicorn pid {app.process.pid})")
        print(f"  PostgreSQL: {cluster.env['DATABASE_URL']}\n  Redis: {cluster.env['REDIS_URL']}")
        print(f"  S3 (moto): {cluster.extra['s3']}  bucket photos\n  job worker pid {cluster.worker.pid}")
        print(f"  logs: {cluster.folder}\nDemo sign-in: password ocop-demo-2026 (see `flask demo info`). Ctrl-C stops.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopping…")


if __name__ == "__main__":
    main()

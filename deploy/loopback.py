"""Real services on loopback for the cluster demo (``make cluster``), the cluster and replica tests and the load test.

Each starter returns a handle with ``url`` and ``stop()``; everything lives in a temporary folder and listens on
free ports of 127.0.0.1, so nothing touches the machine's own services:

- ``postgres_primary(folder)`` and ``postgres_standby(primary, folder)``: Debian's PostgreSQL binaries run a fresh
  cluster and a streaming standby made by ``pg_basebackup -R`` (run as the ``postgres`` user when we are root,
  since PostgreSQL refuses to run as root);
- ``redis(folder)``: a ``redis-server`` keeping nothing on disk.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port():
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=30.0, process=None):
    """Wait until something accepts connections on ``port`` (fail early when ``process`` died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process {process.args!r} exited with {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def postgres_bin(name):
    """A PostgreSQL server binary (Debian keeps them out of PATH), newest version first."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if found is None:
        raise FileNotFoundError(f"PostgreSQL's {name} is not installed")
    return found


def _as_postgres(command):
    """Run as the ``postgres`` user when we are root; as ourselves otherwise."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _own(folder):
    """Give ``folder`` to the ``postgres`` user when we are root."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


@dataclass
class Postgres:
    """A PostgreSQL server of ours: its data folder and port."""

    data: Path
    port: int
    database: str = "ocop"
    log: Path = field(default=None)

    @property
    def url(self):
        """SQLAlchemy URL of its database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self):
        """Start the server and wait until it accepts connections."""
        command = [postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                   f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1", "start"]
        subprocess.run(_as_postgres(command), check=True, capture_output=True)
        wait_for_port(self.port)
        return self

    def stop(self):
        """Stop fast (open connections are ended)."""
        command = [postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_postgres(command), capture_output=True)

    def psql(self, sql, database=None):
        """Run one SQL statement with psql; return its output."""
        command = [postgres_bin("psql") if shutil.which("psql") is None else "psql", "-h", "127.0.0.1", "-p",
                   str(self.port), "-U", "postgres", "-d", database or self.database, "-Atqc", sql]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


PRIMARY_SETTINGS = """
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def postgres_primary(folder, database="ocop"):
    """A new PostgreSQL cluster on a free port with ``database`` created and replication allowed on loopback."""
    folder = _own(Path(folder))
    data, port = folder / "primary", free_port()
    initdb = [postgres_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C.UTF-8"]
    subprocess.run(_as_postgres(initdb), check=True, capture_output=True)
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(PRIMARY_SETTINGS)
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    server = Postgres(data=data, port=port, database=database, log=folder / "primary.log").start()
    server.psql(f"CREATE DATABASE {database}", database="postgres")
    return server


def postgres_standby(primary, folder):
    """A streaming standby of ``primary`` (``pg_basebackup -R``) on another free port, read-only."""
    folder = _own(Path(folder))
    data, port = folder / "standby", free_port()
    backup = [postgres_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D",
              str(data), "-R", "-X", "stream", "-c", "fast"]
    subprocess.run(_as_postgres(backup), check=True, capture_output=True)
    return Postgres(data=data, port=port, database=primary.database, log=folder / "standby.log").start()


@dataclass
class Redis:
    """A ``redis-server`` of ours."""

    process: subprocess.Popen
    port: int

    @property
    def url(self):
        """Its first database's URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        """Stop it."""
        self.process.terminate()
        self.process.wait(timeout=10)


def redis(folder):
    """A Redis server on a free loopback port, keeping nothing on disk."""
    port = free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
               "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process=process)
    return Redis(process=process, port=port)

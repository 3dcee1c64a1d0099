"""A safety net for the test suite: no test reaches a host outside this machine (SMTP, Stripe, anything else).

``socket.getaddrinfo`` (name resolution: smtplib, urllib3 under stripe-python, psycopg…) and
``socket.socket.connect``/``connect_ex`` (every TCP/UDP connection made from Python) refuse any address that is
not loopback. PostgreSQL and Redis on 127.0.0.1, the fake Stripe and the live server on 127.0.0.1, and
Playwright (which talks to its driver over pipes; chromium's own traffic is another process) are untouched.
The hosts of ``TEST_DATABASE_URL`` and ``TEST_REDIS_URL`` are allowed too, for CI services reached by name.
"""

import ipaddress
import os
import socket
from urllib.parse import urlsplit

import pytest

LOCAL_NAMES = frozenset({"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
#: Test services that may live on another host (their URLs are given to the suite explicitly).
SERVICE_URL_VARIABLES = ("TEST_DATABASE_URL", "TEST_REDIS_URL")


class OutsideConnectionError(pytest.fail.Exception):
    """A test tried to reach a host outside this machine.

    It is pytest's ``Failed`` (a ``BaseException``), so the test fails and library code catching ``Exception``
    (stripe-python turns any error of its HTTP client into ``APIConnectionError``) cannot swallow it.
    """


def service_hosts(environ=os.environ):
    """The host names of the test services named in the environment."""
    hosts = (urlsplit(environ[name]).hostname for name in SERVICE_URL_VARIABLES if environ.get(name))
    return {host.lower() for host in hosts if host}


class NetworkGuard:
    """Installs the refusing wrappers; remembers every refused attempt (even one that code swallowed)."""

    def __init__(self, allowed_hosts=()):
        self.allowed_hosts = {host.lower() for host in allowed_hosts}
        self.allowed_addresses = set()  #: what the allowed hosts resolved to
        self.attempts = []

    def is_local(self, host):
        """True for loopback (and unspecified) addresses, localhost and the allowed hosts."""
        if host is None:  # getaddrinfo(None, port): the local, passive address
            return True
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        host = str(host).strip("[]").split("%", 1)[0].lower()  # "[::1]", "fe80::1%eth0"
        if host in LOCAL_NAMES or host in self.allowed_hosts or host in self.allowed_addresses:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False  # any other name is outside
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        return address.is_loopback or address.is_unspecified

    def refuse(self, how, target):
        self.attempts.append((how, target))
        raise OutsideConnectionError(
            f"a test tried to reach {target!r} through {how}: tests stay on this machine "
            f"(mail goes to the outbox, Stripe to tests/support/fake_stripe.py on 127.0.0.1)")

    def install(self, monkeypatch):
        """Wrap the socket functions through ``monkeypatch`` (undone with it)."""
        guard = self
        real_getaddrinfo = socket.getaddrinfo
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex

        def getaddrinfo(host, *args, **kwargs):
            if not guard.is_local(host):
                guard.refuse("socket.getaddrinfo", host)
            results = real_getaddrinfo(host, *args, **kwargs)
            if host and str(host).lower() in guard.allowed_hosts:
                guard.allowed_addresses.update(str(result[4][0]).lower() for result in results)
            return results

        def check(sock, address, how):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not guard.is_local(address[0]):
                guard.refuse(how, address)

        def connect(sock, address):
            check(sock, address, "socket.connect")
            return real_connect(sock, address)

        def connect_ex(sock, address):
            check(sock, address, "socket.connect_ex")
            return real_connect_ex(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        return self

"""Pytest fixtures for the router lab and the fail-closed network guard.

Enable them from ``tests/conftest.py`` with ``from tests.lab.fixtures import *``.

* ``forbid_external_network`` (autouse): in-process sockets may only talk
  to loopback unless the test process itself runs inside a lab namespace,
  so a forgotten code path fails the test instead of sending SSDP multicast
  or a public-IP lookup onto the real network.
* ``lab`` (session): builds the lab once, tears it down at session end.
* ``router`` (function): resets the router to a variant (default: stock;
  ``@pytest.mark.parametrize("router", [RouterConfig(...)], indirect=True)``)
  and ends the test's spawned processes afterwards.
* ``pebble`` (function): Pebble, the test ACME CA, running in lab-wan on top
  of ``router`` (see :mod:`tests.lab.pebble`); ``indirect`` parameters are
  :class:`~tests.lab.pebble.PebbleCA` keyword arguments.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.guard import current_lab_netns
from tests.lab.links import prerequisites_missing
from tests.lab.pebble import PebbleCA, pebble_missing
from tests.lab.router import RouterConfig
from tests.lab.topology import Lab

__all__ = ["forbid_external_network", "lab", "pebble", "router"]


class ExternalNetworkError(OSError):
    """A test tried to reach a non-loopback address outside the lab."""


def _is_loopback(address: Any) -> bool:
    """True only for loopback IP destinations (and non-IP sockets)."""
    if isinstance(address, (str, bytes)):  # AF_UNIX path / abstract name
        return True
    if not isinstance(address, tuple) or not address:
        return False  # unknown form: fail closed
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False  # a hostname would need DNS: refuse
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise ExternalNetworkError(
            f"test tried to reach {address!r} outside the lab; run it inside a "
            "lab namespace (lab.run_python) or use loopback"
        )


@pytest.fixture(autouse=True)
def forbid_external_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse non-loopback connect/connect_ex/sendto/sendmsg outside the lab.

    The patched methods raise BEFORE the real call, so nothing is sent.
    miniupnpc's C code opens its own sockets: ``miniupnpc.UPnP`` is
    replaced by a refusing stub when the module is importable.
    """
    if current_lab_netns() is not None:
        return  # inside a lab namespace everything is allowed
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sendto = socket.socket.sendto
    real_sendmsg = socket.socket.sendmsg

    def connect(self: socket.socket, address: Any) -> None:
        _check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check(self, address)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        _check(self, args[-1])  # sendto(data, addr) or sendto(data, flags, addr)
        return real_sendto(self, data, *args)

    def sendmsg(self: socket.socket, buffers: Any, *args: Any) -> int:
        if len(args) >= 3 and args[2] is not None:  # (ancdata, flags, address)
            _check(self, args[2])
        return real_sendmsg(self, buffers, *args)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket.socket, "sendmsg", sendmsg)
    try:
        import miniupnpc
    except ImportError:
        return

    def refuse_upnp(*_args: Any, **_kwargs: Any) -> None:
        raise ExternalNetworkError("miniupnpc.UPnP() outside the lab namespaces")

    monkeypatch.setattr(miniupnpc, "UPnP", refuse_upnp)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The router lab, built once per session and always torn down."""
    reason = prerequisites_missing()
    if reason is not None:
        pytest.skip(reason)
    the_lab = Lab(tmp_path_factory.mktemp("lab"))
    try:
        the_lab.up()
        yield the_lab
    finally:
        the_lab.down()


@pytest.fixture
def router(lab: Lab, request: pytest.FixtureRequest) -> Iterator[Lab]:
    """The lab with its router reset to ``request.param`` (default: stock)."""
    config = getattr(request, "param", None) or RouterConfig()
    lab.reset(config)
    try:
        yield lab
    finally:
        lab.kill_spawned()


@pytest.fixture
def pebble(router: Lab, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[PebbleCA]:
    """Pebble started in lab-wan for one test, stopped afterwards."""
    reason = pebble_missing()
    if reason is not None:
        pytest.skip(reason)
    ca = PebbleCA(router, tmp_path / "pebble", **(getattr(request, "param", None) or {}))
    ca.start()
    try:
        yield ca
    finally:
        ca.stop()

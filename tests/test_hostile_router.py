"""A router that answers nonsense: UPnP description/SOAP, NAT-PMP and PCP.

Every fake router runs on 127.0.0.1. miniupnpc's C code opens its own
sockets, so the autouse network guard replaces ``miniupnpc.UPnP`` by a
refusing stub in this process; the tests that need the real miniupnpc (and
the NAT-PMP library, whose port 5351 is fixed) run in a private network
namespace holding only loopback (:func:`tests.hostile_support.run_isolated`):
nothing can leave the machine and no port collides with other test runs.

The standard: a :class:`RouterError` (or a failed port outcome, or the
doctor's router check) with a one-line message, within the configured
timeouts — never a traceback, never a hang.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netcore.checks.address import router_result
from netcore.checks.router_probe import RouterView, probe_router
from netcore.router import errors
from netcore.router.errors import RouterError
from netcore.router.pcp import PcpClient
from netcore.router.state import STATE_NAME, ForwardingState
from tests.hostile_support import (
    WAN_COMMON,
    WAN_IP,
    FakeHttp,
    FakeUdp,
    Reply,
    isolation_missing,
    one_line,
    root_description,
    run_isolated,
    soap_fault,
)

HANG_BOUND = 20.0  # far above every configured timeout here: only a hang exceeds it

needs_netns = pytest.mark.skipif(isolation_missing() is not None, reason=str(isolation_missing()))

IGD_OK = Reply(200, root_description([(WAN_IP, "/ctl")]), "text/xml")
# name -> routes of the fake IGD; "/root.xml" is the root description URL
NONSENSE: dict[str, dict[str, Reply]] = {
    "invalid_xml": {"/root.xml": Reply(200, b"<root><device><unclosed", "text/xml")},
    "no_wan_service": {
        "/root.xml": Reply(200, root_description([(WAN_COMMON, "/ctl")]), "text/xml")
    },
    "soap_fault_unknown_code": {
        "/root.xml": IGD_OK,
        "/ctl": Reply(500, soap_fault(899), "text/xml"),
    },
    "http_500_html": {"/root.xml": Reply(500, b"<html><body>Oops\n</body></html>", "text/html")},
    "soap_500_html": {
        "/root.xml": IGD_OK,
        "/ctl": Reply(500, b"<html><body>Oops\n</body></html>", "text/html"),
    },
    "silent": {"/root.xml": Reply(silent=True)},
    "soap_silent": {"/root.xml": IGD_OK, "/ctl": Reply(silent=True)},
}
NOT_AN_IGD = ["invalid_xml", "no_wan_service", "http_500_html"]

# Child code run in the private namespace: builds the fake router named by
# CASE, runs BODY, prints {"error": ..., "type": ..., ...} as JSON.
CHILD = """
import json, os, struct, sys, traceback
from tests.hostile_support import *
from tests.test_hostile_router import NONSENSE, natpmp_answer
from netcore.router.errors import RouterError
out = {}
def run(fn):
    try:
        out["value"] = repr(fn())
    except RouterError as exc:
        out["type"], out["code"], out["error"] = "RouterError", exc.code, str(exc)
    except BaseException as exc:
        out["type"], out["error"] = type(exc).__name__, traceback.format_exc()
"""


def child(body: str, timeout: float = HANG_BOUND) -> dict[str, Any]:
    """Run ``CHILD + body`` isolated; a hang shows as ``{"type": "hang"}``."""
    import subprocess

    try:
        return run_isolated(CHILD + body + "\nprint(json.dumps(out))\n", timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"type": "hang", "error": f"no answer within {timeout:g} s"}


def assert_router_error(out: dict[str, Any]) -> None:
    assert out.get("type") == "RouterError", out
    assert one_line(out["error"]), out
    assert "Traceback" not in out.get("stderr", ""), out["stderr"]


# ---------------------------------------------------------------- UPnP (real miniupnpc)

UPNP_BODY = """
with FakeHttp(NONSENSE[{case!r}]) as srv:
    from netcore.router.upnp import UpnpClient
    client = UpnpClient(200, "127.0.0.1")
    run(lambda: (client.connect(srv.base + "/root.xml"), client.external_ip()))
"""


@needs_netns
@pytest.mark.parametrize("case", sorted(NONSENSE))
def test_upnp_nonsense_gives_router_error(case: str) -> None:
    """Every nonsense answer ends as one RouterError line (connect or the first SOAP call)."""
    assert_router_error(child(UPNP_BODY.format(case=case)))


@needs_netns
def test_upnp_description_that_never_finishes_does_not_hang() -> None:
    body = """
with FakeHttp({"/root.xml": Reply(200, b"<?xml", "text/xml", trickle=0.3)}) as srv:
    from netcore.router.upnp import UpnpClient
    run(lambda: UpnpClient(200, "127.0.0.1").connect(srv.base + "/root.xml"))
"""
    assert_router_error(child(body, timeout=12))


@needs_netns
@pytest.mark.parametrize("case", NOT_AN_IGD)
def test_upnp_connect_refuses_a_url_that_is_not_an_igd(case: str) -> None:
    body = f"""
with FakeHttp(NONSENSE[{case!r}]) as srv:
    from netcore.router.upnp import UpnpClient
    run(lambda: UpnpClient(200, "127.0.0.1").connect(srv.base + "/root.xml"))
"""
    out = child(body)
    assert_router_error(out)
    assert out["code"] == errors.NO_ROUTER


FORWARD_BODY = """
from netcore.forwarding import Forwarder
from netcore.router.state import ForwardingState
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
import tempfile, pathlib
root = pathlib.Path(tempfile.mkdtemp())
config = Config()
config.network.upnp_discover_ms = 200
config.network.natpmp_timeout = 0.3
for name, mapping in config.ports.items():
    mapping.enabled = name == "submission"
paths = DataPaths(root)
with FakeHttp(NONSENSE[{case!r}]) as srv, FakeUdp(natpmp_answer({natpmp!r}), 5351):
    ForwardingState(igd_url=srv.base + "/root.xml").save(paths.state / "forwarding.json")
    fwd = Forwarder(config, paths, gateway="127.0.0.1", lan_ip="127.0.0.1")
    def apply():
        report = fwd.apply()
        out["outcomes"] = [(o.status, o.code, o.message) for o in report.outcomes]
        return report.exit_code()
    run(apply)
"""


def natpmp_answer(kind: str) -> Callable[[bytes], bytes | None]:
    """A NAT-PMP server's answer function (RFC 6886 layout) for ``kind``."""

    def answer(req: bytes) -> bytes | None:
        if kind == "silent":
            return None
        if kind == "garbage":  # version 9, opcode 5, "success", ports 0xffff
            return b"\x09\x05\x00\x00" + b"\xff" * 12
        if kind == "short":
            return b"\x00\x81\x00"
        opcode = req[1] if len(req) > 1 else 0
        if kind == "wrong_opcode" and len(req) >= 12:
            # a public-address answer (opcode 128, 12 bytes) to a map request
            return struct.pack("!BBHI4s", 0, 128, 0, 1, bytes([203, 0, 113, 2]))
        if kind == "result_99" and len(req) >= 12:
            _v, _op, _r, internal, external, _life = struct.unpack("!BBHHHI", req[:12])
            return struct.pack("!BBHIHHI", 0, 128 + opcode, 99, 1, internal, external, 60)
        return None

    return answer


@needs_netns
@pytest.mark.parametrize(
    ("case", "natpmp"),
    [("soap_fault_unknown_code", "silent"), ("invalid_xml", "result_99"), ("silent", "silent")],
)
def test_forwarder_apply_reports_nonsense_as_failed_ports(case: str, natpmp: str) -> None:
    """`ports apply` against nonsense: each port fails with one line, no exception."""
    out = child(FORWARD_BODY.format(case=case, natpmp=natpmp))
    assert out.get("value") == "2", out
    assert out["outcomes"] and all(s == "failed" and one_line(m) for s, _c, m in out["outcomes"])


@needs_netns
@pytest.mark.parametrize("natpmp", ["short", "wrong_opcode"])
def test_forwarder_apply_survives_malformed_natpmp(natpmp: str) -> None:
    out = child(FORWARD_BODY.format(case="silent", natpmp=natpmp))
    assert out.get("value") == "2", out
    assert all(s == "failed" and one_line(m) for s, _c, m in out["outcomes"])


NATPMP_BODY = """
from netcore.router.natpmp import NatPmpClient
with FakeUdp(natpmp_answer({kind!r}), 5351):
    run(lambda: NatPmpClient("127.0.0.1", 0.3).map("TCP", 1234, 1234, 60))
"""


@needs_netns
@pytest.mark.parametrize("kind", ["silent", "result_99"])
def test_natpmp_nonsense_gives_router_error(kind: str) -> None:
    assert_router_error(child(NATPMP_BODY.format(kind=kind)))


@needs_netns
@pytest.mark.parametrize("kind", ["garbage", "short", "wrong_opcode"])
def test_natpmp_malformed_answer_gives_router_error(kind: str) -> None:
    assert_router_error(child(NATPMP_BODY.format(kind=kind)))


# ---------------------------------------------------------------- PCP (pure Python, in-process)


def pcp_answer(kind: str) -> Callable[[bytes], bytes | None]:
    """A PCP server's answer function for ``kind`` (RFC 6887 MAP layout)."""

    def answer(req: bytes) -> bytes | None:
        nonce = req[24:36]
        body = nonce + req[36:60]
        if kind == "silent":
            return None
        if kind == "garbage":
            return os.urandom(60)
        if kind == "short":
            return b"\x02\x81\x00\x00"
        if kind == "wrong_opcode":
            return struct.pack("!BBBBII12x", 2, 0x82, 0, 0, 60, 1) + body
        if kind == "wrong_nonce":
            return struct.pack("!BBBBII12x", 2, 0x81, 0, 0, 60, 1) + os.urandom(12) + req[36:60]
        if kind == "wrong_version":
            return struct.pack("!BBBBII12x", 9, 0x81, 0, 0, 60, 1) + body
        if kind == "result_99":
            return struct.pack("!BBBBII12x", 2, 0x81, 0, 99, 60, 1) + body
        raise AssertionError(kind)

    return answer


def bounded(fn: Callable[[], Any], limit: float = HANG_BOUND) -> Any:
    """``fn()`` in a thread; fail (instead of hanging the suite) past ``limit``."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the test
            box["exc"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"no answer within {limit:g} s (hang)"
    if "exc" in box:
        raise box["exc"]
    return box.get("value")


@pytest.mark.parametrize(
    "kind",
    ["silent", "garbage", "short", "wrong_opcode", "wrong_nonce", "wrong_version", "result_99"],
)
def test_pcp_nonsense_gives_router_error(kind: str) -> None:
    with FakeUdp(pcp_answer(kind)) as fake:
        client = PcpClient("127.0.0.1", 0.3, port=fake.port)
        with pytest.raises(RouterError) as info:
            bounded(lambda: client.map("TCP", 1234, 1234, 60))
    assert one_line(str(info.value))
    expected = errors.NETWORK if kind == "result_99" else errors.NO_ROUTER
    assert info.value.code == expected
    assert fake.received  # it did ask


# ---------------------------------------------------------------- the doctor's router probe


def probe(tmp_path: Path, url: str, limit: float = HANG_BOUND) -> RouterView:
    ForwardingState(igd_url=url).save(tmp_path / STATE_NAME)
    # gateway "": no NAT-PMP; SSDP multicast is refused by the network guard
    view: RouterView = bounded(
        lambda: probe_router("", discover_s=0.2, natpmp_s=0.2, http_s=1.0, state_dir=tmp_path),
        limit,
    )
    return view


@pytest.mark.parametrize("case", ["invalid_xml", "http_500_html"])
def test_doctor_probe_reports_a_remembered_url_that_answers_nonsense(
    tmp_path: Path, case: str
) -> None:
    with FakeHttp(NONSENSE[case]) as fake:
        view = probe(tmp_path, fake.base + "/root.xml")
    reasons = dict(view.errors)
    assert not view.upnp
    assert one_line(reasons["remembered"]) and fake.base in reasons["remembered"]
    result = router_result(view, "")
    assert result.status == "warn" and one_line(result.finding)


def test_doctor_probe_does_not_hang_on_a_description_that_never_finishes(tmp_path: Path) -> None:
    # one byte every 50 ms: never silent for the 0.2 s read timeout
    with FakeHttp({"/root.xml": Reply(200, b"<?xml", "text/xml", trickle=0.05)}) as fake:
        view = probe(tmp_path, fake.base + "/root.xml", limit=8)
    assert one_line(dict(view.errors)["remembered"])


@needs_netns
def test_doctor_probe_does_not_call_a_non_igd_device_cgnat() -> None:
    body = """
import tempfile, pathlib
from netcore.checks.address import router_result
from netcore.checks.router_probe import probe_router
from netcore.router.state import ForwardingState
state = pathlib.Path(tempfile.mkdtemp())
with FakeHttp(NONSENSE["no_wan_service"]) as srv:
    ForwardingState(igd_url=srv.base + "/root.xml").save(state / "forwarding.json")
    view = probe_router("127.0.0.1", discover_s=0.2, natpmp_s=0.2, http_s=1.0,
                        state_dir=state)
    result = router_result(view, "127.0.0.1")
    out["status"], out["finding"] = result.status, result.finding
"""
    out = child(body)
    assert out["status"] == "warn", out
    assert one_line(out["finding"]) and "external address" not in out["finding"], out

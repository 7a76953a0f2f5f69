"""``pmemail serve`` keeps the A record current: a real server, an echo stub, a dyndns2 server.

The public address comes from an echoip stub on loopback the test changes;
the provider is the test dyndns2 server. Nothing leaves loopback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pmemail.serve.dyndns_service import DyndnsService
from tests.config_factory import make_config
from tests.dashboard_support import PUBLIC_IP, EchoStub
from tests.dyndns_support import PASSWORD, USER, DyndnsServer
from tests.serve_support import Server, ServeSetup, pmemail
from tests.status_support import DYNDNS_KEYS

HOST = "mail.example.test"  # serve_support's mail.hostname: the default name updated


def serve_setup(root: Path, echo: EchoStub, provider: DyndnsServer, **dyndns: Any) -> ServeSetup:
    setup = ServeSetup(
        root,
        overrides={
            "isp": {"fixed_ip": "no"},
            "network": {"echo_url": [echo.url], "http_timeout": 2.0},
            "dyndns": {
                "provider": "custom",
                "server": provider.url,
                "username": USER,
                "password": PASSWORD,
                "interval": 0.1,
                "retry": 0.0,
            }
            | dyndns,
        },
    )
    setup.write()
    return setup


def status(setup: ServeSetup) -> dict[str, Any]:
    result = pmemail(setup, "status", "--json")
    assert result.returncode == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_serve_updates_on_change_only(
    tmp_path: Path, echo: EchoStub, provider: DyndnsServer
) -> None:
    """The first address, then a change: two updates, none while the address stays."""
    setup = serve_setup(tmp_path, echo, provider)
    server = Server(setup)
    try:
        server.wait_ready()
        server.until("first update", lambda: provider.records.get(HOST) == echo.address)
        echo.address = "198.51.100.20"
        server.until("update after the change", lambda: provider.records.get(HOST) == echo.address)
        seen = status(setup)["dyndns"]["checked_at"]
        # several more looks at the unchanged address
        server.until("more looks", lambda: status(setup)["dyndns"]["checked_at"] > seen + 0.5)
        doc = status(setup)
        assert provider.count() == 2
        dyn = doc["dyndns"]
        assert set(dyn) == DYNDNS_KEYS
        assert dyn["sent_address"] == "198.51.100.20" and dyn["last_answer"] == "good"
        assert dyn["wanted"] is True and dyn["address"] == "198.51.100.20"
        assert "dyndns" in {s["name"] for s in doc["services"]}
        code, err = server.terminate()
    finally:
        server.kill()
    assert code == 0 and "Traceback" not in err
    log = (setup.data / "logs" / "pmemail.log").read_text()
    assert "dynamic DNS updated to 198.51.100.20" in log
    history = (setup.data / "state" / "ip_history.jsonl").read_text()
    assert "203.0.113.7" in history and "198.51.100.20" in history


def test_serve_stops_after_badauth(tmp_path: Path, echo: EchoStub, provider: DyndnsServer) -> None:
    """A wrong password: one request, then none however often the address is looked at."""
    setup = serve_setup(tmp_path, echo, provider, password="wrong")
    server = Server(setup)
    try:
        server.wait_ready()
        server.until("the refusal", lambda: status(setup)["dyndns"]["stopped"])
        seen = status(setup)["dyndns"]["checked_at"]
        echo.address = "198.51.100.21"  # even a new address is not sent
        server.until("more looks", lambda: status(setup)["dyndns"]["checked_at"] > seen + 0.5)
        assert provider.count() == 1
        assert status(setup)["dyndns"]["last_answer"] == "badauth"
    finally:
        server.kill()


def test_status_has_dyndns_key_when_off(tmp_path: Path) -> None:
    """Without [dyndns] settings: no service, no look at the internet, the key still there."""
    setup = ServeSetup(tmp_path)
    setup.write()
    server = Server(setup)
    try:
        server.wait_ready()
        doc = status(setup)
        assert doc["dyndns"]["wanted"] is False and doc["dyndns"]["reason"] == "not_dynamic"
        assert doc["dyndns"]["checked_at"] is None
        assert "dyndns" not in {s["name"] for s in doc["services"]}
    finally:
        server.kill()


def test_serve_waits_30_minutes_after_911(
    tmp_path: Path, echo: EchoStub, provider: DyndnsServer
) -> None:
    """911: the next try waits at least 30 minutes, whatever dyndns.retry says; a new
    address meanwhile is not sent."""
    provider.script = [(200, "911")]
    setup = serve_setup(tmp_path, echo, provider)
    server = Server(setup)
    try:
        server.wait_ready()
        server.until("the 911", lambda: status(setup)["dyndns"]["last_answer"] == "911")
        dyn = status(setup)["dyndns"]
        assert dyn["next_try"] >= dyn["last_attempt"] + 1800 and not dyn["stopped"]
        echo.address = "198.51.100.22"
        seen = dyn["checked_at"]
        server.until("more looks", lambda: status(setup)["dyndns"]["checked_at"] > seen + 0.5)
        assert provider.count() == 1 and status(setup)["dyndns"]["address"] == echo.address
    finally:
        server.kill()


def test_router_address_only_when_read_since_the_echo_answered(
    tmp_path: Path, echo: EchoStub
) -> None:
    """The echo services' answer first; when they fail, the router's address only if
    the monitor read it since they last answered: an older reading may predate the
    change they saw, and sending it would put the record back on the old address."""
    router = {"address": PUBLIC_IP}
    made = make_config(tmp_path, {"network": {"echo_url": [echo.url], "http_timeout": 2.0}})
    service = DyndnsService(made.config, made.paths, lambda: router["address"])
    assert service.look() == PUBLIC_IP
    echo.address = "198.51.100.20"  # the ISP moved it; the monitor has not looked since
    assert service.look() == "198.51.100.20"
    echo.address = "no address"  # the echo services fail
    assert service.look() == ""  # the router's reading is older than their last answer
    router["address"] = "198.51.100.20"  # the monitor's next check
    assert service.look() == "198.51.100.20" and service.address == "198.51.100.20"
    # echo services that never answered: the router's address is all there is
    fresh = DyndnsService(made.config, made.paths, lambda: router["address"])
    assert fresh.look() == "198.51.100.20"

"""The dashboard's UI-free data and actions against a real ``pmemail serve`` on loopback."""

from __future__ import annotations

import smtplib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.queue.store import QueueStore
from pmemail.app.action_result import ActionError
from pmemail.app.forwarding_actions import forward_all, remove_mappings
from pmemail.app.network_snapshot import network_snapshot
from pmemail.app.queue_actions import retry_queue
from pmemail.app.server_process import restart_server, start_server, stop_server
from pmemail.app.status_snapshot import LocalProbe, mail_counters, tail_lines
from pmemail.config import Config, load_config
from pmemail.config.paths import DataPaths
from tests.dashboard_support import PUBLIC_IP, EchoStub, dashboard_setup, kill_detached
from tests.lab import Lab
from tests.lab.constants import ISP_IP, NS_LAN
from tests.serve_support import Server, ServeSetup


@pytest.fixture
def setup(tmp_path: Path, echo: EchoStub) -> Iterator[ServeSetup]:
    s = dashboard_setup(tmp_path, echo.url)
    try:
        yield s
    finally:
        kill_detached(s)


def _load(setup: ServeSetup) -> tuple[Config, DataPaths]:
    config = load_config(setup.config)
    return config, DataPaths.from_config(config, setup.config)


def _queue_one(setup: ServeSetup, tmp_path: Path) -> None:
    message = tmp_path / "m.eml"
    message.write_bytes(b"From: a@example.test\r\nSubject: x\r\n\r\nhello\r\n")
    QueueStore(DataPaths.from_config(load_config(setup.config), setup.config).queue).add(
        message, "a@example.test", ["b@remote.test"]
    )


def test_tail_lines(tmp_path: Path) -> None:
    """The last lines of a file, a cut first line dropped, [] for a missing file."""
    log = tmp_path / "x.log"
    assert tail_lines(log, 5) == []
    log.write_text("".join(f"line {i}\n" for i in range(100_000)))
    assert tail_lines(log, 3) == ["line 99997", "line 99998", "line 99999"]
    assert all(ln.startswith("line ") for ln in tail_lines(log, 10_000))


def test_mail_counters_sum_services() -> None:
    """accepted is summed over SMTP listeners; delivered/deferred come from their services."""
    counters = mail_counters(
        [
            {"name": "smtp", "accepted": 2},
            {"name": "submission", "accepted": 3},
            {"name": "delivery", "delivered": 4},
            {"name": "queue", "delivered": 1, "deferred": 5, "bounced": 6, "last_run": 10.0},
        ]
    )
    assert (
        counters.accepted,
        counters.delivered_local,
        counters.delivered_remote,
        counters.deferred,
        counters.bounced,
        counters.queue_last_run,
    ) == (5, 4, 1, 5, 6, 10.0)


def test_local_snapshot_stopped_then_running(setup: ServeSetup, tmp_path: Path) -> None:
    """Without a server: a reason and the queue from disk; with one: services and process facts."""
    _queue_one(setup, tmp_path)
    config, paths = _load(setup)
    probe = LocalProbe(config, paths)
    snap = probe.snapshot()
    assert not snap.running and snap.reason == "pmemail serve is not running"
    assert snap.queue.messages == 1 and snap.queue.recipients == 1
    assert {p.name: p.listening for p in snap.ports}["smtp"] is False
    server = Server(setup)
    try:
        server.wait_ready()
        with smtplib.SMTP("127.0.0.1", setup.ports["smtp"], timeout=10) as client:
            client.noop()
        snap = probe.snapshot()
        assert snap.running, snap.reason
        assert snap.process is not None and snap.process.pid == server.proc.pid
        assert snap.process.memory > 0
        states = {s["name"]: s["state"] for s in snap.services}
        assert states and set(states.values()) == {"running"}, states
        smtp = next(s for s in snap.services if s["name"] == "smtp")
        assert smtp["connections_total"] == 1
        listening = {p.name: p.listening for p in snap.ports}
        assert listening["smtp"] is True and listening["pop3"] is True
        assert listening["remote_desktop"] is None  # another PC's port
        assert any("pmemail serve running" in ln for ln in snap.log_lines)
    finally:
        server.terminate()


def test_network_snapshot_without_router(setup: ServeSetup, echo: EchoStub) -> None:
    """No router (the guard refuses UPnP): a reason; the echo stub gives address and reach."""
    config, paths = _load(setup)
    echo.reachable = {25}
    snap = network_snapshot(config, paths)
    assert snap.router == "" and snap.router_error
    assert snap.public_address == PUBLIC_IP and not snap.address_changed
    reach = {p.name: p for p in snap.ports}
    assert reach["smtp"].reachable is True
    assert reach["imap"].reachable is False
    assert (
        reach["imap"].mapped is None and reach["imap"].mapped_words("en") == "router not readable"
    )
    echo.address = "203.0.113.8"
    snap = network_snapshot(config, paths)
    assert snap.address_changed and snap.public_address == "203.0.113.8"
    assert [o.address for o in snap.history] == [PUBLIC_IP, "203.0.113.8"]


def test_router_actions_fail_cleanly_without_router(setup: ServeSetup) -> None:
    """Forward all / remove: one-line ActionError, no traceback, when no router answers."""
    config, paths = _load(setup)
    for action in (forward_all, remove_mappings):
        with pytest.raises(ActionError, match=r"^cannot (forward|remove)"):
            action(config, paths)


def test_start_stop_restart_detached(setup: ServeSetup) -> None:
    """Start (detached, not our child), refuse a second start, restart, stop."""
    import psutil

    config, paths = _load(setup)
    started = start_server(config, setup.config, paths)
    pid = int(started.message.rsplit("pid ", 1)[1].rstrip(")"))
    assert psutil.Process(pid).ppid() != psutil.Process().pid  # detached
    with pytest.raises(ActionError, match="already running"):
        start_server(config, setup.config, paths)
    restarted = restart_server(config, setup.config, paths)
    assert restarted.details[0] == f"pmemail serve stopped (pid {pid})"
    stopped = stop_server(config, paths)
    assert stopped.message.startswith("pmemail serve stopped")
    with pytest.raises(ActionError, match="not running"):
        stop_server(config, paths)


def test_start_failure_is_one_line(setup: ServeSetup) -> None:
    """A port already taken: start reports the server's own one-line reason."""
    import socket

    config, paths = _load(setup)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", setup.ports["pop3"]))
        busy.listen()
        with pytest.raises(ActionError, match=r"exited at once: .*pop3") as err:
            start_server(config, setup.config, paths)
    assert "Traceback" not in str(err.value)


def test_retry_queue_with_and_without_server(setup: ServeSetup, tmp_path: Path) -> None:
    """Stopped: the queue directory is changed; running: the server retries at once."""
    _queue_one(setup, tmp_path)
    _config, paths = _load(setup)
    result = retry_queue(paths)
    assert result.message == "1 recipient(s) will be retried when pmemail serve runs"
    server = Server(setup)
    try:
        server.wait_ready()
        result = retry_queue(paths)
        assert result.message.endswith("recipient(s) are being retried now"), result
    finally:
        server.terminate()


# ---------------------------------------------------------------- lab
LOCAL = {
    "smtp": (25, 12525),
    "submission": (1234, 11234),
    "imap": (143, 11143),
    "pop3": (110, 11110),
    "webmail": (80, 18080),
    "https": (443, 18443),
}


@pytest.mark.lab
def test_forward_and_remove_in_lab(router: Lab, tmp_path: Path) -> None:
    """In lab-lan: forward all maps every local port, the snapshot sees them mapped and
    reachable from lab-wan with a lease; remove takes them away again."""
    router.serve_banner(NS_LAN, [internal for _ext, internal in LOCAL.values()], name="mailsrv")
    lines = [f'data_dir = "{tmp_path / "data"}"']
    for name, (ext, internal) in LOCAL.items():
        lines += [f"[ports.{name}]", f"external = {ext}", f"internal = {internal}"]
    lines += [
        "[ports.remote_desktop]",
        "enabled = false",
        "[network]",
        f'echo_url = ["http://{ISP_IP}"]',
        "upnp_discover_ms = 300",
        "natpmp_timeout = 0.5",
        "http_timeout = 3.0",
        "lease_seconds = 3600",
    ]
    config = tmp_path / "pmemail.toml"
    config.write_text("\n".join(lines) + "\n")
    out = router.run_python(
        NS_LAN, "tests.dashboard_support:lab_router_cycle", str(config), timeout=90
    )
    assert out["forward"]["ok"], out["forward"]
    assert out["forward"]["message"] == "forwarded 6 of 6 port(s)"
    after = out["after_forward"]
    assert after["router"].startswith("UPnP IGD http://192.168.2.1"), after
    assert after["router_address"] == "203.0.113.2" and after["public"] == "203.0.113.2"
    for name, port in after["ports"].items():
        assert port["mapped"] is True and port["reachable"] is True, (name, port)
        assert 0 < port["lease_left"] <= 3600
    assert out["remove"]["message"] == "removed 6 of 6 port(s)"
    for name, port in out["after_remove"]["ports"].items():
        assert port["mapped"] is False and port["reachable"] is False, (name, port)
        assert port["why"] == "not in the router's table"


def test_support_module_importable_in_subprocess() -> None:
    """lab.run_python imports tests.dashboard_support by name: it must import cleanly."""
    import subprocess

    res = subprocess.run(
        [sys.executable, "-c", "import tests.dashboard_support"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr

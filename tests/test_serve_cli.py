"""``pmemail serve``, ``status`` and ``service install`` as real processes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmemail.app.init_setup import UNPRIVILEGED_PORTS
from pmemail.serve.control import query_control_sync
from tests.serve_support import EXTERNAL, Server, ServeSetup, pmemail
from tests.status_support import PUBLISHED, PUBLISHED_TOP


@pytest.fixture
def setup(tmp_path: Path) -> ServeSetup:
    s = ServeSetup(tmp_path)
    s.write()
    return s


@pytest.fixture
def server(setup: ServeSetup) -> Iterator[Server]:
    srv = Server(setup)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.kill()


def test_sigterm_stops_cleanly(setup: ServeSetup, server: Server) -> None:
    """SIGTERM: exit 0, pid file and control socket removed, the log file written."""
    assert setup.pidfile.read_text().strip() == str(server.proc.pid)
    assert stat.S_IMODE(setup.socket.stat().st_mode) == 0o600
    code, err = server.terminate()
    assert code == 0, err
    assert "Traceback" not in err
    assert not setup.pidfile.exists()
    assert not setup.socket.exists()
    log = (setup.data / "logs" / "pmemail.log").read_text()
    assert "received SIGTERM" in log and "stopped" in log


def test_status_json(setup: ServeSetup, server: Server) -> None:
    """status --json reports the pid, uptime and every service with its state."""
    result = pmemail(setup, "status", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["pid"] == server.proc.pid
    assert doc["uptime"] >= 0
    for service in doc["services"]:
        assert service["state"] == "running", service
    services = {s["name"]: s for s in doc["services"]}
    assert list(services)[:2] == ["delivery", "queue"]  # start order: committer first
    for name in ("smtp", "submission", "imap", "pop3"):
        assert services[name]["port"] == setup.ports[name]
        assert services[name]["connections"] == 0
    assert services["webmail"]["state"] == "running"
    assert services["smtp"]["accepted"] == 0
    assert services["queue"]["queue_length"] == 0
    assert {"delivered", "deferred", "bounced"} <= set(services["queue"])
    assert "router" not in services and "collector" not in services  # both off here
    text = pmemail(setup, "status")
    assert text.returncode == 0
    assert f"pid {server.proc.pid}" in text.stdout
    # in French the sentences and the states; the fields are the --json keys (data)
    french = pmemail(setup, "--lang", "fr", "status").stdout.splitlines()
    assert french[0].startswith(f"pmemail serve : en marche, pid {server.proc.pid}, depuis ")
    assert all(line.split()[1:3] == ["en", "marche"] for line in french[1:]), french


def test_status_json_keeps_published_keys(setup: ServeSetup, server: Server) -> None:
    """status --json is a published interface: every key released so far is still sent."""
    doc = json.loads(pmemail(setup, "status", "--json").stdout)
    assert set(doc) >= PUBLISHED_TOP
    sent = {s["name"]: set(s) for s in doc["services"]}
    assert list(sent) == ["delivery", "queue", "smtp", "submission", "imap", "pop3", "webmail"]
    for name, keys in sent.items():
        assert keys >= PUBLISHED[name], (name, PUBLISHED[name] - keys)
        # a key added to a shape is added to PUBLISHED too: from then on it is published
        assert keys == PUBLISHED[name], (name, keys - PUBLISHED[name])


def test_second_server_refused(setup: ServeSetup, server: Server) -> None:
    """A second serve on the same data dir exits 2 naming the running pid."""
    result = pmemail(setup, "serve")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"pmemail: pmemail serve is already running (pid {server.proc.pid}, "
        f"pid file {setup.pidfile})"
    )
    assert (server.proc.poll()) is None


def test_stop_over_control_socket(setup: ServeSetup, server: Server) -> None:
    """queue_retry reaches the queue runner; {"cmd": "stop"} ends the server like SIGTERM."""
    assert query_control_sync(setup.socket, {"cmd": "queue_retry"}) == {
        "ok": True,
        "service": "queue",
        "result": 0,
    }
    assert query_control_sync(setup.socket, {"cmd": "stop"}) == {"ok": True, "stopping": True}
    assert server.proc.wait(timeout=30) == 0
    assert not setup.pidfile.exists()


def test_status_when_not_running(setup: ServeSetup) -> None:
    """No server: one line, exit 3; a stale socket file counts as not running."""
    result = pmemail(setup, "status")
    assert result.returncode == 3
    assert result.stderr.strip() == (
        f"pmemail: pmemail serve is not running (no server on {setup.socket})"
    )
    setup.data.mkdir(parents=True, exist_ok=True)
    with socket.socket(socket.AF_UNIX) as sock:  # bound, never listening: like after kill -9
        sock.bind(str(setup.socket))
    assert pmemail(setup, "status", "--json").returncode == 3


def test_stale_pidfile_after_kill(setup: ServeSetup) -> None:
    """After kill -9 the leftover pid file and socket do not block the next start."""
    first = Server(setup)
    first.wait_ready()
    first.kill()
    assert setup.pidfile.exists()
    second = Server(setup)
    try:
        second.wait_ready()
        assert setup.pidfile.read_text().strip() == str(second.proc.pid)
        assert f"previous server (pid {first.proc.pid}) did not stop cleanly" in second.stderr()
    finally:
        code, err = second.terminate()
    assert code == 0, err


def test_service_install_print(setup: ServeSetup) -> None:
    """--print shows a unit with an absolute ExecStart and the config path."""
    result = pmemail(setup, "service", "install", "--print")
    assert result.returncode == 0, result.stderr
    unit = result.stdout
    exec_line = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    program = exec_line.removeprefix("ExecStart=").split()[0]
    assert os.path.isabs(program) and os.access(program, os.X_OK)
    assert f"--config {setup.config} serve" in exec_line
    assert "Restart=on-failure" in unit
    assert "LimitNOFILE=65536" in unit  # room for every listener's connection cap
    assert "WantedBy=multi-user.target" in unit


def test_service_install_user(setup: ServeSetup, tmp_path: Path) -> None:
    """--user writes ~/.config/systemd/user/pmemail.service and refuses to overwrite."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}

    cmd = [
        sys.executable,
        "-m",
        "pmemail",
        "--config",
        str(setup.config),
        "service",
        "install",
        "--user",
    ]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    unit = tmp_path / "xdg" / "systemd" / "user" / "pmemail.service"
    assert "WantedBy=default.target" in unit.read_text()
    assert "systemctl --user daemon-reload && systemctl --user enable --now pmemail" in first.stdout
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
        )
        assert verify.returncode == 0, verify.stderr


def _last_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    return stderr.strip().splitlines()[-1]


def test_port_in_use_names_the_holder(setup: ServeSetup) -> None:
    """A taken port: exit 2, one line with the port and the holding pid; nothing left over."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", setup.ports["pop3"]))
        holder.listen()
        result = pmemail(setup, "serve")
    assert result.returncode == 2
    line = _last_line(result.stderr)
    assert line.startswith("pmemail: pop3: cannot listen on 127.0.0.1:"), line
    assert f"port {setup.ports['pop3']} is already in use by process {os.getpid()} (" in line
    assert not setup.pidfile.exists() and not setup.socket.exists()
    log = (setup.data / "logs" / "pmemail.log").read_text()
    assert "startup failed" in log and "stopping delivery" in log


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="needs root to drop to nobody with setpriv",
)
def test_low_port_as_non_root_suggests_unprivileged() -> None:
    """Ports below 1024 without root: permission denied + the unprivileged way out."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="pmemail-serve-nobody-"))
    try:
        root.chmod(0o777)
        setup = ServeSetup(root, ports={"smtp": 25, "imap": 143, "pop3": 110})
        setup.write()
        setup.config.chmod(0o644)
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "pmemail", "--config", str(setup.config), "serve"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=root,
        )
        assert result.returncode == 2, result.stderr
        line = _last_line(result.stderr)
        assert "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)" in line
        assert "`pmemail init --unprivileged`" in line
        assert any(
            f"ports.{name}.internal = {port} (the router still forwards external "
            f"{EXTERNAL[name]})" in line
            for name, port in UNPRIVILEGED_PORTS.items()
            if name in EXTERNAL
        ), line
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_unusable_certificate_is_one_message(setup: ServeSetup) -> None:
    """A broken ``mail.tls_cert``: one line, said once for every service, exit 2."""
    bad = setup.root / "broken.pem"
    bad.write_text("not a certificate\n", encoding="utf-8")
    setup.overrides = {"mail": {"tls_cert": str(bad)}}
    setup.write()
    result = pmemail(setup, "serve")
    assert result.returncode == 2
    line = _last_line(result.stderr)
    assert line.startswith("pmemail: TLS certificate unusable: "), line
    assert result.stderr.count("TLS certificate unusable") == 1
    assert not setup.pidfile.exists() and not setup.socket.exists()

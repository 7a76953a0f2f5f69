"""``pmemail serve`` as root binds its ports, then runs as ``server.user``."""

from __future__ import annotations

import os
import pwd
import shutil
import smtplib
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from mailcore.users import UserStore
from pmemail.config import DataPaths, load_config
from pmemail.serve.privileges import (
    Account,
    PrivilegeError,
    blocked_path,
    check_reachable,
    owned_paths,
)
from tests.serve_support import DOMAIN, Server, ServeSetup, pmemail

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")
RCPT = f"alice@{DOMAIN}"


def _free_low_port() -> int:
    """A port below 1024 nothing listens on (binding it needs root)."""
    for number in range(900, 1000):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", number))
            except OSError:
                continue
            return number
    pytest.skip("no free port below 1024")


@pytest.fixture
def open_root() -> Iterator[Path]:
    """A tmp dir the service account can enter (pytest's own are 0700)."""
    root = Path(tempfile.mkdtemp(prefix="pmemail-privileges-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@as_root
def test_serve_drops_to_the_service_user_after_binding(open_root: Path) -> None:
    """A low SMTP port bound as root, then uid/gid nobody; mail still delivered, as nobody."""
    nobody = pwd.getpwnam("nobody")
    setup = ServeSetup(open_root, overrides={"server": {"user": "nobody"}})
    setup.ports["smtp"] = _free_low_port()
    setup.write()
    config = load_config(setup.config)
    paths = DataPaths.from_config(config, setup.config)
    UserStore.from_config(config, paths).add_user(RCPT, "secret-pw", "imap")  # a root-owned db
    server = Server(setup)
    try:
        server.wait_ready()
        proc = psutil.Process(server.proc.pid)
        assert tuple(proc.uids()) == (nobody.pw_uid,) * 3
        assert tuple(proc.gids()) == (nobody.pw_gid,) * 3
        assert all(path.stat().st_uid == nobody.pw_uid for path in (setup.socket, setup.pidfile))
        with smtplib.SMTP("127.0.0.1", setup.ports["smtp"], timeout=10) as client:
            client.sendmail("bob@example.org", [RCPT], b"Subject: hi\r\n\r\nas nobody\r\n")
        new = paths.maildirs / DOMAIN / "alice" / "new"
        delivered = list(new.iterdir())
        assert len(delivered) == 1 and delivered[0].stat().st_uid == nobody.pw_uid
        assert pmemail(setup, "status").returncode == 0  # root still reaches the socket
        code, err = server.terminate()
    finally:
        server.kill()
    assert code == 0, err
    assert "Traceback" not in err
    assert not setup.pidfile.exists() and not setup.socket.exists()
    log = (setup.data / "logs" / "pmemail.log").read_text()
    assert "running as nobody" in log


@as_root
def test_missing_user_runs_as_root_with_a_warning(open_root: Path) -> None:
    """No such account yet (before ``service install``): the mail still flows, as root,
    and the log says why and how to create the account."""
    setup = ServeSetup(open_root, overrides={"server": {"user": "pmemail-no-such-user"}})
    setup.write()
    server = Server(setup)
    try:
        server.wait_ready()
        assert psutil.Process(server.proc.pid).uids().effective == 0
        server.terminate()  # a clean stop writes every queued log line
    finally:
        server.kill()
    log = (setup.data / "logs" / "pmemail.log").read_text()
    line = next(ln for ln in log.splitlines() if "running as root" in ln)
    assert "WARNING" in line
    assert "'pmemail-no-such-user' (server.user) does not exist" in line
    assert "useradd --system" in line


@as_root
def test_data_dir_closed_to_the_user_is_refused(tmp_path: Path) -> None:
    """A data dir under a 0700 folder (like /root): refused, never served as root."""
    tmp_path.chmod(0o700)
    setup = ServeSetup(tmp_path, overrides={"server": {"user": "nobody"}})
    setup.write()
    result = pmemail(setup, "serve")
    assert result.returncode == 2
    assert "'nobody' (server.user) cannot use" in result.stderr
    assert str(tmp_path) in result.stderr


def test_blocked_path_finds_the_closed_folder(open_root: Path) -> None:
    """Mode bits decide: a 0700 folder of someone else blocks, 0711 does not."""
    stranger = Account("stranger", 54321, 54321)
    closed = open_root / "closed"
    (closed / "data").mkdir(parents=True)
    closed.chmod(0o700)
    assert blocked_path(stranger, closed / "data" / "mail") == closed
    closed.chmod(0o711)
    assert blocked_path(stranger, closed / "data" / "mail") is None
    owner = Account("owner", closed.stat().st_uid, closed.stat().st_gid)
    closed.chmod(0o700)
    assert blocked_path(owner, closed / "data") is None


def test_server_files_elsewhere(open_root: Path) -> None:
    """A log in a folder of its own is handed over whole; one in a shared folder must not be."""
    tmp_path = open_root
    shared = tmp_path / "log"
    own = shared / "pmemail"
    own.mkdir(parents=True)
    shared.chmod(0o755)
    paths = DataPaths(tmp_path / "data", log_file=own / "pmemail.log")
    assert owned_paths(paths) == [paths.root, own]
    stranger = Account("stranger", 54321, 54321)
    check_reachable(stranger, paths)  # its own folder: fine
    lone = DataPaths(tmp_path / "data", log_file=shared / "pmemail.log")
    assert owned_paths(lone) == [lone.root, shared / "pmemail.log"]
    with pytest.raises(PrivilegeError, match=r"cannot use .*pmemail\.log"):
        check_reachable(stranger, lone)  # rotation could not rename in /var/log
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755

"""The systemd unit's account and sandbox, and ``service install`` creating the account."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from pmemail.app import service_account, service_unit
from pmemail.config import Config
from pmemail.serve.privileges import Account, find_account
from tests.config_factory import write_config
from tests.serve_support import ServeSetup, pmemail

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files away")


@pytest.fixture
def open_root() -> Iterator[Path]:
    """A tmp dir a system account can enter (pytest's own are 0700)."""
    root = Path(tempfile.mkdtemp(prefix="pmemail-unit-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _unit(setup: ServeSetup) -> str:
    result = pmemail(setup, "service", "install", "--print")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_system_unit_runs_as_the_user_in_a_sandbox(open_root: Path) -> None:
    """User=/Group=, only CAP_NET_BIND_SERVICE, read-only system, the data dir writable."""
    setup = ServeSetup(open_root, overrides={"server": {"user": "pmemail"}})
    setup.write()
    lines = _unit(setup).splitlines()
    for expected in (
        "User=pmemail",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        f"ReadWritePaths={setup.data}",
    ):
        assert expected in lines
    assert lines.index("User=pmemail") > lines.index("[Service]")
    assert lines.index("ReadWritePaths=" + str(setup.data)) < lines.index("[Install]")


def test_unit_with_an_empty_user_stays_root_but_sandboxed(open_root: Path) -> None:
    """server.user = "": no User= nor capabilities, the sandbox still there."""
    setup = ServeSetup(open_root)
    setup.write()
    unit = _unit(setup)
    assert "User=" not in unit and "AmbientCapabilities" not in unit
    assert "ProtectSystem=strict" in unit


def test_user_unit_has_no_account_lines(tmp_path: Path) -> None:
    """A systemctl --user unit already runs as its user: no User=, no sandbox lines."""
    unit = service_unit.render_unit(tmp_path / "pm.toml", True, None)
    assert "User=" not in unit and "ProtectSystem" not in unit


def test_paths_in_a_home_make_home_read_only_not_hidden() -> None:
    """Config and data under /root: ProtectHome=read-only (hidden, they could not be read)."""
    config = Config(data_dir="/root/.local/share/pmemail")
    config.server.log_file = "/var/log/pmemail/pmemail.log"
    sandbox = service_unit.sandbox_for(config, Path("/root/.config/pmemail/pmemail.toml"))
    assert sandbox.home_read_only
    assert sandbox.writable == (Path("/root/.local/share/pmemail"), Path("/var/log/pmemail"))
    text = service_unit.render_unit(Path("/root/pm.toml"), False, sandbox)
    assert "ProtectHome=read-only" in text
    assert "ReadWritePaths=/root/.local/share/pmemail /var/log/pmemail" in text


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_system_unit_passes_systemd_analyze(open_root: Path) -> None:
    """systemd itself accepts every line (an account that exists: nobody)."""
    setup = ServeSetup(open_root, overrides={"server": {"user": "nobody"}})
    setup.write()
    unit = open_root / "pmemail.service"
    unit.write_text(_unit(setup))
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0, verify.stderr
    assert "Unknown" not in verify.stderr and "ignoring" not in verify.stderr.lower()


def test_missing_account_is_created_with_useradd(monkeypatch: pytest.MonkeyPatch) -> None:
    """The exact command line, run once; the new account is returned."""
    made: list[Sequence[str]] = []
    accounts: dict[str, Account] = {}

    def run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        made.append(list(command))
        accounts["pmemail"] = Account("pmemail", 990, 990)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(service_account, "find_account", accounts.get)
    account, created = service_account.ensure_account("pmemail", run)
    assert created and account == Account("pmemail", 990, 990)
    assert made == [
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "pmemail"]
    ]
    again, created = service_account.ensure_account("pmemail", run)
    assert again == account and not created and len(made) == 1


def test_failed_useradd_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """useradd's own last line, after the command."""
    monkeypatch.setattr(service_account, "find_account", lambda name: None)

    def run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 9, "", "useradd: user 'x' already exists\n")

    with pytest.raises(service_account.AccountError, match=r"useradd --system .*: useradd: user"):
        service_account.ensure_account("x", run)


def test_config_in_a_closed_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config the account could never read: refused before any account is created."""
    tmp_path.chmod(0o700)
    monkeypatch.setattr(service_unit, "SYSTEM_UNIT_DIR", tmp_path / "units")
    monkeypatch.setattr(service_account, "_run", _no_useradd)
    setup = write_config(tmp_path, {"server": {"user": "pmemail-unit-test"}})
    with pytest.raises(service_unit.UnitRefused, match=r"could not read .*pmemail\.toml"):
        service_unit.install_unit(setup.config, setup.path, False)
    assert not (tmp_path / "units").exists()


def test_program_in_a_closed_folder_is_refused(
    open_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pmemail installed under /root (pyenv, pipx): the account could not even start it."""
    closed = open_root / "home"
    closed.mkdir(mode=0o700)
    monkeypatch.setattr(service_unit, "SYSTEM_UNIT_DIR", open_root / "units")
    monkeypatch.setattr(service_unit, "program_files", lambda: (closed / "bin" / "python3",))
    monkeypatch.setattr(service_account, "_run", _no_useradd)
    setup = write_config(open_root, {"server": {"user": "pmemail-unit-test"}})
    with pytest.raises(service_unit.UnitRefused, match=r"could not read .*python3 \("):
        service_unit.install_unit(setup.config, setup.path, False)


def _no_useradd(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    raise AssertionError(f"ran {command}")


@as_root
def test_install_gives_the_account_its_files(
    open_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root: data dir owned by the account, config 0640 in its group, the unit written."""
    nobody = find_account("nobody")
    assert nobody is not None
    monkeypatch.setattr(service_unit, "SYSTEM_UNIT_DIR", open_root / "units")
    # this machine's Python may live under /root (pyenv): its own refusal is tested below
    monkeypatch.setattr(service_unit, "program_files", lambda: (Path("/usr/bin/env"),))
    setup = write_config(open_root, {"server": {"user": "nobody"}})
    setup.paths.root.mkdir(mode=0o700)
    (setup.paths.root / "users.sqlite3").write_bytes(b"")
    target = service_unit.install_unit(setup.config, setup.path, False)
    assert "User=nobody\nGroup=nogroup\n" in target.read_text()
    for path in (setup.paths.root, setup.paths.root / "users.sqlite3"):
        assert (path.stat().st_uid, path.stat().st_gid) == (nobody.uid, nobody.gid)
    config = setup.path.stat()
    assert config.st_uid == 0 and config.st_gid == nobody.gid
    assert stat.S_IMODE(config.st_mode) == 0o640
    assert pwd.getpwnam("nobody").pw_uid == nobody.uid

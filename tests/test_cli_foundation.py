"""`pmemail init`, `config show`, `--version`, `--help` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pmemail import __version__


def pmemail(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmemail", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_version_and_help() -> None:
    assert pmemail("--version").stdout.strip() == f"pmemail {__version__}"
    helptext = pmemail("--help").stdout
    assert "init" in helptext and "config" in helptext


def test_init_then_show(tmp_path: Path) -> None:
    """init writes a 0600 commented config and a certificate; show reads it back."""
    cfg = tmp_path / "conf" / "pmemail.toml"
    done = pmemail(
        "--config", str(cfg), "init", "--domain", "Acme.BE", "--data-dir", str(tmp_path / "data")
    )
    assert done.returncode == 0, done.stderr
    assert cfg.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data" / "tls" / "cert.pem").exists()
    assert (tmp_path / "data" / "tls" / "key.pem").stat().st_mode & 0o077 == 0
    shown = pmemail("--config", str(cfg), "config", "show", "--json")
    doc = json.loads(shown.stdout)
    assert doc["config"]["mail"]["domain"] == "acme.be"
    assert doc["config"]["mail"]["hostname"] == "mail.acme.be"
    assert doc["data_dir"] == str(tmp_path / "data")
    text = pmemail("config", "show", env={"PMEMAIL_CONFIG": str(cfg)}).stdout
    assert 'domain = "acme.be"' in text


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    cfg = tmp_path / "p.toml"
    cfg.write_text("")
    done = pmemail("--config", str(cfg), "init")
    assert done.returncode == 1
    assert "already exists" in done.stderr


def test_unprivileged_init_uses_high_internal_ports(tmp_path: Path) -> None:
    cfg = tmp_path / "p.toml"
    pmemail("--config", str(cfg), "init", "--unprivileged", "--data-dir", str(tmp_path / "d"))
    doc = json.loads(pmemail("--config", str(cfg), "config", "show", "--json").stdout)
    assert doc["config"]["ports"]["smtp"] == {
        **doc["config"]["ports"]["smtp"],
        "external": 25,
        "internal": 2525,
    }
    https = doc["config"]["ports"]["https"]
    assert (https["external"], https["internal"]) == (443, 8443)


def test_passwords_are_masked(tmp_path: Path) -> None:
    cfg = tmp_path / "p.toml"
    cfg.write_text('[relay]\nhost = "relay.isp"\nusername = "u"\npassword = "hunter2"\n')
    for args in (("config", "show"), ("config", "show", "--json")):
        out = pmemail("--config", str(cfg), *args).stdout
        assert "hunter2" not in out
        assert "********" in out


@pytest.mark.parametrize("args", [("config", "show"), ()])
def test_broken_config_is_one_line_no_traceback(tmp_path: Path, args: tuple[str, ...]) -> None:
    cfg = tmp_path / "p.toml"
    cfg.write_text('[ports]\nsmtp = "25a"\n')
    done = pmemail("--config", str(cfg), *args)
    assert done.returncode == 78  # EX_CONFIG, apart from the checks' 1 and 2
    assert done.stderr.strip() == (
        f'pmemail: config error: {cfg}: ports.smtp: expected an integer 1-65535, got "25a"'
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("config", "show", "--config", "{cfg}"),
        ("config", "show", "--config={cfg}"),
        ("config", "--config", "{cfg}", "show"),
        ("--config", "{cfg}", "config", "show"),
    ],
)
def test_config_option_after_the_command(tmp_path: Path, argv: tuple[str, ...]) -> None:
    """``--config`` works wherever it is given, as the README promises."""
    cfg = tmp_path / "p.toml"
    cfg.write_text('[mail]\ndomain = "bureau.be"\nhostname = "mail.bureau.be"\n')
    done = pmemail(*(a.format(cfg=cfg) for a in argv))
    assert done.returncode == 0, done.stderr
    assert "bureau.be" in done.stdout


def test_json_before_the_command(tmp_path: Path) -> None:
    cfg = tmp_path / "p.toml"
    cfg.write_text('[mail]\ndomain = "bureau.be"\n')
    done = pmemail("--json", "config", "show", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["config"]["mail"]["domain"] == "bureau.be"


def test_hoisting_leaves_the_rest_alone() -> None:
    from pmemail.cli.main import hoist_options

    assert hoist_options(["users", "add", "a", "--config", "x", "--", "--config"]) == [
        "--config",
        "x",
        "users",
        "add",
        "a",
        "--",
        "--config",
    ]
    assert hoist_options(["--json", "doctor"]) == ["doctor", "--json"]

"""Broken config files beyond tests/data/bad_configs: one clear line, exit 2.

Every table of ``pmemail/config/model.py`` has a broken sample in
``tests/data/hostile_configs/`` (expectations in its ``EXPECTED.txt``), run
through the real command line (``python -m pmemail --config F config show``).
Then the files that are not files: a directory, an unreadable file, an
empty one (valid: all defaults) and a huge one.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pmemail.config.model import Config
from tests.hostile_support import ROOT, one_line

HOSTILE = Path(__file__).parent / "data" / "hostile_configs"


def pmemail(
    config: Path | str, *args: str, user: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "pmemail",
        "--config",
        str(config),
        *(args or ("config", "show")),
    ]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def assert_config_error(
    proc: subprocess.CompletedProcess[str], config: Path | str, message: str
) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 78, (proc.returncode, proc.stderr[-3000:])
    line = proc.stderr.strip()
    assert one_line(line, 500) and line.startswith(f"pmemail: config error: {config}: ")
    assert message in line


def expectations() -> list[tuple[str, str]]:
    rows = (HOSTILE / "EXPECTED.txt").read_text().splitlines()
    kept = [r for r in rows if r.strip() and not r.startswith("#")]
    return [(name, message) for name, message in (r.split("\t", 1) for r in kept)]


def test_every_hostile_sample_has_an_expectation() -> None:
    named = {name for name, _ in expectations()}
    files = {p.name for p in HOSTILE.glob("*.toml")}
    assert named <= files
    assert files - named == {*NUMBER_SAMPLES, "nul_data_dir.toml"}


def test_every_table_of_the_model_has_a_broken_sample() -> None:
    tables = {f.name for f in dataclasses.fields(Config)}
    covered = {
        message.split(":", 1)[0].split(".", 1)[0].split("[", 1)[0] for _, message in expectations()
    }
    assert tables - covered == set()


@pytest.mark.parametrize(("name", "message"), expectations())
def test_hostile_config_gives_one_clear_line(name: str, message: str) -> None:
    path = HOSTILE / name
    assert_config_error(pmemail(path), path, message)


NUMBER_SAMPLES = {
    "nan_timeout.toml": (
        "pmemail/config/loader.py _check_range: NaN fails no comparison, so "
        "`http_timeout = nan` (any float key) is accepted; fix: reject "
        "math.isnan(value) (and math.isinf where there is no max) with 'expected a number'",
        "network.http_timeout: expected a number",
    ),
    "huge_integer.toml": (
        "pmemail/config/loader.py _convert(float): float(value) of a 400-digit TOML "
        "integer raises OverflowError: traceback, exit 1; fix: catch OverflowError and "
        "raise ConfigError('expected a number ..., got a huge integer')",
        "queue.give_up_after: expected a number",
    ),
}


@pytest.mark.parametrize("name", sorted(NUMBER_SAMPLES))
def test_hostile_numbers(name: str) -> None:
    _bug, message = NUMBER_SAMPLES[name]
    path = HOSTILE / name
    assert_config_error(pmemail(path), path, message)


def test_integer_bounds_are_printed_as_integers() -> None:
    path = HOSTILE / "mail_size.toml"
    assert_config_error(pmemail(path), path, "expected an integer 1024-1099511627776, got 10")


def test_deeply_nested_toml(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("data_dir = " + "[" * 5000 + "]" * 5000 + "\n")
    assert_config_error(pmemail(path), path, "not valid TOML")


def test_nul_in_a_path_key(tmp_path: Path) -> None:
    path = HOSTILE / "nul_data_dir.toml"
    proc = pmemail(path, "users", "list")
    assert_config_error(proc, path, "data_dir")


# ---------------------------------------------------------------- not a normal file


def test_config_that_is_a_directory(tmp_path: Path) -> None:
    assert_config_error(pmemail(tmp_path), tmp_path, "cannot read")


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root to run the command as nobody (root reads any file)",
)
def test_config_that_cannot_be_read(tmp_path: Path) -> None:
    # tmp_path is root's 0700 directory: nobody cannot traverse it
    path = tmp_path / "pmemail.toml"
    path.write_text('[mail]\ndomain = "example.be"\n')
    os.chmod(tmp_path, 0o700)
    proc = pmemail(path, user="65534")
    assert_config_error(proc, path, "cannot read: Permission denied")


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    assert_config_error(pmemail(path), path, "no such file")


def test_empty_config_is_all_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("")
    proc = pmemail(path, "config", "show", "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert '"domain": "example.be"' in proc.stdout


def test_huge_config_file(tmp_path: Path) -> None:
    """30 MB (comments and a 10 MB string) loads; a huge bad one still gives one line."""
    good = tmp_path / "huge.toml"
    good.write_text(
        ("# padding comment line\n" * 1_000_000)
        + 'language = "en"\n[mail]\ndomain = "example.be"\n'
        + 'tls_cert = "'
        + "x" * 10_000_000
        + '"\n'
    )
    proc = pmemail(good)
    assert proc.returncode == 0, proc.stderr[-2000:]
    bad = tmp_path / "huge-bad.toml"
    bad.write_text(("# padding comment line\n" * 1_000_000) + "[mail]\ndomain = 5\n")
    assert_config_error(pmemail(bad), bad, "mail.domain: expected a string, got 5")


def test_huge_bad_value_is_not_echoed_whole(tmp_path: Path) -> None:
    path = tmp_path / "long-value.toml"
    path.write_text('language = "' + "x" * 1_000_000 + '"\n')
    proc = pmemail(path)
    assert proc.returncode == 78 and "Traceback" not in proc.stderr
    assert "language: expected one of" in proc.stderr
    assert len(proc.stderr) < 2000, len(proc.stderr)

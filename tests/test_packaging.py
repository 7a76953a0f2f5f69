"""router_profiles and the TUI stylesheet ship inside a built wheel (non-editable install)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_data_and_finds_profiles(tmp_path: Path) -> None:
    """Build a wheel, install it into a bare target dir, and load the profiles from there."""
    dist = tmp_path / "dist"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = dist.glob("pmemail-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("router_profiles/") and n.endswith(".toml") for n in names)
    assert "pmemail_tui/pmemail.tcss" in names
    assert "pmemail/config/docs.fr.toml" in names  # the French config comments
    target = tmp_path / "site"
    inst = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert inst.returncode == 0, inst.stderr[-2000:]
    code = (
        "import router_profiles; fs = router_profiles.profile_files(); "
        "print(len(fs)); print(router_profiles.__file__)"
    )
    # run from an unrelated directory so the source tree cannot be picked up
    env = {**os.environ, "PYTHONPATH": str(target), "PYTHONSAFEPATH": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    count, location = done.stdout.split()
    assert int(count) >= 1
    assert location.startswith(str(target))

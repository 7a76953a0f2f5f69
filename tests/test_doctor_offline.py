"""``pmemail doctor`` with no network at all (a namespace with only a down loopback).

Issue 16, finding 6: say there is no network, ask nothing of a router, echo
service or DNS, and advise only what can work (connect the machine).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNSHARE = shutil.which("unshare")


def offline(tmp_path: Path, *args: str, language: str = "en") -> subprocess.CompletedProcess[str]:
    """Run ``pmemail doctor ARGS`` in a fresh network namespace (nothing can leave it)."""
    conf = tmp_path / "pmemail.toml"
    conf.write_text(f'data_dir = "{tmp_path / "data"}"\nlanguage = "{language}"\n')
    assert UNSHARE
    cmd = [UNSHARE, "-n", sys.executable, "-m", "pmemail", "--config", str(conf), "doctor"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture(autouse=True)
def _can_unshare() -> None:
    if UNSHARE is None or subprocess.run([UNSHARE, "-n", "true"]).returncode != 0:
        pytest.skip("needs unshare -n (root or user namespaces)")


def test_no_network_json_says_so_and_skips_every_probe(tmp_path: Path) -> None:
    """The verdict's row is no_network; every other check is skipped, none failed by timeout."""
    res = offline(tmp_path, "--json")
    doc = json.loads(res.stdout)
    assert res.returncode == 2
    verdict = doc["verdict"]
    assert (verdict["row"], verdict["hosting"]) == ("no_network", "unknown")
    # nothing was asked, so nothing is claimed (issue 16: the whole verdict, not the row)
    facts = [verdict[k] for k in ("nat", "ip", "outbound_25", "low_ports")]
    assert facts == ["unknown"] * 4 and verdict["limits"] == []
    assert [m["id"] for m in verdict["messages"]["advice"]] == ["advice.connect"]
    others = [c for c in doc["checks"] if c["id"] not in ("lan", "subscription")]
    assert others and all(c["status"] == "skipped" for c in others)
    assert doc["router"] == {} and doc["public_ip"] == {}


def test_no_network_human_in_english_and_french(tmp_path: Path) -> None:
    """The summary says there is no network; no advice names a command needing a router."""
    out = offline(tmp_path).stdout
    assert "there is no network" in out and "NAT situation" not in out
    assert "ports plan" not in out
    fr = offline(tmp_path, language="fr").stdout
    assert "il n'y a pas de réseau" in fr and "branchez cet ordinateur" in fr
    assert "pas vérifié : il n'y a pas de réseau" in fr  # the checks' rows too
    assert "not checked" not in fr

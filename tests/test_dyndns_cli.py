"""``pmemail dyndns update`` and ``config show`` as real processes, on loopback only."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from tests.dashboard_support import EchoStub
from tests.dyndns_support import PASSWORD, USER, DyndnsServer
from tests.serve_support import ServeSetup, pmemail
from tests.status_support import DYNDNS_KEYS

HOST = "mail.example.test"


def setup(root: Path, echo: EchoStub, provider: DyndnsServer, **dyndns: Any) -> ServeSetup:
    s = ServeSetup(
        root,
        overrides={
            "network": {"echo_url": [echo.url], "http_timeout": 2.0},
            "dyndns": {
                "provider": "custom",
                "server": provider.url,
                "username": USER,
                "password": PASSWORD,
            }
            | dyndns,
        },
    )
    s.write()
    return s


def test_update_now_json(tmp_path: Path, echo: EchoStub, provider: DyndnsServer) -> None:
    """Sent even unchanged (nochg), the status document beside the outcome."""
    s = setup(tmp_path, echo, provider)
    first = pmemail(s, "dyndns", "update", "--json")
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert (doc["ok"], doc["action"], doc["answer"]) == (True, "sent", "good")
    assert doc["address"] == echo.address and provider.records[HOST] == echo.address
    assert set(doc["dyndns"]) == DYNDNS_KEYS and doc["dyndns"]["sent_address"] == echo.address
    again = json.loads(pmemail(s, "dyndns", "update", "--json").stdout)
    assert again["answer"] == "nochg" and provider.count() == 2


def test_update_refused_in_french(tmp_path: Path, echo: EchoStub, provider: DyndnsServer) -> None:
    """badauth: exit 1 and the sentence in the config's language."""
    s = setup(tmp_path, echo, provider, password="wrong")
    result = pmemail(s, "--lang", "fr", "dyndns", "update")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("Le fournisseur a refusé les réglages (badauth)")
    again = pmemail(s, "dyndns", "update")
    assert again.returncode == 1 and again.stdout.startswith("Updates are stopped")
    assert provider.count() == 1


def test_update_without_settings(tmp_path: Path, echo: EchoStub, provider: DyndnsServer) -> None:
    """An empty [dyndns]: exit 2, what to fill in; nothing asked of anyone."""
    s = setup(tmp_path, echo, provider, username="")
    result = pmemail(s, "dyndns", "update", "--json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"] == "error.not_configured"
    assert provider.count() == 0


def test_password_masked_and_file_private(
    tmp_path: Path, echo: EchoStub, provider: DyndnsServer
) -> None:
    """config show never prints the provider password; the file is 0600."""
    s = setup(tmp_path, echo, provider)
    assert stat.S_IMODE(s.config.stat().st_mode) == 0o600
    for args in (("config", "show"), ("config", "show", "--json")):
        out = pmemail(s, *args)
        assert out.returncode == 0, out.stderr
        assert PASSWORD not in out.stdout and "********" in out.stdout
        assert USER in out.stdout

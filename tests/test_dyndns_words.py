"""The dynamic DNS sentences: both languages, and the dashboard's one line."""

from __future__ import annotations

import time
from pathlib import Path

from pmemail.app.cert_wording import placeholders
from pmemail.app.dyndns_actions import dyndns_line
from pmemail.app.dyndns_texts import TEXTS
from pmemail.serve.dyndns_service import dyndns_status
from tests.config_factory import make_config


def test_catalogue_has_both_languages() -> None:
    """Each id: English and French, the same placeholders."""
    for msgid, texts in TEXTS.items():
        assert set(texts) == {"en", "fr"}, msgid
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), msgid


def test_dashboard_line(tmp_path: Path) -> None:
    """Nothing where dynamic DNS does not apply; else never / last / stopped, en and fr."""
    made = make_config(tmp_path)
    config, paths = made.config, made.paths
    status = dyndns_status(config, paths)
    assert dyndns_line(status, "en") == ""  # not dynamic: not a word
    config.isp.fixed_ip = "no"
    config.dyndns.username = "office"
    status = dyndns_status(config, paths)
    assert dyndns_line(status, "en") == "Dynamic DNS: mail.example.be, no update yet"
    when = time.mktime((2027, 3, 2, 9, 30, 0, 0, 0, -1))
    done = status | {"last_attempt": when, "sent_address": "192.0.2.1", "last_answer": "good"}
    assert dyndns_line(done, "en") == (
        "Dynamic DNS: mail.example.be → 192.0.2.1 (last answer good, 2027-03-02 09:30)"
    )
    assert dyndns_line(done, "fr").startswith("DNS dynamique : mail.example.be → 192.0.2.1")
    stopped = done | {"stopped": True, "last_answer": "badauth"}
    assert "refused (badauth)" in dyndns_line(stopped, "en")
    assert "refusé (badauth)" in dyndns_line(stopped, "fr")

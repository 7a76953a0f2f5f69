"""The relay test's raw outcomes in plain sentences (ids with parameters, both languages)."""

from __future__ import annotations

import pytest

from mailcore.queue.relay import Outcome
from pmemail.app.cert_wording import placeholders
from pmemail.app.relay_texts import TEXTS
from pmemail.app.relay_wording import explain
from pmemail.config.model import RelayConfig

RELAY = RelayConfig(host="relay.proximus.be", port=587, tls="starttls")


@pytest.mark.parametrize(
    ("raw", "msgid"),
    [
        (
            "cannot use relay.proximus.be:587: STARTTLS extension not supported by server.",
            "relay.no_starttls",
        ),
        (
            "cannot use relay.proximus.be:587: SMTP AUTH extension not supported by server.",
            "relay.no_auth",
        ),
        ("cannot use relay.proximus.be:587: [Errno 111] Connection refused", "relay.refused"),
        ("cannot use relay.proximus.be:587: timed out", "relay.timeout"),
        (
            "cannot use relay.proximus.be:587: [Errno -2] Name or service not known",
            "relay.unknown_host",
        ),
        (
            "cannot use relay.proximus.be:587: [SSL: CERTIFICATE_VERIFY_FAILED] certificate "
            "verify failed: self-signed certificate (_ssl.c:1000)",
            "relay.bad_certificate",
        ),
        (
            "cannot use relay.proximus.be:587: [SSL: WRONG_VERSION_NUMBER] wrong version number",
            "relay.tls_mismatch",
        ),
        ("cannot use relay.proximus.be:587: 535 5.7.8 Authentication failed", "relay.auth_failed"),
        ("cannot use relay.proximus.be:587: 421 too busy", "relay.other"),
    ],
)
def test_raw_failures_become_sentences(raw: str, msgid: str) -> None:
    said = explain(Outcome(0, raw), RELAY)
    assert [s.msgid for s in said] == [msgid]
    assert "relay.proximus.be:587" in said[0].words("fr") or msgid == "relay.unknown_host"
    assert "STARTTLS extension not supported" not in said[0].words("en")


def test_a_password_in_clear_is_said_even_when_it_worked() -> None:
    relay = RelayConfig(host="relay.test", port=25, tls="none", username="u", password="p")
    said = explain(Outcome(250, "relay.test:25 accepted the connection and the login"), relay)
    assert [s.msgid for s in said] == ["relay.ok_login", "relay.clear_password"]
    assert said[0].words("en") == "✔ relay.test:25 accepted the connection and the login."
    assert "en clair" in said[1].words("fr")


def test_every_text_has_both_languages_and_the_same_fields() -> None:
    for key, texts in TEXTS.items():
        assert set(texts) == {"en", "fr"}, key
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), key

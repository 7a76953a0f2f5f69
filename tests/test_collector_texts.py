"""The collector's sentences (en/fr catalogue) and its held count on the dashboard."""

from __future__ import annotations

import poplib
import ssl
from email.parser import BytesHeaderParser

from mailcore.collector.held import held_from_headers
from mailcore.collector.pop_io import error_message
from pmemail.app.cert_wording import placeholders
from pmemail.app.collector_held import HeldError, last_error_text, say
from pmemail.app.collector_texts import TEXTS
from pmemail.app.status_snapshot import mail_counters


def test_every_sentence_in_english_and_french() -> None:
    """Each id has both languages, with the same placeholders."""
    for msgid, texts in TEXTS.items():
        assert set(texts) == {"en", "fr"}, msgid
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), msgid


def test_errors_are_worded_in_both_languages() -> None:
    """A HeldError carries an id and parameters; the CLI words it in the config's language."""
    err = HeldError("error.unknown_user", user="zoe@example.be")
    assert (
        err.text("en") == "zoe@example.be is not a local user or alias (see `pmemail users list`)."
    )
    assert err.text("fr").startswith("zoe@example.be n'est ni un utilisateur")
    assert "3" in say("held.count", "fr", count=3)


def test_dashboard_counts_held_messages() -> None:
    """The collector's held list becomes a count in the dashboard's mail counters."""
    held = {"uidl": "x", "size": 1}
    services = [{"name": "collector", "state": "running", "held": [held, held]}]
    assert mail_counters(services).collector_held == 2
    assert mail_counters([]).collector_held == 0


def test_held_headers_decoded_and_harmless() -> None:
    """Encoded words are decoded; control characters (terminal escapes) become spaces."""
    raw = (
        b"From: =?utf-8?q?Ren=C3=A9?= <rene@far.test>\r\n"
        b"Subject: hi \x1b[2J there\r\n"
        b"To: nobody@far.test\r\n\r\n"
    )
    held = held_from_headers(BytesHeaderParser().parsebytes(raw), 42)
    assert held.sender == "René <rene@far.test>"
    assert held.subject == "hi [2J there"
    assert (held.to, held.size) == ("nobody@far.test", 42)


def test_last_error_in_the_admin_language() -> None:
    """The status's ``errors`` (ids) are worded in French; the English ``last_error`` is
    kept for an older server (no ``errors``) or an id this catalogue does not know."""
    error = {"code": "failed", "params": {"mailbox": "bureau@isp.test", "detail": "timed out"}}
    services = [
        {"name": "collector", "last_error": "bureau@isp.test: timed out", "errors": [error]}
    ]
    counters = mail_counters(services)
    french = last_error_text(counters.collector_errors, counters.collector_error, "fr")
    assert french == "bureau@isp.test : la relève a échoué (timed out)"
    assert last_error_text([], "old English", "fr") == "old English"
    assert last_error_text([{"code": "newer", "params": {}}], "English", "fr") == "English"


def test_pop_failures_become_message_ids() -> None:
    """Certificate, TLS, server answer and any other failure each have their id."""
    untrusted = ssl.SSLCertVerificationError(1, "x")
    untrusted.verify_message = "self-signed certificate"
    assert error_message(untrusted) == ("tls_untrusted", {"detail": "self-signed certificate"})
    assert error_message(poplib.error_proto(b"-ERR no"))[0] == "server_said"
    assert error_message(ConnectionRefusedError(111, "refused")) == (
        "failed",
        {"detail": "[Errno 111] refused"},
    )

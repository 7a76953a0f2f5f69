"""The wizard's "send a test message" through a real SMTP relay on loopback."""

from __future__ import annotations

from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from mailcore.queue.sample_send import SUBJECT, send_test_message
from pmemail.config import Config
from tests.config_factory import free_port, make_config

ACME = {"domain": "acme.be", "hostname": "mail.acme.be"}


class Sink:
    """Keeps every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 queued as test"


def config_for(tmp_path: Path, port: int) -> Config:
    relay = {"mode": "smarthost", "host": "127.0.0.1", "port": port, "tls": "none"}
    return make_config(tmp_path, {"mail": ACME, "relay": relay}).config


def test_test_message_reaches_the_relay(tmp_path: Path) -> None:
    """The relay receives a valid message from postmaster@domain to the given address."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        outcome = send_test_message(
            config_for(tmp_path, port), tmp_path / "spool", "boss@example.net"
        )
    finally:
        controller.stop()
    assert outcome.ok, outcome.describe()
    (envelope,) = sink.envelopes
    assert envelope.mail_from == "postmaster@acme.be"
    assert envelope.rcpt_tos == ["boss@example.net"]
    assert f"Subject: {SUBJECT}".encode() in bytes(envelope.original_content or b"")
    assert list((tmp_path / "spool").iterdir()) == []


def test_test_message_reports_a_dead_relay(tmp_path: Path) -> None:
    """Nothing listening: a clear failure, no exception."""
    outcome = send_test_message(
        config_for(tmp_path, free_port()), tmp_path / "spool", "boss@example.net"
    )
    assert not outcome.ok
    assert "127.0.0.1" in outcome.describe()

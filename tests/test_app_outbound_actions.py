"""The outbound step's use cases: the smarthost form, a login test, a test message.

The form is pure logic; the relay is a real aiosmtpd smarthost on loopback
(STARTTLS with a trustme certificate, AUTH), the client the queue's own.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from mailcore.queue.sample_send import SUBJECT
from pmemail.app.outbound_actions import (
    BadPort,
    probe_relay,
    send_sample,
    smarthost_settings,
    valid_recipient,
)
from pmemail.config import Config, DataPaths
from pmemail.config.model import RelayConfig
from tests.config_factory import free_port, write_config
from tests.queue_support import Sink, server_tls, smarthost
from tests.tui_wizard_support import app_overrides


def test_smarthost_settings_from_a_form() -> None:
    """Host and user trimmed, password kept as typed, mode follows the host."""
    relay = smarthost_settings(
        RelayConfig(), " relay.isp.be ", "465", "tls", " office ", " pass word "
    )
    assert (relay.host, relay.port, relay.tls, relay.mode) == (
        "relay.isp.be",
        465,
        "tls",
        "smarthost",
    )
    assert (relay.username, relay.password) == ("office", " pass word ")


def test_smarthost_settings_defaults_and_no_host() -> None:
    """Unknown TLS mode: STARTTLS; no host: mail goes direct (auto), port 587."""
    relay = smarthost_settings(RelayConfig(), "relay.isp.be", "25", "bogus", "", "")
    assert (relay.port, relay.tls) == (25, "starttls")
    direct = smarthost_settings(RelayConfig(), "  ", "not a number", "none", "", "")
    assert (direct.host, direct.mode, direct.port) == ("", "auto", 587)


@pytest.mark.parametrize(
    "port,shown", [("0", "0"), ("65536", "65536"), ("-1", "-1"), ("x25", "x25"), ("", "0")]
)
def test_smarthost_settings_refuses_a_bad_port(port: str, shown: str) -> None:
    """With a host, the port must be 1-65535; the error carries what was typed."""
    with pytest.raises(BadPort) as caught:
        smarthost_settings(RelayConfig(), "relay.isp.be", f" {port} ", "starttls", "", "")
    assert str(caught.value) == shown


def test_valid_recipient() -> None:
    """An address with an @ and no space."""
    assert valid_recipient("boss@example.net")
    assert not valid_recipient("boss")
    assert not valid_recipient("boss @example.net")


def _config_and_paths(tmp_path: Path, ca_file: Path) -> tuple[Config, DataPaths]:
    setup = write_config(
        tmp_path,
        app_overrides(),
        {"relay": {"ca_file": str(ca_file)}, "queue": {"connect_timeout": 5.0}},
        loopback=False,
    )
    return setup.config, setup.paths


async def test_probe_relay_logs_in_to_a_real_smarthost(tmp_path: Path) -> None:
    """STARTTLS and AUTH against a loopback smarthost: refused, then accepted."""
    tls, ca_file = server_tls(tmp_path)
    config, _paths = _config_and_paths(tmp_path, ca_file)
    sink = Sink()
    async with smarthost(sink, tls=tls, auth=True) as port:
        form = dataclasses.replace(config.relay, ca_file=str(ca_file))
        wrong = smarthost_settings(form, "127.0.0.1", str(port), "starttls", "office", "wrong")
        refused = await asyncio.to_thread(probe_relay, config, wrong)
        right = dataclasses.replace(wrong, password="s3cret")
        accepted = await asyncio.to_thread(probe_relay, config, right)
    assert not refused.ok and refused.describe().startswith("cannot use 127.0.0.1")
    assert accepted.ok, accepted.describe()
    assert accepted.describe() == f"250 127.0.0.1:{port} accepted the connection and the login"
    assert sink.logins == ["office"]


async def test_send_sample_through_a_real_smarthost(tmp_path: Path) -> None:
    """The test message reaches the relay from postmaster@domain; no spool file is left."""
    tls, ca_file = server_tls(tmp_path)
    config, paths = _config_and_paths(tmp_path, ca_file)
    sink = Sink()
    async with smarthost(sink, tls=tls, auth=True) as port:
        relay = smarthost_settings(
            config.relay, "127.0.0.1", str(port), "starttls", "office", "s3cret"
        )
        outcome = await asyncio.to_thread(send_sample, config, paths, relay, "boss@example.net")
    assert outcome.ok, outcome.describe()
    ((sender, rcpts, content),) = sink.received
    assert (sender, rcpts) == ("postmaster@example.be", ["boss@example.net"])
    assert f"Subject: {SUBJECT}".encode() in content
    assert content.startswith(b"DKIM-Signature: ") and b"d=example.be;" in content
    assert list((paths.root / "spool").iterdir()) == []


def test_send_sample_to_a_dead_relay_is_an_outcome(tmp_path: Path) -> None:
    """Nothing listening: a failed outcome naming the relay, no exception."""
    _tls, ca_file = server_tls(tmp_path)
    config, paths = _config_and_paths(tmp_path, ca_file)
    relay = smarthost_settings(config.relay, "127.0.0.1", str(free_port()), "none", "", "")
    outcome = send_sample(config, paths, relay, "boss@example.net")
    assert not outcome.ok and "127.0.0.1" in outcome.describe()

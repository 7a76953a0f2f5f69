"""Fallback ports, the router epoch and ``network.interface``: pure logic, no network.

(The lab tests in ``tests/test_ports_fallback_lab.py`` prove the same
features against the real miniupnpd.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import netifaces
import pytest

from netcore.advice import ALTERNATIVE_PORTS
from netcore.forwarding import Forwarder
from netcore.forwarding_report import forwarding_document, list_document, next_steps_lines
from netcore.plan import build_plan, with_fallbacks
from netcore.port_outcome import FAILED, MAPPED, ForwardingReport, PortOutcome
from netcore.router.errors import RouterError
from netcore.router.state import EpochSeen, ForwardingState, MappingRecord
from pmemail.app.init_setup import UNPRIVILEGED_PORTS, initial_config
from pmemail.app.verdict_texts import sayer
from pmemail.config import Config
from pmemail.config.paths import DataPaths

LAN = "192.168.2.2"


def test_remembered_fallbacks_move_only_their_entries() -> None:
    """{"143/TCP": 1143} turns the IMAP entry into 1143 -> 1143 (a privileged internal
    port moves too: stock OpenWrt refuses internal ports below 1024, issue 16 finding 4)."""
    plan = build_plan(Config(), LAN)
    moved = {p.name: p for p in with_fallbacks(plan, {"143/TCP": 1143, "25/TCP": 2525})}
    assert (moved["imap"].external, moved["imap"].fallback_for) == (1143, 143)
    assert moved["imap"].internal == 1143
    assert moved["smtp"].external == 2525  # the plan obeys the state; apply never writes 25
    assert moved["pop3"].external == 110 and moved["pop3"].fallback_for == 0


def test_fallback_keeps_an_unprivileged_internal_port() -> None:
    """A server already on its unprivileged port (init --unprivileged) keeps it."""
    config = initial_config(unprivileged=True)
    plan = build_plan(config, LAN)
    moved = {p.name: p for p in with_fallbacks(plan, {"143/TCP": 1143, "80/TCP": 8080})}
    assert (moved["imap"].external, moved["imap"].internal) == (1143, 1143)
    assert (moved["webmail"].external, moved["webmail"].internal) == (8080, 8080)


def test_fallback_ports_are_the_unprivileged_ones_of_init() -> None:
    """The high-port fallback and `init --unprivileged` name the same ports."""
    for name, internal in UNPRIVILEGED_PORTS.items():
        external = getattr(Config().ports, name).external
        if name != "smtp":  # inbound SMTP never falls back
            assert ALTERNATIVE_PORTS[external] == internal, name


def test_fallback_onto_a_port_the_plan_uses_is_ignored() -> None:
    plan = build_plan(Config(), LAN)
    moved = {p.name: p for p in with_fallbacks(plan, {"143/TCP": 1234})}  # submission's
    assert moved["imap"].external == 143 and moved["imap"].fallback_for == 0


def test_state_keeps_fallbacks_and_forgets_them_with_the_mapping(tmp_path: Path) -> None:
    state = ForwardingState(fallbacks={"143/TCP": 1143}, epoch=EpochSeen(50, 1000.0))
    state.record(
        MappingRecord("imap", "upnp", "TCP", 1143, 1143, LAN, 143, 3600, 1000.0, fallback_for=143)
    )
    path = tmp_path / "forwarding.json"
    state.save(path)
    again = ForwardingState.load(path)
    assert again.fallbacks == {"143/TCP": 1143} and again.epoch == EpochSeen(50, 1000.0)
    assert again.mappings["1143/TCP"].fallback_for == 143
    again.forget("1143/TCP")
    assert again.fallbacks == {} and again.mappings == {}


@pytest.mark.parametrize(
    ("later", "rebooted"),
    [
        (EpochSeen(150, 1100.0), False),  # advanced with our clock
        (EpochSeen(138, 1100.0), False),  # a slow router clock (7/8) is allowed
        (EpochSeen(51, 1001.0), False),  # within the 2 s slack
        (EpochSeen(5, 1100.0), True),  # went backwards: restarted
        (EpochSeen(60, 1100.0), True),  # advanced far less than our clock: restarted
    ],
)
def test_epoch_detects_router_restart(later: EpochSeen, rebooted: bool) -> None:
    """RFC 6886 3.6: epoch lower than 7/8 of our elapsed time (minus 2 s) = reboot."""
    state = ForwardingState(epoch=EpochSeen(50, 1000.0))
    assert state.observe_epoch(later) is rebooted
    assert state.epoch == later
    assert ForwardingState().observe_epoch(later) is False  # first observation


def _doc(outcomes: list[PortOutcome]) -> dict[str, Any]:
    plan = build_plan(Config(), LAN)
    report = ForwardingReport("apply", outcomes)
    return forwarding_document(report, plan, None)


def test_document_marks_applied_fallbacks_and_tells_which_port_to_give_staff() -> None:
    refused_smtp = PortOutcome("smtp", 25, "TCP", LAN, 25, FAILED, code=606, low_port=True)
    imap = PortOutcome("imap", 1143, "TCP", LAN, 143, MAPPED, "upnp", 1143, 3600, fallback_for=143)
    doc = _doc([refused_smtp, imap])
    fb = {f["name"]: f for f in doc["fallback"]}
    assert fb["imap"]["applied"] is True and fb["imap"]["proposed_external"] == 1143
    assert fb["imap"]["external"] == 143
    assert fb["smtp"]["applied"] is False and fb["smtp"]["proposed_external"] is None
    assert [r["external"] for r in doc["manual"]["table"]] == [25]  # imap works: no rule
    text = "\n".join(next_steps_lines(doc, sayer("en")))
    assert "imap: port 1143 instead of 143" in text
    assert "change their mail client settings" in text
    assert "--fallback" not in text  # nothing left to apply with a high port


def test_document_without_fallback_points_at_the_option() -> None:
    refused = PortOutcome("pop3", 110, "TCP", LAN, 110, FAILED, code=606, low_port=True)
    doc = _doc([refused])
    assert doc["fallback"][0]["applied"] is False
    assert doc["fallback"][0]["proposed_external"] == 1110
    assert "pmemail ports apply --fallback" in "\n".join(next_steps_lines(doc, sayer("en")))


def test_list_document_marks_fallback_mappings() -> None:
    rec = MappingRecord("imap", "natpmp", "TCP", 1143, 1143, LAN, 143, 3600, 0.0, fallback_for=143)
    doc = list_document([], [rec], "")
    assert doc["mappings"][0]["fallback_for"] == 143


# ------------------------------------------------------------ network.interface
IFACES = {
    "eth0": {netifaces.AF_INET: [{"addr": "10.0.0.5", "netmask": "255.255.255.0"}]},
    "wlan0": {netifaces.AF_INET: [{"addr": "192.168.7.20", "netmask": "255.255.255.0"}]},
    "wg0": {netifaces.AF_INET: [{"addr": "10.9.0.2", "netmask": "255.255.255.0"}]},
}
GATEWAYS = {
    "default": {netifaces.AF_INET: ("10.0.0.1", "eth0")},
    netifaces.AF_INET: [("10.0.0.1", "eth0", True), ("192.168.7.1", "wlan0", False)],
}


@pytest.fixture
def two_interfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel's view (netifaces) of a machine with two LANs; default route on eth0."""
    monkeypatch.setattr(netifaces, "interfaces", lambda: list(IFACES))
    monkeypatch.setattr(netifaces, "ifaddresses", lambda name: IFACES[name])
    monkeypatch.setattr(netifaces, "gateways", lambda: GATEWAYS)


def _forwarder(tmp_path: Path, interface: str) -> Forwarder:
    config = Config()
    config.network.interface = interface
    return Forwarder(config, DataPaths(tmp_path))


@pytest.mark.usefixtures("two_interfaces")
def test_forwarder_uses_the_configured_interface(tmp_path: Path) -> None:
    """network.interface = wlan0: its address and its gateway, not the default route's."""
    fwd = _forwarder(tmp_path, "wlan0")
    assert (fwd.gateway, fwd.lan_ip) == ("192.168.7.1", "192.168.7.20")
    assert {p.internal_host for p in fwd.plan() if p.local} == {"192.168.7.20"}


@pytest.mark.usefixtures("two_interfaces")
def test_forwarder_default_route_interface_when_empty(tmp_path: Path) -> None:
    assert _forwarder(tmp_path, "").gateway == "10.0.0.1"
    assert _forwarder(tmp_path, "eth0").lan_ip == "10.0.0.5"


@pytest.mark.usefixtures("two_interfaces")
@pytest.mark.parametrize(
    ("interface", "words"),
    [("wg0", "interface wg0 has no gateway"), ("eth9", "'eth9' does not exist")],
)
def test_forwarder_interface_problems_are_one_line(
    tmp_path: Path, interface: str, words: str
) -> None:
    with pytest.raises(RouterError) as info:
        _ = _forwarder(tmp_path, interface).gateway
    assert words in str(info.value) and "\n" not in str(info.value)

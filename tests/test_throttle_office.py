"""The office's own addresses, and one throttle shared by every login service."""

from __future__ import annotations

from pathlib import Path

from mailcore.imap.server import ImapService
from mailcore.office_networks import OfficeNetworks
from mailcore.pop3.server import Pop3Service
from mailcore.smtp.handlers import SubmissionHandler
from mailcore.smtp.service import SmtpService
from mailcore.throttle import AuthThrottle
from mailcore.webmail import WebmailService
from netcore.ip_history import IpHistory
from pmemail.config.paths import DataPaths
from pmemail.serve.composition import build_server
from pmemail.serve.office import office_networks, public_address
from tests.config_factory import make_config
from tests.throttle_support import FakeClock


def test_office_networks_and_public_address_refresh() -> None:
    """LAN networks match by CIDR, IPv4-mapped too; the public address is re-read."""
    clock, public = FakeClock(), ["198.51.100.7"]
    office = OfficeNetworks(["192.168.1.0/24", "not a network"], lambda: public[0], clock=clock)
    assert "192.168.1.42" in office and "::ffff:192.168.1.42" in office
    assert "198.51.100.7" in office and "10.0.0.1" not in office and "unknown" not in office
    public[0] = "203.0.113.9"  # the dynamic address changed: seen after the refresh
    assert "203.0.113.9" not in office
    clock.now += 61
    assert "203.0.113.9" in office and "198.51.100.7" not in office


def test_public_address_seen_from_outside_else_what_the_router_reports(
    tmp_path: Path,
) -> None:
    """The IP history first; else the router's address, unless nobody outside can reach it."""
    paths = DataPaths(tmp_path / "data")
    reported = ["203.0.113.2"]
    public = public_address(paths, lambda: reported[0])
    assert public() == "203.0.113.2"
    reported[0] = "100.64.7.9"  # the router sits behind CGNAT: not the office's address
    assert public() == ""
    assert public_address(paths)() == ""
    IpHistory(paths.state).record("198.51.100.7", "100.64.7.9")
    assert public() == "198.51.100.7"


def test_composition_shares_one_throttle_with_the_office(tmp_path: Path) -> None:
    """SMTP submission, IMAP, POP3 and webmail get the same throttle; its office is
    security.office_networks plus the last public address of the IP history."""
    setup = make_config(tmp_path, {"security": {"office_networks": ["192.0.2.0/24"]}})
    paths = DataPaths.from_config(setup.config)
    IpHistory(paths.state).record("198.51.100.7", now=1.0)
    services = build_server(setup.config, paths).services
    found: list[AuthThrottle] = []
    for service in services:
        if isinstance(service, SmtpService) and isinstance(service.handler, SubmissionHandler):
            found.append(service.handler.throttle)
        elif isinstance(service, ImapService | Pop3Service):
            found.append(service.settings.throttle)
        elif isinstance(service, WebmailService):
            found.append(service.ctx.throttle)
    assert len(found) >= 4 and all(t is found[0] for t in found)
    office = found[0].office
    assert "192.0.2.80" in office and "198.51.100.7" in office and "203.0.113.1" not in office
    assert "198.51.100.7" in office_networks(setup.config, paths)

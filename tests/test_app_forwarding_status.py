"""The forward step's use cases: plan vs the router's table, the manual plan, applying.

Pure logic on plain data; the router-facing calls are tried with no router
(interface ``lo``, the network guard refusing anything but loopback).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from netcore.router.upnp import RouterMapping
from pmemail.app.action_result import ActionError
from pmemail.app.forwarding_actions import apply_plan
from pmemail.app.forwarding_status import PortPresence, manual_steps, ports_on_router, presence
from pmemail.config import Config, DataPaths
from tests.config_factory import write_config
from tests.tui_wizard_support import app_overrides


def _row(external: int, protocol: str, ours: bool = True) -> RouterMapping:
    return RouterMapping(external, protocol, "192.168.1.10", external, "x", True, 0, ours)


def _config_and_paths(tmp_path: Path) -> tuple[Config, DataPaths]:
    setup = write_config(tmp_path, app_overrides(), loopback=False)
    return setup.config, setup.paths


def test_presence_marks_each_enabled_port_held_by_anyone() -> None:
    """A port is present when the table maps its port and protocol, ours or not."""
    config = Config()
    imap = dataclasses.replace(config.ports.imap, enabled=False)
    config = dataclasses.replace(config, ports=dataclasses.replace(config.ports, imap=imap))
    rows = [_row(25, "tcp"), _row(993, "TCP", ours=False), _row(587, "UDP")]
    found = {p.name: p for p in presence(config, rows)}
    assert "imap" not in found  # disabled: not part of the plan
    assert found["smtp"] == PortPresence("smtp", 25, config.ports.smtp.protocol, True)
    assert found["submission"].present is False  # same port, other protocol
    assert [p.name for p in presence(config, [])] == list(found)
    assert not any(p.present for p in presence(config, []))


def test_presence_reads_the_table_with_other_holders() -> None:
    """Someone else's mapping of the port counts: the port is taken on the router."""
    config = Config()
    smtp = config.ports.smtp
    (first, *_) = presence(config, [_row(smtp.external, smtp.protocol, ours=False)])
    assert first.name == "smtp" and first.present


def test_manual_steps_names_this_computer_when_its_address_is_unknown() -> None:
    """No LAN address yet: the table says so in words, never a made-up address."""
    lines = manual_steps(Config(), "", "THIS COMPUTER")
    text = "\n".join(lines)
    assert "add these rules by hand" in text and "THIS COMPUTER" in text
    assert "192.0.2.0" not in text
    assert "20800" in text and "192.168.1.20" in text  # remote desktop: another LAN host


def test_manual_steps_with_the_lan_address() -> None:
    """A known LAN address goes into the table as it is."""
    text = "\n".join(manual_steps(Config(), "192.168.1.10", "THIS COMPUTER"))
    assert "192.168.1.10" in text and "THIS COMPUTER" not in text


def test_manual_steps_bad_plan_is_one_line() -> None:
    """A plan that cannot be built is an ActionError with the reason."""
    with pytest.raises(ActionError):
        manual_steps(Config(), "not-an-address", "x")


def test_ports_on_router_without_router_is_an_action_error(tmp_path: Path) -> None:
    """No router to read: ActionError with the reason alone (the step words it)."""
    config, paths = _config_and_paths(tmp_path)
    with pytest.raises(ActionError) as caught:
        ports_on_router(config, paths)
    assert str(caught.value) and not str(caught.value).startswith("cannot")


def test_apply_plan_without_router_is_an_action_error(tmp_path: Path) -> None:
    """Applying with no router: ActionError with the reason alone, no traceback."""
    config, paths = _config_and_paths(tmp_path)
    with pytest.raises(ActionError) as caught:
        apply_plan(config, paths)
    assert str(caught.value) and "Traceback" not in str(caught.value)

"""The ISP and router choice: detection from UPnP descriptions, relay defaults, config."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmemail.app import isp_choice
from pmemail.app.forwarding_status import manual_steps
from pmemail.config import load_config
from tests.config_factory import write_config


def test_choices_list_the_belgian_and_french_isps_and_the_routers() -> None:
    offered = isp_choice.choices()
    isps = dict(offered.isps)
    for profile in (
        "proximus",
        "telenet",
        "voo",
        "scarlet",
        "orange-belgium",
        "orange-livebox",
        "freebox",
        "sfr",
        "bouygues",
    ):
        assert profile in isps, profile
    assert "fritzbox" in dict(offered.routers) and "fritzbox" not in isps


@pytest.mark.parametrize(
    ("described", "expected"),
    [
        (("Sagemcom", "Livebox 5", "Orange Livebox"), ("orange-livebox", "")),
        (("AVM Berlin", "FRITZ!Box 7590", "FRITZ!Box 7590"), ("", "fritzbox")),
        (("Bouygues Telecom", "Bbox", ""), ("bouygues", "")),
        (("Debian", "Debian router", ""), ("", "")),
        (("", "", ""), ("", "")),
    ],
)
def test_detect_from_the_routers_description(
    described: tuple[str, str, str], expected: tuple[str, str]
) -> None:
    assert isp_choice.detect(*described) == expected


def test_relay_defaults_follow_the_profile() -> None:
    assert isp_choice.relay_defaults("proximus") == ("relay.proximus.be", 25, "none")
    assert isp_choice.relay_defaults("sfr") == ("smtp.sfr.fr", 465, "tls")
    assert isp_choice.relay_defaults("bouygues") == ("smtp.bbox.fr", 587, "starttls")
    assert isp_choice.relay_defaults("") is None


def test_the_choice_feeds_the_config_and_the_manual_steps(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path).path)
    chosen = isp_choice.apply_choice(config, "proximus", "", "no")
    assert (chosen.isp.profile, chosen.isp.router_profile, chosen.isp.fixed_ip) == (
        "proximus",
        "",
        "no",
    )
    assert chosen.relay == config.relay  # offered by the outbound step, never forced
    steps = "\n".join(manual_steps(chosen, "192.168.1.10", "this computer"))
    # the Proximus box's own steps, its address the detected gateway (issue 16)
    assert "steps for Proximus" in steps and "Port mapping" in steps
    assert isp_choice.apply_choice(config, "", "", "maybe").isp.fixed_ip == "unknown"


def test_apply_dyndns_keeps_what_the_wizard_does_not_ask() -> None:
    """None leaves [dyndns] alone; an empty password keeps the saved one; Duck DNS: no user."""
    from pmemail.app.isp_choice import apply_dyndns
    from pmemail.config.model import Config

    config = Config()
    assert apply_dyndns(config, "", "x", "y", "z") is config
    assert apply_dyndns(config, "custom", "x", "y", "z") is config  # needs a server URL
    noip = apply_dyndns(config, "noip", " office.ddns.net ", "office", "pw1")
    assert (noip.dyndns.provider, noip.dyndns.hostname, noip.dyndns.password) == (
        "noip",
        "office.ddns.net",
        "pw1",
    )
    assert apply_dyndns(noip, "noip", "", "office", "").dyndns.password == "pw1"
    duck = apply_dyndns(noip, "duckdns", "office.duckdns.org", "ignored", "token")
    assert (duck.dyndns.username, duck.dyndns.password) == ("", "token")

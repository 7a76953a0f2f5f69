"""Every shipped router/ISP profile follows the schema; broken samples are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

import router_profiles
from netcore.forwarding_report import router_profile
from netcore.profiles import (
    GENERIC_PROFILE,
    ProfileError,
    all_profiles,
    load_profile,
    parse_profile_text,
)

BAD = Path(__file__).parent / "data" / "bad_profiles"
REQUIRED = {
    "generic-miniupnpd",
    "fritzbox",
    "tp-link",
    "netgear",
    "proximus",
    "telenet",
    "voo",
    "orange-livebox",
    "freebox",
    "scarlet",
    "orange-belgium",
    "sfr",
    "bouygues",
}


def test_every_required_profile_ships_and_validates() -> None:
    """The nine families/ISPs of the issue are all present and valid."""
    profiles = all_profiles()
    assert set(profiles) >= REQUIRED
    assert len(router_profiles.profile_files()) == len(profiles)


@pytest.mark.parametrize("profile_id", sorted(REQUIRED))
def test_profile_content(profile_id: str) -> None:
    """Manual steps exist, ISP profiles carry ISP facts, verified facts name a source."""
    p = load_profile(profile_id)
    assert p.forwarding.menu_path and p.forwarding.steps
    assert p.limits.dmz_wording  # every profile says what the router calls a DMZ
    assert (p.kind == "isp") == (p.isp is not None)
    groups = [p.upnp, p.forwarding, p.limits] + ([p.isp] if p.isp else [])
    for g in groups:
        assert not g.verified or g.source.strip()
    if p.isp:
        assert p.isp.smarthost_host and 0 < p.isp.smarthost_port < 65536


def test_proximus_names_its_relay() -> None:
    """The ISP profile used by the doctor's port-25 advice names the smarthost: the current
    relay.proximus.be on port 25, not the old relay.skynet.be on 587."""
    isp = load_profile("proximus").isp
    assert isp is not None
    assert (isp.smarthost_host, isp.smarthost_port) == ("relay.proximus.be", 25)


def test_unknown_profile_lists_known_ones() -> None:
    """A typo in isp.profile gives the list of valid names."""
    with pytest.raises(ProfileError, match=GENERIC_PROFILE):
        load_profile("fritzbx")


def test_router_profile_falls_back_and_reports_each_bad_name() -> None:
    """The router's profile first, then the ISP's, then generic; each bad name is reported."""
    warnings: list[ProfileError] = []
    profile = router_profile("proximus", "fritzbx", warnings.append)
    assert profile is not None and profile.id == "proximus"
    assert [str(w) for w in warnings] == [str(_error("fritzbx"))]
    warnings.clear()
    generic = router_profile("telenett", "", warnings.append)
    assert generic is not None and generic.id == GENERIC_PROFILE
    assert len(warnings) == 1
    assert router_profile("", "fritzbox") == load_profile("fritzbox")


def _error(name: str) -> ProfileError:
    with pytest.raises(ProfileError) as caught:
        load_profile(name)
    return caught.value


def _expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", sorted(BAD.glob("*.toml")), ids=lambda p: p.stem)
def test_bad_profile_is_refused_with_file_and_key(path: Path) -> None:
    """Each broken sample fails with a message naming the file and the key."""
    origin = f"bad_profiles/{path.name}"
    with pytest.raises(ProfileError) as info:
        parse_profile_text(path.stem, path.read_text(encoding="utf-8"), origin)
    message = str(info.value)
    assert message.startswith(origin + ": ")
    assert _expected(path) in message

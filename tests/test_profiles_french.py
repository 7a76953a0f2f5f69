"""Every router profile's manual steps and menu in French, shown when the language is French."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcore.forwarding_report import localize_step
from netcore.plan import default_gateway
from netcore.profiles import all_profiles, parse_profile_text
from pmemail.app.forwarding_status import manual_steps
from tests.config_factory import write_config
from tests.french_screen_support import english_words

PROFILES = sorted(all_profiles())


@pytest.mark.parametrize("profile_id", PROFILES)
def test_profile_has_french_steps_and_menu(profile_id: str) -> None:
    """As many French steps as English ones, a French menu, no English word in them."""
    facts = all_profiles()[profile_id].forwarding
    assert facts.menu_path_fr and len(facts.steps_fr) == len(facts.steps), profile_id
    for line in (facts.menu_path_fr, *facts.steps_fr):
        assert not english_words(line), (profile_id, line)


@pytest.mark.parametrize("profile_id", PROFILES)
def test_manual_steps_follow_the_language(tmp_path: Path, profile_id: str) -> None:
    """The by-hand plan names the profile's French steps in French, its English in English."""
    facts = all_profiles()[profile_id].forwarding
    gateway = default_gateway() or ""
    for language, menu, steps, other in (
        ("fr", facts.menu_path_fr, facts.steps_fr, facts.steps),
        ("en", facts.menu_path, facts.steps, facts.steps_fr),
    ):
        overrides = {"": {"language": language}, "isp": {"router_profile": profile_id}}
        config = write_config(tmp_path / language, overrides).config
        text = "\n".join(manual_steps(config, "192.168.1.20", "this computer"))
        assert menu in text, (language, text)
        for step in steps:
            assert localize_step(step, gateway) in text, (language, step)
        assert not [s for s in other if localize_step(s, gateway) in text], language


def test_a_profile_without_french_reads_english() -> None:
    """An older or third-party profile (no ``steps_fr``) still loads; French falls back."""
    text = """
name = "Old box"
kind = "router"
[upnp]
verified = false
source = ""
[forwarding]
menu_path = "Advanced > Port forwarding"
steps = ["Open the box's page."]
verified = false
source = ""
[limits]
verified = false
source = ""
"""
    facts = parse_profile_text("old", text, "old.toml").forwarding
    assert facts.menu_in("fr") == "Advanced > Port forwarding"
    assert facts.steps_in("fr") == ["Open the box's page."]

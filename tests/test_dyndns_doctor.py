"""The doctor's ``dyndns`` row against a DNS server on loopback, in English and French."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netcore.checks.dyndns_check import dyndns_result, dyndns_rows
from netcore.dyndns.state import DyndnsState
from pmemail.app.verdict_texts import advice_text, finding_text, title_text
from pmemail.config import Config, DataPaths
from tests.config_factory import make_config
from tests.tiny_dns import MuteDns, TinyDns, Zone, dns_servers

HOST = "mail.example.be"
PUBLIC = "203.0.113.7"


@pytest.fixture
def tiny_dns() -> Iterator[Callable[[Zone], TinyDns]]:
    yield from dns_servers()


def setup(tmp_path: Path, resolver: str, **dyndns: object) -> tuple[Config, DataPaths]:
    made = make_config(
        tmp_path,
        {"isp": {"fixed_ip": "no"}},
        {"network": {"resolver": resolver, "dns_timeout": 0.5}},
        {"dyndns": {"provider": "noip", "username": "office", "password": "pw"} | dyndns},
    )
    return made.config, made.paths


def test_record_on_the_public_address_is_ok(
    tmp_path: Path, tiny_dns: Callable[[Zone], TinyDns]
) -> None:
    """The A record holds the address the echo services see: ok."""
    dns = tiny_dns({(f"{HOST}.", "A"): [PUBLIC]})
    config, paths = setup(tmp_path, dns.address)
    result = dyndns_result(config, paths, PUBLIC)
    assert result is not None and result.status == "ok", result
    assert result.finding == f"{HOST} points at the public address {PUBLIC}"
    assert finding_text(result, "fr") == f"{HOST} désigne l'adresse publique {PUBLIC}"
    assert title_text(result, "fr") == "DNS dynamique"


def test_stale_record_is_said_in_both_languages(
    tmp_path: Path, tiny_dns: Callable[[Zone], TinyDns]
) -> None:
    """The record still holds the old address: a warning, and what to do."""
    dns = tiny_dns({(f"{HOST}.", "A"): ["192.0.2.50"]})
    config, paths = setup(tmp_path, dns.address)
    result = dyndns_result(config, paths, PUBLIC)
    assert result is not None and result.status == "warn"
    assert result.finding == f"{HOST} points at 192.0.2.50, not at the public address {PUBLIC}"
    assert result.details["records"] == ["192.0.2.50"]
    assert "pmemail dyndns update" in result.advice
    assert finding_text(result, "fr").startswith(f"{HOST} désigne 192.0.2.50, et non")
    assert "pmemail dyndns update" in advice_text(result, "fr")


def test_no_record_and_silent_resolver(tmp_path: Path, tiny_dns: Callable[[Zone], TinyDns]) -> None:
    """No A record at all is a mismatch; a resolver that never answers is said as such."""
    config, paths = setup(tmp_path, tiny_dns({}).address)
    missing = dyndns_result(config, paths, PUBLIC)
    assert missing is not None and missing.status == "warn" and "points at -" in missing.finding
    mute = MuteDns()
    try:
        config, paths = setup(tmp_path, mute.address)
        failed = dyndns_result(config, paths, PUBLIC)
    finally:
        mute.close()
    assert failed is not None and failed.message is not None
    assert failed.message.id == "find.dyndns.lookup_failed" and failed.status == "warn"


def test_refused_settings_fail(tmp_path: Path, tiny_dns: Callable[[Zone], TinyDns]) -> None:
    """After badauth the updates stopped: a failure naming the answer, advice on the keys."""
    config, paths = setup(tmp_path, tiny_dns({}).address)
    from netcore.dyndns.settings import DyndnsSettings

    fingerprint = DyndnsSettings.from_config(config).fingerprint()
    DyndnsState(last_answer="badauth", stopped=True, settings=fingerprint).save(
        paths.state / "dyndns.json"
    )
    result = dyndns_result(config, paths, PUBLIC)
    assert result is not None and result.status == "fail"
    assert "(badauth)" in result.finding and "dyndns.password" in result.advice
    assert "(badauth)" in finding_text(result, "fr")


def test_dynamic_without_settings_advises_them(tmp_path: Path) -> None:
    """A dynamic address and an empty [dyndns]: a warning with what to fill in."""
    config, paths = setup(tmp_path, "127.0.0.1:9", username="")
    result = dyndns_result(config, paths, PUBLIC)
    assert result is not None and result.status == "warn"
    assert "[dyndns]" in result.advice and "[dyndns]" in advice_text(result, "fr")


def test_no_row_on_a_fixed_address_or_when_off(tmp_path: Path) -> None:
    """Nothing to say when the address is not dynamic, or dyndns.enabled = "no"."""
    config, paths = setup(tmp_path, "127.0.0.1:9")
    config.isp.fixed_ip = "unknown"
    assert dyndns_result(config, paths, PUBLIC) is None and dyndns_rows(config, paths) == []
    config.isp.fixed_ip = "no"
    assert [r.id for r in dyndns_rows(config, paths)] == ["dyndns"]
    config.dyndns.enabled = "no"
    assert dyndns_rows(config, paths) == []

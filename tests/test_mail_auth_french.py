"""The doctor's DMARC and MTA-STS rows when the DNS fails: what was asked, of whom, what it means.

A real resolver (dnspython) asks a tiny DNS server on 127.0.0.1 that answers
NXDOMAIN, SERVFAIL, REFUSED or nothing; the rows never print the resolver
library's own text, and in French hold no English sentence.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from netcore.mail_dns import lookup_failure_kind
from pmemail.app.cert_wording import placeholders
from pmemail.app.mail_auth_check import dnsbl_result, records_result
from pmemail.app.mail_auth_texts import TEXTS
from pmemail.config import Config, DataPaths
from tests.config_factory import make_config
from tests.french_screen_support import english_words
from tests.tiny_dns import TinyDns

PUBLIC = "203.0.113.2"
DMARC = "_dmarc.example.be."
MTA_STS = "_mta-sts.example.be."
TLS_RPT = "_smtp._tls.example.be."
RAW = ("All nameservers", "resolution lifetime", "Do53", "The DNS operation")
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def tiny() -> Iterator[TinyDns]:
    """A DNS server on loopback that knows no name (NXDOMAIN) until a test says otherwise."""
    server = TinyDns({})
    yield server
    server.close()


def setup(tmp_path: Path, resolver: str, language: str) -> tuple[Config, DataPaths]:
    made = make_config(
        tmp_path,
        {"network": {"resolver": resolver, "dns_timeout": 0.5}},
        {"": {"language": language}},
    )
    return made.config, made.paths


def row(kind: str, tmp_path: Path, resolver: str, language: str) -> tuple[str, str]:
    """(finding, status) of the ``records.<kind>`` row."""
    config, paths = setup(tmp_path / language, resolver, language)
    result = records_result(kind, config, paths, PUBLIC)
    assert not any(raw in result.finding for raw in RAW), result.finding
    return result.finding, result.status


def assert_french(text: str) -> None:
    assert not english_words(text), (english_words(text), text)


def test_nxdomain_is_a_missing_record(tmp_path: Path, tiny: TinyDns) -> None:
    """NXDOMAIN: the record is not published (a warning with the line to publish)."""
    config, paths = setup(tmp_path, tiny.address, "fr")
    result = records_result("dmarc", config, paths, PUBLIC)
    assert result.status == "warn" and result.details["findings"][0]["kind"] == "missing"
    assert result.finding == "_dmarc.example.be n'a pas cet enregistrement"
    assert result.advice.startswith("publiez ces enregistrements")


@pytest.mark.parametrize(
    ("kind", "names"), [("dmarc", [DMARC]), ("mta_sts", [MTA_STS, TLS_RPT])], ids=str
)
def test_servfail_says_whom_it_asked_and_what_it_means(
    kind: str, names: list[str], tmp_path: Path, tiny: TinyDns
) -> None:
    """SERVFAIL: the resolver asked, the record, and that its state is unknown."""
    tiny.servfail.update(names)
    record = {"dmarc": "DMARC", "mta_sts": "MTA-STS"}[kind]
    en, status = row(kind, tmp_path, tiny.address, "en")
    assert status == "warn"
    assert en.startswith(
        f"asked the DNS resolver {tiny.address} (network.resolver) for the {record} record "
        f"of {names[0].rstrip('.')} (TXT): it answered SERVFAIL"
    )
    assert f"whether {record} is published is unknown" in en
    fr, _ = row(kind, tmp_path, tiny.address, "fr")
    assert fr.startswith(
        f"le résolveur DNS {tiny.address} (network.resolver) a été interrogé sur "
        f"l'enregistrement {record} de {names[0].rstrip('.')} (TXT) : il a répondu SERVFAIL"
    )
    assert_french(fr)
    if kind == "mta_sts":
        assert en.endswith("(+1)") and fr.endswith("(+1)")  # TLS-RPT failed too


def test_timeout_names_the_wait(tmp_path: Path, tiny: TinyDns) -> None:
    """No answer: how long it waited, and that the resolver is down or slow."""
    tiny.mute.add(DMARC)
    en, _ = row("dmarc", tmp_path, tiny.address, "en")
    assert "DMARC record of _dmarc.example.be (TXT): no answer within 0.5 s" in en
    fr, _ = row("dmarc", tmp_path, tiny.address, "fr")
    assert "pas de réponse en 0.5 s" in fr and "trop lent" in fr
    assert_french(fr)


def test_refused_says_to_pick_another_resolver(tmp_path: Path, tiny: TinyDns) -> None:
    """REFUSED: this resolver does not serve this machine."""
    tiny.refused.add(MTA_STS)
    fr, _ = row("mta_sts", tmp_path, tiny.address, "fr")
    assert "il a refusé la question" in fr and "network.resolver" in fr
    assert_french(fr)


def test_nothing_listening_reads_as_silence(tmp_path: Path) -> None:
    """A resolver address where nothing listens: over UDP that is silence, said as such."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    fr, _ = row("dmarc", tmp_path, closed, "fr")
    assert "pas de réponse en 0.5 s" in fr
    assert_french(fr)


@pytest.mark.parametrize(
    ("said", "kind"),
    [("SERVFAIL", "servfail"), ("REFUSED", "refused"), (OSError(113, "no route"), "unreachable")],
    ids=str,
)
def test_failure_kinds_of_the_resolver_library(said: object, kind: str) -> None:
    """How dnspython reports each server's failure, read as a word (pure logic)."""
    import dns.message
    import dns.resolver

    request = dns.message.make_query("_dmarc.example.be.", "TXT")
    exc = dns.resolver.NoNameservers(  # type: ignore[no-untyped-call]
        request=request, errors=[("127.0.0.1", False, 53, said, None)]
    )
    assert lookup_failure_kind(exc) == kind
    late = dns.resolver.LifetimeTimeout(timeout=0.5, errors=[])  # type: ignore[no-untyped-call]
    assert lookup_failure_kind(late) == "timeout"
    assert lookup_failure_kind(ValueError("x")) == "other"


def test_every_mail_auth_text_has_both_languages() -> None:
    """Each sentence of the catalogue in English and French, with the same placeholders."""
    for key, texts in TEXTS.items():
        assert set(texts) == {"en", "fr"}, key
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), key


@pytest.mark.parametrize(("failure", "said"), [("servfail", "SERVFAIL"), ("mute", "0.5 s")])
def test_dnsbl_without_a_verdict_says_why_in_words(
    failure: str, said: str, tmp_path: Path, tiny: TinyDns
) -> None:
    """A blocklist lookup that fails: the resolver asked and why, not the library's text."""
    name = "2.113.0.203.zen.spamhaus.org."
    (tiny.servfail if failure == "servfail" else tiny.mute).add(name)
    made = make_config(
        tmp_path,
        {"network": {"resolver": tiny.address, "dns_timeout": 0.5}},
        {"antispam": {"dnsbl": ["zen.spamhaus.org"]}},
        {"": {"language": "fr"}},
    )
    result = dnsbl_result(made.config, PUBLIC)
    assert result.status == "skipped"
    assert f"le résolveur DNS {tiny.address}" in result.finding and said in result.finding
    assert not any(raw in result.finding for raw in RAW), result.finding
    assert result.details["answer"]  # the library's own text stays for the logs
    assert_french(result.finding)

"""The checks' findings and advice as message ids: English as before, French beside it."""

from __future__ import annotations

import errno
import socket

import pytest

from netcore.checks.address import ip_kind_result, nat_result, public_ip_result, router_result
from netcore.checks.dns_check import dns_result
from netcore.checks.failure_words import describe_error, error_message_id
from netcore.checks.result import CheckResult
from netcore.checks.router_probe import RouterView
from netcore.checks.verdict_messages import Msg
from netcore.echo_service import PublicIpAnswers
from netcore.ip_kind import ip_kind_verdict, rdns_hint
from netcore.mail_dns import MailDns
from netcore.nat import nat_verdict
from pmemail.app.verdict_texts import advice_text, finding_text, title_text


def results() -> list[CheckResult]:
    """One result of each kind of finding the address and DNS checks give."""
    pmp = RouterView(natpmp=True)
    fritz = RouterView(upnp=True, manufacturer="AVM", model="FRITZ!Box", upnp_external_ip="")
    dyn = ip_kind_verdict(
        changes=0,
        observations=1,
        span_s=0,
        admin="unknown",
        profile_fixed=None,
        rdns=rdns_hint("81-243-12-7.adsl.isp.example", "81.243.12.7"),
    )
    return [
        router_result(RouterView(), "192.168.1.1"),
        router_result(RouterView(), ""),
        router_result(RouterView(natpmp=True, natpmp_external_ip="100.64.3.4"), "10.0.0.1"),
        router_result(pmp, "10.0.0.1"),
        router_result(fritz, "10.0.0.1"),
        public_ip_result(PublicIpAnswers("81.2.3.4", {"a": "81.2.3.4"}), 0.1),
        nat_result(nat_verdict("192.168.1.2", True, "10.0.0.2", "81.2.3.4"), 0.1),
        nat_result(nat_verdict("192.168.1.2", True, "81.2.3.4", "81.2.3.4"), 0.1),
        ip_kind_result(dyn, {}, 0.1),
        dns_result("office.be", "mail.office.be", "81.2.3.4", MailDns(), 0.1),
    ]


@pytest.mark.parametrize("result", results(), ids=lambda r: r.message.id if r.message else "?")
def test_english_default_is_the_finding_and_the_advice(result: CheckResult) -> None:
    """``finding``/``advice`` (the stable --json words) are the messages' English."""
    assert result.message is not None
    assert result.message.english() == result.finding
    assert finding_text(result, "en") == result.finding
    assert advice_text(result, "en") == result.advice
    assert bool(result.advice_messages) == bool(result.advice)
    assert finding_text(result, "fr") != result.finding


def test_router_findings_in_both_languages() -> None:
    """Named or not, the router's external address and its kind are worded."""
    cgnat = router_result(RouterView(natpmp=True, natpmp_external_ip="100.64.3.4"), "10.0.0.1")
    assert cgnat.finding == "a router (NAT-PMP), external address 100.64.3.4 (shared)"
    assert finding_text(cgnat, "fr") == (
        "le routeur (NAT-PMP), adresse externe 100.64.3.4 (partagée (CGNAT))"
    )
    none = router_result(RouterView(), "192.168.1.1")
    assert advice_text(none, "fr").startswith("activez UPnP (IGD) ou NAT-PMP")


def test_nat_reason_is_worded_in_the_same_language() -> None:
    """A finding that quotes its reason words the reason in French too."""
    behind = nat_result(nat_verdict("192.168.1.2", True, "10.0.0.2", "81.2.3.4"), 0.1)
    assert behind.finding.startswith("double NAT or carrier-grade NAT")
    assert "10.0.0.2, a private (RFC 1918) address" in behind.finding
    fr = finding_text(behind, "fr")
    assert fr.startswith("double NAT ou NAT de l'opérateur : la redirection de ports est")
    assert "10.0.0.2, une adresse privée (RFC 1918)" in fr
    assert "demandez à votre fournisseur une adresse IPv4 publique" in advice_text(behind, "fr")


def test_one_nat_with_a_private_box_past_the_router_says_what_was_seen() -> None:
    """The router's public address and a private next box: still ok, the box named."""
    verdict = nat_verdict("192.168.1.2", True, "203.0.113.2", "203.0.113.2")
    private_hop = nat_result(verdict, 0.1, upstream_hop="192.168.100.1")
    assert private_hop.status == "ok"
    assert "(192.168.100.1) has a private address too" in private_hop.finding
    assert "(192.168.100.1) a lui aussi une adresse privée" in finding_text(private_hop, "fr")
    public_hop = nat_result(verdict, 0.1, upstream_hop="81.2.3.1")
    assert public_hop.finding == "behind one NAT, the router's (the normal office set-up)"


def test_dns_problems_count_and_publish_advice() -> None:
    """Several DNS problems: the first one and how many more; the records stay as they are."""
    dns = dns_result("office.be", "mail.office.be", "81.2.3.4", MailDns(), 0.1)
    assert dns.finding == "office.be has no MX record (+2 more)"
    assert finding_text(dns, "fr") == "office.be n'a pas d'enregistrement MX (+2 autre(s))"
    fr = advice_text(dns, "fr")
    assert fr.startswith("publiez ces enregistrements") and "office.be." in fr


@pytest.mark.parametrize(
    ("exc", "key"),
    [
        (socket.gaierror(-3, "Temporary failure in name resolution"), "error.name"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "error.unreachable"),
        (ValueError("bug"), "error.bug"),
    ],
)
def test_a_crash_is_worded_without_the_raw_error(exc: BaseException, key: str) -> None:
    """The crashed check's sentence names whom it asked, in both languages; no errno text."""
    assert error_message_id(exc)[0] == key
    crashed = CheckResult(
        "dns",
        "DNS",
        "fail",
        describe_error(exc),
        message=Msg("check.crashed.dns", parts={"error": Msg(*error_message_id(exc))}),
    )
    en, fr = finding_text(crashed, "en"), finding_text(crashed, "fr")
    assert en.startswith("asking the DNS resolver") and "[Errno" not in en
    assert fr.startswith("en attendant une réponse du résolveur DNS") and "Errno" not in fr


def test_titles_in_french() -> None:
    """The CLI's titles follow the language; others (already worded) stay as they are."""
    row = CheckResult("inbound.smtp", "Inbound 25/TCP (smtp)", "ok", "")
    assert title_text(row, "fr") == "Accès depuis Internet au port 25/TCP (smtp)"
    details = {"external": 587, "protocol": "TCP"}
    full = CheckResult("inbound.submission", "Inbound 587/TCP (submission)", "ok", "", details)
    assert title_text(full, "en") == full.title
    assert title_text(full, "fr") == "Accès depuis Internet au port 587/TCP (submission)"
    timed_out = CheckResult("inbound.imap", "Inbound 143", "warn", "")
    assert title_text(timed_out, "fr") == "Accès depuis Internet au port 143"
    assert title_text(CheckResult("public_ip", "Public address", "ok", ""), "fr") == (
        "Adresse publique"
    )
    assert title_text(CheckResult("cert.25", "Certificat sur 25", "ok", ""), "fr") == (
        "Certificat sur 25"
    )


@pytest.mark.parametrize(
    ("manufacturer", "model", "name"),
    [
        ("Debian", "Debian router", "Debian router"),  # miniupnpd: not "Debian Debian router"
        ("AVM", "FRITZ!Box", "AVM FRITZ!Box"),
        ("AVM", "", "AVM"),
        ("", "FRITZ!Box", "FRITZ!Box"),
        ("", "", ""),
    ],
)
def test_router_name_says_the_manufacturer_once(manufacturer: str, model: str, name: str) -> None:
    view = RouterView(
        upnp=True, manufacturer=manufacturer, model=model, upnp_external_ip="81.2.3.4"
    )
    assert view.name == name
    if name:
        assert f"{name} (UPnP)" in router_result(view, "10.0.0.1").finding

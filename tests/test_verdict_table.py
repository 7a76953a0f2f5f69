"""The subscription verdict's decision table: one test per row, then the limits.

Pure: :func:`netcore.checks.verdict_table.decide` on hand-made evidence. The
lab scenarios that produce such evidence live in tests/test_net_doctor_lab.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from netcore.checks.verdict_messages import ENGLISH, Msg
from netcore.checks.verdict_table import ROWS, Evidence, PortSeen, decide

SMTP_OK = PortSeen("smtp", 25, True, mapped=True)
IMAPS_OK = PortSeen("imaps", 993, True, mapped=True)
SMTP_NO = PortSeen("smtp", 25, False)
IMAPS_NO = PortSeen("imaps", 993, False)
ROUTER = Evidence(router_found=True, nat="nat", ip="fixed", outbound_25="open")


def ids(msgs: Sequence[Msg]) -> list[str]:
    """The message ids of a list of Msg."""
    return [m.id for m in msgs]


def test_every_row_is_tested_here() -> None:
    """The table and this file stay in step: a row added without a test fails."""
    tested = {name[len("test_row_") :] for name in globals() if name.startswith("test_row_")}
    assert tested == {r.name for r in ROWS}


def test_row_no_network() -> None:
    """No LAN: say there is no network and advise only to connect (no router command)."""
    d = decide(Evidence(network=False))
    assert (d.row, d.hosting, d.summary.id) == ("no_network", "unknown", "summary.no_network")
    assert ids(d.advice) == ["advice.connect"] and "ports" not in ENGLISH["advice.connect"]


def test_row_all_reached() -> None:
    """Hand-made forwards, no UPnP, NAT unknown: reachable from outside is enough."""
    e = Evidence(gateway="192.168.2.1", ports=(SMTP_OK, IMAPS_OK), nat="unknown", ip="fixed")
    e = replace(e, ports=(PortSeen("smtp", 25, True), IMAPS_OK))
    d = decide(e)
    assert (d.row, d.hosting, d.low_ports) == ("all_reached", "allows", "reachable")
    assert d.advice == [] and d.limits == []


def test_row_some_reached() -> None:
    """Some reached, others not forwarded: allows with a limit and 'run the forwarding'."""
    d = decide(replace(ROUTER, ports=(SMTP_NO, PortSeen("sub", 1234, True, True))))
    assert (d.row, d.hosting) == ("some_reached", "allows_with_limits")
    assert ids(d.limits) == ["limit.not_reached"] and d.limits[0].params["ports"] == "25"
    assert ids(d.advice) == ["advice.run_forwarding"]


def test_row_mapped_unreached() -> None:
    """Mapped on the router, unreachable (1234, 20800 included): upstream NAT or filter."""
    ports = (PortSeen("sub", 1234, False, True), PortSeen("rdp", 20800, False, True))
    d = decide(replace(ROUTER, ports=ports))
    assert (d.row, d.hosting, d.summary.id) == (
        "mapped_unreached",
        "does_not_allow",
        "summary.upstream",
    )
    assert "limit.low_filtered" not in ids(d.limits)
    assert ids(d.limits) == ["limit.upstream"] and d.limits[0].params["ports"] == "1234, 20800"
    assert ids(d.advice)[:2] == ["advice.upstream", "advice.ask_public_ipv4"]
    assert "below 1024" not in " ".join(m.english() for m in d.limits)


MAPPED_NO = (PortSeen("sub", 1234, False, True), PortSeen("web", 1235, False, True))


def test_row_double_nat() -> None:
    """Mapped, unreachable, a private box past the router: the modem; bridge it, not CGNAT."""
    d = decide(replace(ROUTER, ports=MAPPED_NO, upstream_hop="192.168.100.1"))
    assert (d.row, d.hosting, d.nat, d.low_ports) == (
        "double_nat",
        "does_not_allow",
        "double_nat",
        "unknown",
    )
    assert d.summary.id == "summary.double_nat" and "192.168.100.1" in d.summary.english()
    assert ids(d.limits) == ["limit.upstream"] and d.limits[0].params["ports"] == "1234, 1235"
    assert ids(d.advice) == ["advice.bridge_modem_ahead", "advice.ask_public_ipv4"]
    words = d.advice[0].english()
    assert "bridge mode" in words and "1234, 1235" in words and "192.168.100.1" in words
    text = " ".join(m.english() for m in [d.summary, *d.limits, *d.advice])
    assert "carrier-grade" not in text and "below 1024" not in text


def test_a_private_hop_alone_is_no_double_nat() -> None:
    """Cable ISPs often have a 10.x second hop: without a mapped port that fails, no verdict."""
    d = decide(replace(ROUTER, ports=(SMTP_NO,), upstream_hop="10.1.2.3"))
    assert (d.row, d.nat) == ("router_not_forwarded", "nat")


def test_mapped_unreachable_behind_a_shared_hop_is_cgnat() -> None:
    """The router's WAN in 100.64/10 re-NATed by the ISP: CGNAT, ask the ISP."""
    d = decide(replace(ROUTER, ports=MAPPED_NO, upstream_hop="100.64.0.1"))
    assert (d.row, d.hosting, d.nat) == ("cgnat", "does_not_allow", "double_nat")
    assert ids(d.advice) == ["advice.ask_public_ipv4", "advice.meanwhile"]
    assert ids(d.limits) == ["limit.upstream"]


def test_row_cgnat() -> None:
    """CGNAT, nothing reached: does not allow, ISP advice and what to do meanwhile."""
    d = decide(Evidence(ports=(SMTP_NO,), router_found=True, nat="double_nat", ip="dynamic"))
    assert (d.row, d.hosting) == ("cgnat", "does_not_allow")
    assert ids(d.advice) == ["advice.ask_public_ipv4", "advice.meanwhile"]
    assert "advice.run_forwarding" not in ids(d.advice)


def test_row_router_not_forwarded() -> None:
    """Open IGD before forwarding: the line allows; advice says run the forwarding."""
    d = decide(replace(ROUTER, ports=(SMTP_NO, IMAPS_NO), gateway="192.168.2.1"))
    assert (d.row, d.hosting, d.low_ports) == ("router_not_forwarded", "allows", "unknown")
    assert ids(d.advice) == ["advice.run_forwarding"]
    assert d.advice[0].params["ports"] == "25, 993"


def test_row_no_router_not_forwarded() -> None:
    """No UPnP/NAT-PMP and no forwards: unknown, with manual steps at the real gateway."""
    d = decide(Evidence(gateway="192.168.2.1", ports=(SMTP_NO,), ip="unknown"))
    assert (d.row, d.hosting) == ("no_router_not_forwarded", "unknown")
    assert ids(d.advice)[0] == "advice.forward_by_hand"
    assert "http://192.168.2.1" in d.advice[0].english()


def test_untested_with_a_public_router_address() -> None:
    """Echo down makes the NAT unknown; the router's public address still speaks."""
    e = Evidence(ports=(PortSeen("smtp", 25, None),), router_found=True, router_public=True)
    assert decide(e).row == "untested_router_ok"


def test_row_untested_router_ok() -> None:
    """Echo service down: the router's word, a limit saying it is unverified."""
    d = decide(replace(ROUTER, ports=(PortSeen("smtp", 25, None),)))
    assert (d.row, d.hosting) == ("untested_router_ok", "allows_with_limits")
    assert ids(d.limits) == ["limit.untested"] and ids(d.advice) == ["advice.echo"]


def test_row_otherwise() -> None:
    """Nothing answered (DNS broken, no router, no echo): unknown, never a guess."""
    d = decide(Evidence(ports=(PortSeen("smtp", 25, None),)))
    assert (d.row, d.hosting, d.summary.id) == ("otherwise", "unknown", "summary.unknown")
    assert ids(d.advice)[0] == "advice.echo"  # never empty advice


def test_blocked_25_relay_is_in_the_advice() -> None:
    """The relay is advice, not only a limit."""
    e = Evidence(
        ports=(IMAPS_OK,),
        router_found=True,
        nat="nat",
        ip="fixed",
        outbound_25="blocked",
        relay="relay.proximus.be",
    )
    d = decide(e)
    assert ids(d.limits) == ["limit.out25_relay"] and ids(d.advice) == ["advice.relay"]
    assert "relay.proximus.be" in d.advice[0].english()
    unknown_relay = decide(replace(e, relay=""))
    assert ids(unknown_relay.advice) == ["advice.ask_relay"]


def test_dynamic_address_gets_dynamic_dns_advice() -> None:
    """A dynamic address is a limit with dynamic-DNS advice."""
    d = decide(Evidence(ports=(IMAPS_OK,), router_found=True, nat="nat", ip="dynamic"))
    assert d.hosting == "allows_with_limits"
    assert ids(d.limits) == ["limit.dynamic"] and ids(d.advice) == ["advice.dynamic_dns"]


def test_low_ports_filtered_needs_proof() -> None:
    """Filtered below 1024 only when a forwarded low port fails while a high one works."""
    high = PortSeen("sub", 1587, True, True)
    d = decide(replace(ROUTER, ports=(PortSeen("smtp", 25, False, True), high)))
    assert d.low_ports == "filtered" and "limit.low_filtered" in ids(d.limits)
    d = decide(replace(ROUTER, ports=(SMTP_NO, high)))  # 25 not forwarded: not proof
    assert d.low_ports == "unknown" and "limit.low_filtered" not in ids(d.limits)


def test_every_message_fills_its_placeholders() -> None:
    """Each id used renders without a '?' when its parameters are given."""
    d = decide(
        Evidence(
            gateway="192.168.2.1",
            ports=(PortSeen("sub", 1234, False, True), SMTP_NO, IMAPS_OK),
            router_found=True,
            nat="nat",
            ip="dynamic",
            outbound_25="blocked",
            relay="relay.example",
        )
    )
    for m in [d.summary, *d.limits, *d.advice]:
        assert "?" not in m.english(), m
    double = decide(replace(ROUTER, ports=MAPPED_NO, upstream_hop="192.168.100.1"))
    for m in [double.summary, *double.limits, *double.advice]:
        assert "?" not in m.english(), m


def test_every_verdict_message_has_english_and_french() -> None:
    """Same ids in both languages, same placeholders."""
    from pmemail.app.cert_wording import placeholders
    from pmemail.app.verdict_texts import FRENCH

    assert set(FRENCH) == set(ENGLISH)
    for key, text in ENGLISH.items():
        assert placeholders(FRENCH[key]) == placeholders(text), key


def test_verdict_lines_in_french() -> None:
    """The CLI and the wizard word the verdict's ids in the chosen language."""
    from netcore.checks.result import CheckResult
    from netcore.checks.subscription import subscription_verdict

    results = [
        CheckResult("lan", "LAN", "ok", "", {"gateway": "192.168.2.1"}),
        CheckResult("inbound.smtp", "x", "warn", "", {"external": 25, "reachable": False}),
        CheckResult("ip_kind", "x", "ok", "", {"kind": "dynamic"}),
    ]
    from pmemail.app.verdict_texts import verdict_lines

    summary, limits, advice = verdict_lines(subscription_verdict(results).to_dict(), "fr")
    assert summary.startswith("impossible de dire encore")
    assert any("http://192.168.2.1" in a and "à la main" in a for a in advice)
    assert any("DNS dynamique" in a for a in advice) and limits
    en = subscription_verdict(results).to_dict()
    assert verdict_lines(en, "en")[0] == en["summary"]


def test_check_findings_are_worded_in_french() -> None:
    """A check with a message id reads French; one without keeps its English finding."""
    from netcore.checks.failure_words import timeout_message_id
    from netcore.checks.result import CheckResult
    from pmemail.app.verdict_texts import finding_text

    reach = CheckResult(
        "inbound.imap",
        "x",
        "ok",
        "port 143 ...",
        {},
        message=Msg("check.inbound.reachable", {"port": "143"}),
    )
    assert finding_text(reach, "fr") == "le port 143 est joignable depuis Internet"
    assert finding_text(reach, "en") == "port 143 is reachable from the internet"
    plain = CheckResult("router", "Router", "ok", "a router")
    assert finding_text(plain, "fr") == "a router"
    slow = Msg(timeout_message_id("inbound.smtp"), {"seconds": "8"})
    assert slow.english().startswith("no answer within 8 s from the echo service")
    assert timeout_message_id("records.spf") == "check.timeout.records"


def test_ports_the_router_refused_get_manual_advice_not_run_the_forwarding() -> None:
    """After a refused apply, 'run the forwarding' would loop: by hand or --fallback instead."""
    refused = PortSeen("webmail", 1235, False, refused=True)
    d = decide(
        replace(ROUTER, ports=(PortSeen("sub", 1234, True, True), refused), gateway="10.0.0.1")
    )
    assert ids(d.advice) == ["advice.refused_by_router"]
    assert "http://10.0.0.1" in d.advice[0].english() and "1235" in d.advice[0].english()


def test_forwarding_next_steps_in_french() -> None:
    """`ports apply`'s next steps word their ids in French; the English stays the default."""
    from netcore.forwarding_report import next_steps_lines
    from pmemail.app.verdict_texts import sayer

    doc = {
        "summary": {"ok": 1, "total": 2},
        "lease": {"seconds": 3600},
        "fallback": [
            {"name": "smtp", "external": 25, "protocol": "TCP", "proposed_external": None},
            {"name": "imap", "external": 143, "protocol": "TCP", "proposed_external": 1143},
        ],
    }
    fr = "\n".join(next_steps_lines(doc, sayer("fr")))
    assert "1 port(s) sur 2 redirigé(s)" in fr and "`pmemail serve` les renouvelle" in fr
    assert "utilisez le port externe 1143 au lieu de 143" in fr
    en = "\n".join(next_steps_lines(doc))
    assert "1 of 2 port(s) forwarded" in en and "NOT useful" in en


def test_double_nat_behind_the_office_modem_advises_bridge_mode() -> None:
    """A private address on the router's WAN: the office's own modem, bridge mode first."""
    e = Evidence(
        ports=(SMTP_NO,), router_found=True, nat="double_nat", router_private="192.168.0.2"
    )
    d = decide(e)
    assert d.row == "double_nat" and ids(d.advice) == [
        "advice.bridge_modem",
        "advice.ask_public_ipv4",
    ]
    assert "192.168.0.2" in d.advice[0].english() and "192.168.0.2" in d.summary.english()
    assert "carrier-grade" not in d.summary.english()


def test_ports_apply_isp_advice_by_router_address() -> None:
    """`ports apply` behind NAT: bridge mode for a private WAN address, the ISP otherwise."""
    from netcore.forwarding_report import isp_advice

    assert ids(isp_advice("192.168.0.2"))[0] == "advice.bridge_modem"
    assert ids(isp_advice("100.64.1.2")) == ["advice.ask_public_ipv4", "advice.meanwhile"]
    assert ids(isp_advice("")) == ["advice.ask_public_ipv4", "advice.meanwhile"]

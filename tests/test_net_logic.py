"""Pure logic of the network assistant: classification, verdicts, rDNS, history."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from netcore.addresses import classify, is_routable_for_us
from netcore.checks.outbound import check_outbound_25, split_hostport, tcp_probe
from netcore.checks.result import CheckResult
from netcore.checks.runner import _Run
from netcore.checks.subscription import subscription_verdict
from netcore.checks.table import CHECKS, REPORT_ORDER, check_table
from netcore.checks.threads import in_thread
from netcore.checks.verdict_messages import Msg
from netcore.ip_history import IpHistory
from netcore.ip_kind import ip_kind_verdict, rdns_hint
from netcore.isp_facts import IspHints, isp_hints
from netcore.mail_dns import spf_allows
from netcore.nat import nat_verdict
from pmemail.config import DataPaths
from pmemail.config.model import Config


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", "public"),
        ("2a00:1450::1", "public"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.2.1", "private"),
        ("100.64.0.1", "shared"),
        ("100.127.255.254", "shared"),
        ("203.0.113.2", "documentation"),
        ("198.51.100.10", "documentation"),
        ("2001:db8::1", "documentation"),
        ("127.0.0.1", "loopback"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("224.0.0.1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
        ("not-an-ip", "invalid"),
    ],
)
def test_classify(address: str, kind: str) -> None:
    assert classify(address) == kind


def test_documentation_counts_as_routable_but_private_and_cgnat_do_not() -> None:
    assert is_routable_for_us("203.0.113.2") and is_routable_for_us("8.8.8.8")
    for address in ("10.0.0.1", "100.64.3.4", "127.0.0.1", "169.254.1.1", "0.0.0.0"):
        assert not is_routable_for_us(address)


def test_nat_verdicts() -> None:
    assert nat_verdict("192.168.2.2", True, "203.0.113.2", "203.0.113.2").kind == "nat"
    assert nat_verdict("81.1.1.1", False, "", "81.1.1.1").kind == "direct"
    cgnat = nat_verdict("192.168.1.2", True, "100.64.7.1", "81.2.3.4")
    assert (cgnat.kind, cgnat.forwarding_possible) == ("double_nat", False)
    assert "shared carrier-grade" in cgnat.reasons[0] and "ISP" in cgnat.advice
    assert nat_verdict("192.168.1.2", True, "10.0.0.2", "81.2.3.4").kind == "double_nat"
    assert nat_verdict("192.168.1.2", True, "81.2.3.5", "81.2.3.4").kind == "double_nat"
    no_ext = nat_verdict("192.168.1.2", True, "", "81.2.3.4")
    assert no_ext.kind == "double_nat" and "no usable external address" in no_ext.reasons[0]
    assert nat_verdict("192.168.1.2", False, "", "81.2.3.4").kind == "unknown"
    assert nat_verdict("192.168.1.2", False, "", "").forwarding_possible is None


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("81-243-12-7.adsl.isp.example", "dynamic"),
        ("7.12.243.81.isp.example", "dynamic"),  # the address spelled backwards
        ("host-x.dyn.isp.example", "dynamic"),
        ("cpe.dhcp.cable.isp.example", "dynamic"),
        ("cust42.pool.isp.example", "dynamic"),
        ("static-office.isp.example", "fixed"),
        ("mail.office.be", "fixed"),  # a business's own short name
        ("a.b.c.isp.example", "none"),
        ("", "none"),
    ],
)
def test_rdns_hint(name: str, hint: str) -> None:
    assert rdns_hint(name, "81.243.12.7")[0] == hint


def _kind(**kw: object) -> str:
    args: dict[str, object] = {
        "changes": 0,
        "observations": 1,
        "span_s": 0.0,
        "admin": "unknown",
        "profile_fixed": None,
        "rdns": ("none", Msg("ipk.rdns.none")),
    } | kw
    return ip_kind_verdict(**args).kind  # type: ignore[arg-type]


def test_ip_kind_evidence_order() -> None:
    assert _kind() == "unknown"
    assert _kind(changes=1, admin="yes") == "dynamic"  # a change seen beats the admin
    assert _kind(admin="yes", rdns=("dynamic", Msg("ipk.rdns.none"))) == "fixed"
    assert _kind(admin="no") == "dynamic"
    assert _kind(profile_fixed=False) == "dynamic"
    assert _kind(profile_fixed=True, rdns=("dynamic", Msg("ipk.rdns.none"))) == "fixed"
    assert _kind(rdns=("dynamic", Msg("ipk.rdns.none"))) == "dynamic"
    assert _kind(rdns=("fixed", Msg("ipk.rdns.none"))) == "fixed"
    dyn = ip_kind_verdict(
        changes=2,
        observations=3,
        span_s=10,
        admin="unknown",
        profile_fixed=None,
        rdns=("none", Msg("ipk.rdns.none")),
    )
    assert "dynamic DNS" in dyn.advice and "professional" in dyn.advice
    assert "ADSL" in dyn.advice and "cable" in dyn.advice


def test_history_one_line_per_change_and_fsynced_json(tmp_path: Path) -> None:
    hist = IpHistory(tmp_path / "state")
    assert hist.record("", "") is False and hist.entries() == []
    assert hist.record("203.0.113.2", "203.0.113.2", now=100) is False  # first: no change
    assert hist.record("203.0.113.2", "203.0.113.2", now=200) is False
    assert [(e.first_seen, e.last_seen) for e in hist.entries()] == [(100, 200)]
    assert hist.record("203.0.113.3", "203.0.113.3", now=300) is True
    assert hist.changes() == 1
    lines = (tmp_path / "state" / "ip_history.jsonl").read_text().splitlines()
    assert [json.loads(x)["address"] for x in lines] == ["203.0.113.2", "203.0.113.3"]
    with open(hist.path, "a") as f:
        f.write('{"torn": ')  # a crash mid-write must not hide the rest
    assert len(hist.entries()) == 2


def test_spf_allows() -> None:
    assert spf_allows("v=spf1 ip4:81.2.3.0/24 -all", "81.2.3.4", [])
    assert spf_allows("v=spf1 mx ~all", "81.2.3.4", ["81.2.3.4"])
    assert not spf_allows("v=spf1 include:_spf.isp.example ~all", "81.2.3.4", ["81.2.3.4"])


def _r(cid: str, **details: object) -> CheckResult:
    return CheckResult(cid, cid, "ok", "", dict(details))


def test_subscription_verdicts_in_words() -> None:
    good = [
        _r("nat", kind="nat"),
        _r("ip_kind", kind="fixed"),
        _r("outbound_25", outcome="open"),
        _r("inbound.smtp", external=25, low_port=True, reachable=True),
    ]
    assert subscription_verdict(good).hosting == "allows"
    unreached = _r("inbound.smtp", external=25, low_port=True, reachable=False)
    cg = subscription_verdict([_r("nat", kind="double_nat"), *good[1:3], unreached])
    assert cg.hosting == "does_not_allow"
    assert "does not allow hosting mail" in cg.summary and "public IPv4" in " ".join(cg.advice)
    limited = subscription_verdict(
        [
            good[0],
            _r("ip_kind", kind="dynamic"),
            _r("outbound_25", outcome="blocked", smarthost="relay.isp.example"),
            _r("inbound.smtp", external=25, low_port=True, reachable=False),
            _r("inbound.imaps", external=1993, low_port=False, reachable=True),
        ],
        mapped={25, 1993},
    )
    assert limited.hosting == "allows_with_limits"
    assert (limited.ip, limited.outbound_25, limited.low_ports) == (
        "dynamic",
        "blocked",
        "filtered",
    )
    assert "relay.isp.example" in limited.summary
    assert subscription_verdict([]).hosting == "unknown"


def test_split_hostport() -> None:
    assert split_hostport("smtp.example:587") == ("smtp.example", 587)
    assert split_hostport("mx.example") == ("mx.example", 25)
    with pytest.raises(ValueError):
        split_hostport("mx.example:99999")


def test_outbound_probe_open_and_refused_on_loopback() -> None:
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        assert tcp_probe("127.0.0.1", port, 1.0) == "open"
    assert tcp_probe("127.0.0.1", port, 1.0) == "refused"
    res = check_outbound_25([f"127.0.0.1:{port}"], 1.0, IspHints())
    # a probe list without port 25 says so rather than guessing
    assert res.status == "skipped"


def test_isp_hints_unknown_profile_asks_the_isp_and_config_wins() -> None:
    config = Config()
    config.isp.profile = "no-such-isp-profile"
    facts = isp_hints(config)
    assert facts.smarthost == "" and "ask your ISP" in facts.smarthost_words()
    config.relay.host = "relay.isp.example"
    assert isp_hints(config).smarthost_words() == "relay.isp.example:587"


def test_isp_hints_from_the_proximus_profile() -> None:
    config = Config()
    config.isp.profile = "proximus"
    hints = isp_hints(config)
    assert (hints.smarthost, hints.source, hints.fixed_needs_pro) == (
        "relay.proximus.be",
        "profile",
        True,
    )


async def test_a_check_over_its_timeout_is_reported_not_awaited(tmp_path: Path) -> None:
    config = Config()
    config.network.check_timeout = 0.1
    seen: list[str] = []
    run = _Run(config, DataPaths(tmp_path), lambda r: seen.append(r.id))
    res = await run.guarded("slow", "Slow", lambda: in_thread(time.sleep, 3))
    assert (res.status, res.finding) == ("fail", "no answer within 0.1 s")
    boom = await run.guarded("boom", "Boom", lambda: in_thread(int, "x"))
    assert boom.status == "fail" and "unexpected error in pmemail (ValueError)" in boom.finding
    assert "invalid literal" in boom.details["error_text"]  # kept for a bug report
    router = await run.guarded("router", "Router", lambda: in_thread(time.sleep, 3))
    assert (
        router.finding == "no answer within 0.1 s from the router at the gateway (UPnP and NAT-PMP)"
    )
    assert seen == ["slow", "boom", "router"]


async def test_raw_errno_text_never_reaches_the_finding(tmp_path: Path) -> None:
    """[Errno -3] and friends are worded (issue 16, finding 8): who was asked, what it means."""
    import socket

    def fail() -> None:
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    run = _Run(Config(), DataPaths(tmp_path), None)
    res = await run.guarded("dns", "DNS", lambda: in_thread(fail))
    assert "Errno" not in res.finding and "Temporary failure" not in res.finding
    assert res.finding.startswith("asking the DNS resolver (network.resolver)")
    assert "could not be resolved" in res.finding


def test_check_table_rows() -> None:
    """The fixed checks, then one inbound row per enabled port; the report names each."""
    config = Config()
    config.ports.webmail.enabled = False
    ids = [row.id for row in check_table(config)]
    assert ids[: len(CHECKS)] == [row.id for row in CHECKS]
    assert ids[len(CHECKS) :] == [
        f"inbound.{name}" for name, m in config.ports.items() if name != "webmail"
    ]
    assert set(REPORT_ORDER) == {"lan", *(row.id for row in CHECKS)}

"""`pmemail dns records` and the doctor's record rows against a DNS server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netcore.dns_records import DnsRecord
from pmemail.app.dns_publish import dkim_pairs, planned_records
from pmemail.app.mail_auth_check import dnsbl_result, records_result
from pmemail.cli.main import main
from pmemail.config import Config, DataPaths
from tests.config_factory import Overrides, make_config, write_config
from tests.dns_support import LoopbackDns, Record, run_dns, txt

PUBLIC = "203.0.113.2"
SMARTHOST: Overrides = {"relay": {"mode": "smarthost", "host": "relay.isp.test", "port": 587}}
DIRECT: Overrides = {"relay": {"mode": "direct", "host": ""}}
pytestmark = pytest.mark.timeout(60)


def published(records: list[DnsRecord]) -> list[Record]:
    """The records as the test DNS serves them."""
    rows: list[Record] = []
    for r in records:
        if r.rtype == "TXT":
            rows.append((r.name, "TXT", txt(r.text)))
        elif r.rtype in ("MX", "A", "CNAME"):
            rows.append((r.name, r.rtype, r.value))
    return rows


def setup(tmp_path: Path, dns: LoopbackDns, *overrides: Overrides) -> tuple[Config, DataPaths]:
    net: Overrides = {"network": {"resolver": dns.dns, "dns_timeout": 2.0}}
    made = make_config(tmp_path, net, *overrides)
    dkim_pairs(made.config, made.paths, "example.be")  # the key `pmemail init` makes
    return made.config, made.paths


@pytest.mark.parametrize("mode", [SMARTHOST, DIRECT], ids=["smarthost", "direct"])
def test_all_published_all_ok(tmp_path: Path, mode: Overrides) -> None:
    """Exactly what `dns records` says, published: every row ok."""
    with run_dns(tmp_path / "dns") as dns:
        config, paths = setup(tmp_path, dns, mode)
        dns.set(published(planned_records(config, paths, PUBLIC)))
        for kind in ("spf", "dkim", "dmarc", "mta_sts"):
            result = records_result(kind, config, paths, PUBLIC)
            assert result.status == "ok", result
            assert result.id == f"records.{kind}"


def test_missing_records_come_back_as_zone_lines(tmp_path: Path) -> None:
    """Nothing published: each row warns and its advice is the exact record to publish."""
    with run_dns(tmp_path / "dns") as dns:
        config, paths = setup(tmp_path, dns, SMARTHOST)
        expected = {r.why: r for r in planned_records(config, paths, PUBLIC)}
        for kind, why in (("spf", "spf_relay"), ("dkim", "dkim"), ("dmarc", "dmarc")):
            result = records_result(kind, config, paths, PUBLIC)
            assert result.status == "warn", result
            assert expected[why].zone_line() in result.advice
            assert result.details["findings"][0]["kind"] == "missing"
        mta = records_result("mta_sts", config, paths, PUBLIC)
        assert mta.status == "warn" and "_mta-sts.example.be." in mta.advice


def test_wrong_records_fail(tmp_path: Path) -> None:
    """SPF without the relay in smarthost mode, a DKIM record of another key: fail."""
    with run_dns(tmp_path / "dns") as dns:
        config, paths = setup(tmp_path, dns, SMARTHOST)
        records = planned_records(config, paths, PUBLIC)
        selector = next(r.name for r in records if r.why == "dkim")
        other = make_config(tmp_path / "other").paths
        other_key = dkim_pairs(config, other, "example.be")[0][1]
        dns.set(
            [
                ("example.be", "TXT", txt(f"v=spf1 mx ip4:{PUBLIC} ~all")),
                (selector, "TXT", txt(other_key)),
            ]
        )
        spf = records_result("spf", config, paths, PUBLIC)
        assert spf.status == "fail" and "a:relay.isp.test" in spf.advice, spf
        dkim = records_result("dkim", config, paths, PUBLIC)
        assert dkim.status == "fail" and dkim.details["findings"][0]["kind"] == "wrong"


def test_french_findings(tmp_path: Path) -> None:
    """language = fr: the finding and the advice in French."""
    with run_dns(tmp_path / "dns") as dns:
        config, paths = setup(tmp_path, dns, SMARTHOST, {"": {"language": "fr"}})
        result = records_result("dmarc", config, paths, PUBLIC)
    assert "n'a pas cet enregistrement" in result.finding
    assert result.advice.startswith("publiez ces enregistrements")


@pytest.mark.parametrize(
    ("answer", "status"),
    [(None, "ok"), ("127.0.0.2", "fail"), ("127.255.255.254", "skipped")],
    ids=["clean", "listed", "refused"],
)
def test_dnsbl(tmp_path: Path, answer: str | None, status: str) -> None:
    """The public address on zen.spamhaus.org (served by the loopback DNS)."""
    with run_dns(tmp_path / "dns") as dns:
        config, _paths = setup(tmp_path, dns, {"antispam": {"dnsbl": ["zen.spamhaus.org"]}})
        if answer:
            dns.set([("2.113.0.203.zen.spamhaus.org", "A", answer)])
        result = dnsbl_result(config, PUBLIC)
    assert result.status == status, result
    if status == "fail":
        assert "zen.spamhaus.org" in result.finding and result.advice


def test_dnsbl_none_configured_is_skipped(tmp_path: Path) -> None:
    """antispam.dnsbl empty: nothing asked, the row says why."""
    config = make_config(tmp_path).config
    result = dnsbl_result(config, PUBLIC)
    assert result.status == "skipped" and "antispam.dnsbl" in result.finding


def test_dnsbl_timeout_is_not_a_listing(tmp_path: Path) -> None:
    """A resolver that never answers: unknown (skipped), never 'listed'."""
    from tests.config_factory import free_port

    silent = make_config(
        tmp_path,
        {"network": {"resolver": f"127.0.0.1:{free_port()}", "dns_timeout": 0.3}},
        {"antispam": {"dnsbl": ["zen.spamhaus.org"]}},
    ).config
    assert dnsbl_result(silent, PUBLIC).status == "skipped"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    ("mode", "spf"),
    [
        (SMARTHOST, "v=spf1 mx a:relay.isp.test ~all"),
        (DIRECT, f"v=spf1 mx ip4:{PUBLIC} ~all"),
    ],
    ids=["smarthost", "direct"],
)
def test_dns_records_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: Overrides, spf: str
) -> None:
    """`pmemail dns records --json`: SPF fits relay.mode; DKIM, DMARC, MTA-STS, TLS-RPT."""
    setup_ = write_config(tmp_path, mode, {"mail": {"extra_domains": ["dupont.fr"]}})
    code, out = run_cli(
        capsys, "--config", str(setup_.path), "dns", "records", "--json", "--public-ip", PUBLIC
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["domains"] == ["example.be", "dupont.fr"]
    by = {(r["name"], r["type"], r["why"]): r for r in doc["records"]}
    assert by[("example.be", "TXT", "spf_relay" if mode is SMARTHOST else "spf")]["text"] == spf
    assert ("dupont.fr", "MX", "mx") in by and ("mail.example.be", "A", "a") in by
    dkim = [r for r in doc["records"] if r["why"] == "dkim"]
    assert {r["name"].split("._domainkey.")[1] for r in dkim} == {"example.be", "dupont.fr"}
    assert all(r["text"].startswith("v=DKIM1; k=rsa; p=") for r in dkim)
    dmarc = by[("_dmarc.example.be", "TXT", "dmarc")]
    assert dmarc["text"] == "v=DMARC1; p=none; rua=mailto:postmaster@example.be"
    assert "p=quarantine" in dmarc["note"]  # the advice to tighten
    assert by[("_mta-sts.example.be", "TXT", "mta_sts")]["text"].startswith("v=STSv1; id=pm")
    assert by[("mta-sts.example.be", "CNAME", "mta_sts_host")]["value"] == "mail.example.be."
    tls = by[("_smtp._tls.dupont.fr", "TXT", "tls_rpt")]["text"]
    assert tls == "v=TLSRPTv1; rua=mailto:postmaster@dupont.fr"


def test_dkim_rotate_keeps_the_old_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`pmemail dkim rotate --json`: a new selector signs; both records are listed."""
    setup_ = write_config(tmp_path)
    dkim_pairs(setup_.config, setup_.paths, "example.be")
    code, out = run_cli(capsys, "--config", str(setup_.path), "dkim", "rotate", "--json")
    assert code == 0
    (rotated,) = json.loads(out)["rotated"]
    assert rotated["old_selector"] and rotated["selector"] != rotated["old_selector"]
    code, out = run_cli(capsys, "--config", str(setup_.path), "dns", "records", "--json")
    names = {r["name"] for r in json.loads(out)["records"] if r["why"] == "dkim"}
    assert names == {
        f"{rotated['old_selector']}._domainkey.example.be",
        f"{rotated['selector']}._domainkey.example.be",
    }

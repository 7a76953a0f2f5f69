"""The doctor's DNS check and reverse-DNS hint against the lab's authoritative DNS.

``pmemail doctor --json`` runs in lab-lan with ``network.resolver =
203.0.113.1``, where :mod:`tests.lab.dns_server` answers from the records
the test sets (:meth:`tests.lab.topology.Lab.set_dns_records`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.doctor_lab_support import check, doctor, write_config
from tests.lab import Lab
from tests.lab.constants import ISP_IP, NS_LAN
from tests.lab.dns_server import EXAMPLE_RECORDS, PTR_DYNAMIC, PTR_MAIL

pytestmark = pytest.mark.lab


def conf_for(tmp_path: Path, domain: str) -> Path:
    """The doctor lab config with ``mail.domain`` = ``domain`` (MX host mail.DOMAIN)."""
    path = write_config(tmp_path, fixed_ip=False)
    path.write_text(path.read_text() + f'[mail]\ndomain = "{domain}"\nhostname = "mail.{domain}"\n')
    return path


def test_complete_zone_makes_the_dns_check_ok(router: Lab, tmp_path: Path) -> None:
    """example.be: MX -> mail.example.be -> 203.0.113.2, PTR and SPF all agree."""
    router.set_dns_records([*EXAMPLE_RECORDS, PTR_MAIL])
    _code, doc = doctor(router, conf_for(tmp_path, "example.be"))
    dns = check(doc, "dns")
    assert dns["status"] == "ok", dns
    assert dns["details"]["mx"] == ["mail.example.be"]
    assert dns["details"]["mx_addresses"] == {"mail.example.be": ["203.0.113.2"]}
    assert dns["details"]["ptr"] == "mail.example.be"
    assert "ip4:203.0.113.2" in dns["details"]["spf"] and dns["details"]["errors"] == {}
    assert check(doc, "ip_kind")["details"]["ptr"] == "mail.example.be"


def test_incomplete_zone_lists_the_records_to_publish(router: Lab, tmp_path: Path) -> None:
    """example.net has no MX/SPF and no PTR: the doctor prints what to publish."""
    _code, doc = doctor(router, conf_for(tmp_path, "example.net"))
    dns = check(doc, "dns")
    assert dns["status"] == "warn", dns
    assert dns["details"]["errors"] == {}  # real answers, not timeouts
    assert dns["finding"].startswith("example.net has no MX record")
    publish = {(r["name"], r["type"]): r for r in dns["details"]["records_to_publish"]}
    assert publish[("example.net", "MX")]["value"].rstrip(".").endswith("mail.example.net")
    assert publish[("mail.example.net", "A")]["value"] == "203.0.113.2"
    assert "ip4:203.0.113.2" in publish[("example.net", "TXT")]["value"]
    assert any(t == "PTR" for _n, t in publish)
    assert "mail.example.net" in dns["advice"] and "203.0.113.2" in dns["advice"]


def test_dynamic_looking_ptr_makes_the_verdict_lean_dynamic(router: Lab, tmp_path: Path) -> None:
    """PTR dyn-203-0-113-2.pool.isp.example: an ISP pool name -> dynamic."""
    router.set_dns_records([*EXAMPLE_RECORDS, PTR_DYNAMIC])
    _code, doc = doctor(router, conf_for(tmp_path, "example.be"))
    kind = check(doc, "ip_kind")
    assert kind["details"]["ptr"] == "dyn-203-0-113-2.pool.isp.example", kind
    assert doc["verdict"]["ip"] == "dynamic"
    assert "dynamic DNS" in kind["advice"]
    dns = check(doc, "dns")
    assert "the PTR of 203.0.113.2 is dyn-203-0-113-2.pool.isp.example" in " ".join(
        dns["details"]["problems"]
    )


def test_dns_server_answers_over_tcp_too(router: Lab) -> None:
    code = f"""
import json, dns.message, dns.query
q = dns.message.make_query("example.be", "MX")
r = dns.query.tcp(q, {ISP_IP!r}, timeout=2)
print(json.dumps([str(rr) for rrset in r.answer for rr in rrset]))
"""
    got: Any = router.run_python(NS_LAN, code)
    assert got == ["10 mail.example.be."]

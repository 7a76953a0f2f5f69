"""Direct delivery only with a matching PTR and outbound 25 open; otherwise, why the relay."""

from __future__ import annotations

import pytest

from netcore.checks.result import CheckResult
from netcore.checks.runner import DoctorReport
from pmemail.app.relay_decision import reason_from_report, relay_reason

HOST = "mail.dupont-fils.be"
IP = "203.0.113.2"


@pytest.mark.parametrize(
    ("ptr", "port25", "reason"),
    [
        (HOST, "open", "direct_ok"),
        (HOST + ".", "open", "direct_ok"),
        ("", "open", "no_ptr"),
        ("dyn-203-0-113-2.pool.isp.example", "open", "ptr_mismatch"),
        (HOST, "blocked", "port25_blocked"),
        ("", "blocked", "port25_blocked"),
        (HOST, "unknown", "unknown"),
        (HOST, "refused", "unknown"),
    ],
)
def test_decision(ptr: str, port25: str, reason: str) -> None:
    """Each combination of facts gives its reason."""
    decision = relay_reason(HOST, IP, ptr, port25)
    assert decision.id == reason
    assert decision.direct_ok == (reason == "direct_ok")


def test_no_ptr_says_why_in_both_languages() -> None:
    """The sentence names the address and the PTR to ask for, in English and French."""
    decision = relay_reason(HOST, IP, "", "open")
    en, fr = decision.words("en"), decision.words("fr")
    assert "no reverse DNS name" in en and IP in en and HOST in en
    assert "pas de nom DNS inverse" in fr and HOST in fr


def test_from_a_doctor_report() -> None:
    """The outbound_25 outcome and the PTR the dns check saw."""
    checks = [
        CheckResult("outbound_25", "Outbound port 25", "ok", "", {"outcome": "open"}),
        CheckResult("dns", "DNS", "warn", "", {"ptr": "other.example"}),
    ]
    report = DoctorReport(checks, {}, {}, {"address": IP}, {})
    decision = reason_from_report(report, HOST)
    assert decision.id == "ptr_mismatch" and decision.params["ptr"] == "other.example"
    assert decision.to_dict()["direct_ok"] is False

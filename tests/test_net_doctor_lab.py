"""``pmemail doctor --json`` inside lab-lan, against the real miniupnpd router.

Run under the lab lock: ``flock /tmp/pmemail-lab.lock python -m pytest -m lab ...``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from netcore.isp_facts import isp_hints
from pmemail.config import load_config
from tests.doctor_lab_support import check, doctor, write_config
from tests.lab import Lab, RouterConfig
from tests.lab.constants import LAN_GW, LAN_SRV, NS_LAN, REMOTE_IP


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """A config for lab-lan with its own data dir."""
    return write_config(tmp_path, fixed_ip=False)


@pytest.mark.lab
def test_stock_router_found_public_ip_and_inbound_from_outside(router: Lab, conf: Path) -> None:
    router.serve_banner(NS_LAN, [1234, 1235], name="mailsrv")
    mapped = router.run_python(NS_LAN, "tests.lab.snippets:upnp_add", 1234, LAN_SRV, 1234)
    assert mapped["ok"], mapped
    code, doc = doctor(router, conf)
    assert doc["version"] == 1
    assert check(doc, "router")["status"] == "ok"
    assert doc["router"]["upnp"] and doc["router"]["natpmp"]
    assert doc["router"]["model"] and doc["router"]["root_url"].startswith(f"http://{LAN_GW}:")
    assert doc["router"]["upnp_external_ip"] == "203.0.113.2"
    assert doc["public_ip"]["address"] == "203.0.113.2"
    assert check(doc, "nat")["details"]["kind"] == "nat"
    # the box past the router is the ISP's echo host itself: no second NAT to name
    assert "upstream_hop" not in check(doc, "nat")["details"]
    assert doc["verdict"]["nat"] == "nat" and doc["verdict"]["hosting"] != "does_not_allow"
    assert check(doc, "outbound_25")["details"]["outcome"] == "open"
    assert check(doc, "inbound.submission")["details"]["reachable"] is True
    assert check(doc, "inbound.webmail")["details"]["reachable"] is False
    assert check(doc, "inbound.https")["details"]["reachable"] is False  # 443 is in the plan
    assert doc["lan"]["address"] == LAN_SRV and doc["lan"]["gateway"] == LAN_GW
    assert code == {"ok": 0, "warn": 1, "fail": 2}[doc["status"]]


@pytest.mark.lab
def test_no_router_is_said_and_doctor_finishes(silent_router: Lab, conf: Path) -> None:
    _code, doc = doctor(silent_router, conf)
    res = check(doc, "router")
    assert res["status"] == "warn" and res["finding"].startswith("no router answered")
    assert doc["router"]["upnp"] is False and doc["router"]["natpmp"] is False
    assert "forward the ports by hand" in res["advice"]
    assert doc["public_ip"]["address"] == "203.0.113.2"  # the internet still answers


@pytest.mark.lab
@pytest.mark.parametrize("router", [RouterConfig.cgnat()], indirect=True)
def test_cgnat_port_forwarding_impossible_and_why(router: Lab, conf: Path) -> None:
    code, doc = doctor(router, conf)
    nat = check(doc, "nat")
    assert nat["status"] == "fail" and nat["details"]["forwarding_possible"] is False
    assert "port forwarding is impossible" in nat["finding"]
    assert "no usable external address" in nat["finding"]
    assert "ask your ISP" in nat["advice"]
    assert doc["verdict"]["hosting"] == "does_not_allow"
    assert "does not allow hosting mail" in doc["verdict"]["summary"]
    assert code == 2
    human = router.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(conf), "doctor"],
        check=False,
        timeout=30,
    )
    assert human.returncode == 2
    assert any(ln.startswith("FAIL  NAT") for ln in human.stdout.splitlines()), human.stdout
    assert "your subscription does not allow hosting mail" in human.stdout


@pytest.mark.lab
def test_run_checks_reports_each_result_as_it_finishes(router: Lab, conf: Path) -> None:
    code = f"""
import asyncio, json
from netcore.checks.runner import run_checks
from pathlib import Path
from pmemail.config import DataPaths, load_config
config = load_config(Path({str(conf)!r}))
seen = []
report = asyncio.run(run_checks(config, DataPaths.from_config(config),
                                on_result=lambda r: seen.append(r.id)))
print(json.dumps({{"seen": seen, "ids": [c.id for c in report.checks],
                  "exit": report.exit_code}}))
"""
    out = router.run_python(NS_LAN, code)
    assert out["seen"][-1] == "subscription" and sorted(out["seen"]) == sorted(out["ids"])
    assert out["ids"][:4] == ["lan", "router", "public_ip", "nat"]  # report order is stable


@pytest.mark.lab
@pytest.mark.parametrize("router", [RouterConfig(block25=True)], indirect=True)
def test_isp_blocks_25_names_the_smarthost(router: Lab, conf: Path) -> None:
    _code, doc = doctor(router, conf)
    out = check(doc, "outbound_25")
    assert out["details"]["outcome"] == "blocked"
    assert out["details"]["probes"] == {f"{REMOTE_IP}:25": "timeout", f"{REMOTE_IP}:587": "open"}
    assert "relay.proximus.be" in out["finding"]  # from router_profiles/proximus.toml
    assert isp_hints(load_config(conf)).smarthost_words() in out["finding"]
    assert doc["verdict"]["outbound_25"] == "blocked"


@pytest.mark.lab
def test_public_address_change_is_recorded_and_verdict_dynamic(router: Lab, conf: Path) -> None:
    _code, first = doctor(router, conf)
    assert first["verdict"]["ip"] == "unknown"
    router.change_public_ip("203.0.113.3")
    _code, doc = doctor(router, conf)
    assert [h["address"] for h in doc["ip_history"]] == ["203.0.113.2", "203.0.113.3"]
    assert [h["router_address"] for h in doc["ip_history"]] == ["203.0.113.2", "203.0.113.3"]
    assert doc["verdict"]["ip"] == "dynamic"
    assert "changed 1 time" in check(doc, "ip_kind")["finding"]
    assert "dynamic DNS" in check(doc, "ip_kind")["advice"]

"""Shared setup of the doctor's lab tests: the config, the doctor runs, a silent router.

Used by tests/test_net_doctor_lab.py, tests/test_net_dns_lab.py, tests/test_verdict_lab.py
and tests/test_verdict_lab_upstream.py; tests/conftest.py imports its fixtures (``conf``,
``silent_router``) so pytest sees them; a test module may override ``conf``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab import Lab
from tests.lab.constants import ISP_IP, LAN_GW, NS_LAN, REMOTE_IP

PORTS = (1234, 1235)

# external/internal given in full: a partial [ports.X] table takes PortMapping's defaults
CONFIG = f"""\
data_dir = "{{data}}"
[isp]
profile = "proximus"
{{fixed_ip}}[network]
echo_url = ["http://{ISP_IP}"]
port25_probes = ["{REMOTE_IP}:25", "{REMOTE_IP}:587"]
resolver = "{ISP_IP}"
dns_timeout = 0.3
connect_timeout = 1.5
http_timeout = 3.0
upnp_discover_ms = 800
natpmp_timeout = 0.8
check_timeout = 8.0
[ports.smtp]
enabled = false
[ports.imap]
enabled = false
[ports.pop3]
enabled = false
[ports.remote_desktop]
enabled = false
{{https}}[ports.submission]
external = 1234
internal = 1234
[ports.webmail]
external = 1235
internal = 1235
"""


def write_config(tmp_path: Path, *, fixed_ip: bool) -> Path:
    """A config for lab-lan with its own data dir; plan 1234 and 1235 (and 443 unless fixed).

    ``fixed_ip``: the verdict scenarios' variant, fixed address and no 443, so
    only the reachability of 1234/1235 decides.
    """
    path = tmp_path / "pmemail.toml"
    path.write_text(
        CONFIG.format(
            data=tmp_path / "data",
            fixed_ip='fixed_ip = "yes"\n' if fixed_ip else "",
            https="[ports.https]\nenabled = false\n" if fixed_ip else "",
        )
    )
    return path


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """A config whose plan is 1234 and 1235, fixed address (so only reachability decides)."""
    return write_config(tmp_path, fixed_ip=True)


def run_json(lab: Lab, conf: Path, *args: str, timeout: float) -> tuple[int, dict[str, Any]]:
    """``pmemail --config CONF ARGS --json`` in lab-lan; (exit code, document)."""
    res = lab.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(conf), *args, "--json"],
        check=False,
        timeout=timeout,
    )
    assert res.returncode in (0, 1, 2), res.stderr
    doc: dict[str, Any] = json.loads(res.stdout)
    return res.returncode, doc


def doctor(lab: Lab, conf: Path) -> tuple[int, dict[str, Any]]:
    """Run ``pmemail doctor --json`` in lab-lan; (exit code, document)."""
    return run_json(lab, conf, "doctor", timeout=30)


def check(doc: dict[str, Any], cid: str) -> dict[str, Any]:
    """The check ``cid`` of a report."""
    found: dict[str, Any] = next(c for c in doc["checks"] if c["id"] == cid)
    return found


def pmemail(lab: Lab, conf: Path, *args: str) -> dict[str, Any]:
    """``pmemail --config CONF ARGS --json`` in lab-lan; the document."""
    return run_json(lab, conf, *args, timeout=60)[1]


@pytest.fixture
def silent_router(router: Lab) -> Iterator[Lab]:
    """lab-lan cannot hear UPnP, SSDP or NAT-PMP (dropped: worst case, timeouts)."""
    router.run(
        NS_LAN,
        ["nft", "-f", "-"],
        input_text=f"""
table inet nodoctor {{
    chain output {{
        type filter hook output priority 0; policy accept;
        ip daddr {{ {LAN_GW}, 239.255.255.250 }} udp dport {{ 1900, 5351 }} drop
        ip daddr {LAN_GW} tcp dport 5000 drop
    }}
}}
""",
    )
    try:
        yield router
    finally:
        router.run(NS_LAN, ["nft", "delete", "table", "inet", "nodoctor"], check=False)


def advice_ids(doc: dict[str, Any]) -> list[str]:
    """The verdict's advice as message ids."""
    return [m["id"] for m in doc["verdict"]["messages"]["advice"]]


def assert_verdict(
    doc: dict[str, Any],
    row: str,
    hosting: str,
    *,
    nat: str,
    ip: str = "fixed",
    outbound_25: str = "open",
    low_ports: str = "unknown",
    limits: tuple[str, ...] = (),
    advice: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The whole verdict of a scenario: its row and fields, its limits and advice as ids."""
    verdict: dict[str, Any] = doc["verdict"]
    fields = ("row", "hosting", "nat", "ip", "outbound_25", "low_ports")
    got = {k: verdict[k] for k in fields}
    assert got == dict(zip(fields, (row, hosting, nat, ip, outbound_25, low_ports), strict=True)), (
        verdict
    )
    assert [m["id"] for m in verdict["messages"]["limits"]] == list(limits), verdict
    assert advice_ids(doc) == list(advice), verdict
    # the English words and the ids are the same list
    assert len(verdict["limits"]) == len(limits) and len(verdict["advice"]) == len(advice)
    return verdict


def with_config(conf: Path, old: str, new: str) -> Path:
    """The config file with one line changed (a scenario's variant)."""
    text = conf.read_text()
    assert old in text
    conf.write_text(text.replace(old, new))
    return conf


def apply_and_serve(lab: Lab, conf: Path) -> dict[str, Any]:
    """Banner servers for 1234/1235 in lab-lan, then ``pmemail ports apply``; its document."""
    lab.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    return pmemail(lab, conf, "ports", "apply")

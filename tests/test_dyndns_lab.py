"""Dynamic DNS behind the lab's router: ``pmemail serve`` in lab-lan, the provider on the internet.

The test dyndns2 server (:mod:`tests.dyndns_support`) runs in lab-wan over
HTTPS with a test CA (``dyndns.ca_file``); the public address is what the
lab's echo service sees through the router's masquerade. The router's WAN
address then changes (``Lab.change_public_ip``), as an ISP's does: exactly one
new update. Last, ``pmemail doctor`` reads the record from the lab's DNS.

Run under the lab lock: ``python -m pytest tests/test_dyndns_lab.py`` as root.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.config_factory import Overrides, write_config
from tests.dyndns_support import PASSWORD, USER, read_journal
from tests.lab import Lab
from tests.lab.constants import ECHO_PORT, ISP_IP, NS_LAN, NS_WAN, WAN_IP
from tests.lab.process import stop_popen, wait_for_log
from tests.mailauth_lab_support import LAB_NETWORK, wait_for

pytestmark = pytest.mark.lab

HOST = "mail.example.be"  # config_factory's mail.hostname: the name updated
NEW_IP = "203.0.113.3"
PROVIDER_PORT = 8443  # on the ISP's address in lab-wan
INTERVAL = 0.3  # dyndns.interval: many looks at an unchanged address in a few seconds


@dataclass
class Provider:
    """The test dyndns2 server running in lab-wan."""

    url: str
    ca_file: Path
    journal: Path

    def requests(self) -> list[dict[str, Any]]:
        """What it answered so far, oldest first."""
        return read_journal(self.journal)

    def records(self) -> list[dict[str, str]]:
        """Its A records as the lab's DNS serves them (what a provider publishes)."""
        seen = self.requests()
        held: dict[str, str] = seen[-1]["records"] if seen else {}
        return [{"name": host, "type": "A", "value": addr} for host, addr in held.items()]


@pytest.fixture
def provider(router: Lab, tmp_path: Path) -> Iterator[Provider]:
    """The test dyndns2 server on https://203.0.113.1:8443, its certificate from a test CA."""
    import trustme

    ca = trustme.CA()
    issued = ca.issue_cert(ISP_IP)
    root = tmp_path / "provider"
    root.mkdir()
    cert, key, ca_file = root / "cert.pem", root / "key.pem", root / "ca.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    journal = root / "requests.jsonl"
    proc = router.spawn_python(
        NS_WAN,
        "tests.dyndns_support:serve_in_lab",
        ISP_IP,
        PROVIDER_PORT,
        str(journal),
        str(cert),
        str(key),
        ready="dyndns: listening",
    )
    try:
        yield Provider(f"https://{ISP_IP}:{PROVIDER_PORT}", ca_file, journal)
    finally:
        stop_popen(proc)


@dataclass
class Office:
    """``pmemail`` in lab-lan with ``[dyndns]`` pointing at the provider."""

    lab: Lab
    config: Path
    data: Path

    def pmemail(self, *args: str) -> tuple[int, str, str]:
        """``pmemail --config CONFIG ARGS`` in lab-lan: exit code, stdout, stderr."""
        res = self.lab.run(
            NS_LAN,
            [sys.executable, "-m", "pmemail", "--config", str(self.config), *args],
            check=False,
            timeout=120,
        )
        return res.returncode, res.stdout, res.stderr

    def dyndns_status(self) -> dict[str, Any]:
        """The ``dyndns`` key of ``pmemail status --json``."""
        code, out, err = self.pmemail("status", "--json")
        assert code == 0, err
        found: dict[str, Any] = json.loads(out)["dyndns"]
        return found

    def more_looks(self) -> None:
        """Wait until serve has looked at the public address several more times."""
        seen: float = self.dyndns_status()["checked_at"]
        assert seen is not None

        def more() -> bool:
            return float(self.dyndns_status()["checked_at"] or 0) > seen + 6 * INTERVAL

        assert wait_for(more, 60), self.dyndns_status()

    def doctor_row(self) -> dict[str, Any]:
        """The ``dyndns`` check of ``pmemail doctor --json``."""
        code, out, err = self.pmemail("doctor", "--json")
        assert code in (0, 1, 2) and out.strip(), f"exit {code}: {err}"
        doc = json.loads(out)
        assert doc["public_ip"]["address"] == self.lab.public_ip
        row: dict[str, Any] = next(c for c in doc["checks"] if c["id"] == "dyndns")
        return row


def make_office(lab: Lab, provider: Provider, root: Path, *more: Overrides) -> Office:
    """The office's config: a dynamic address, the lab's echo service and DNS, [dyndns]."""
    setup = write_config(
        root,
        {
            "isp": {"fixed_ip": "no"},
            "network": LAB_NETWORK,
            "dyndns": {
                "provider": "custom",
                "server": provider.url,
                "username": USER,
                "password": PASSWORD,
                "ca_file": str(provider.ca_file),
                "interval": INTERVAL,
                "retry": 0.0,
            },
        },
        *more,
    )
    return Office(lab, setup.path, setup.paths.root)


@pytest.fixture
def office(router: Lab, provider: Provider, tmp_path: Path) -> Office:
    """:func:`make_office` without router management (the echo service tells the address)."""
    return make_office(router, provider, tmp_path)


def serve(office: Office) -> subprocess.Popen[bytes]:
    """``pmemail serve`` in lab-lan, running (ended by the ``router`` fixture at the latest)."""
    proc = office.lab.spawn(
        NS_LAN, [sys.executable, "-m", "pmemail", "--config", str(office.config), "serve"]
    )
    log = office.data / "logs" / "pmemail.log"
    wait_for_log(log, ["pmemail serve running"], timeout=60, proc=proc)
    return proc


def test_address_change_sends_one_update_and_doctor_reads_the_record(
    router: Lab, provider: Provider, office: Office
) -> None:
    """First address, no repeat while it stays, one update after the ISP moves it;
    the doctor's row is ok on the provider's record and warns on a stale one."""
    server = serve(office)
    assert wait_for(lambda: len(provider.requests()) >= 1, 60), office.dyndns_status()
    first = provider.requests()[0]
    # the router's public address, as the echo service saw it, reached the provider
    assert first["query"] == {"hostname": HOST, "myip": WAN_IP}
    assert first["client"] == WAN_IP and first["credentials"] == [USER, PASSWORD]
    assert first["user_agent"].startswith("pmemail") and first["body"] == f"good {WAN_IP}"
    assert f"echo: {WAN_IP} " in (router.state_dir / "echo.log").read_text()
    office.more_looks()
    assert len(provider.requests()) == 1  # an unchanged address is never sent again

    router.change_public_ip(NEW_IP)
    assert wait_for(lambda: len(provider.requests()) >= 2, 60), office.dyndns_status()
    office.more_looks()
    seen = provider.requests()
    assert len(seen) == 2, seen
    assert seen[1]["query"] == {"hostname": HOST, "myip": NEW_IP}
    assert seen[1]["client"] == NEW_IP and seen[1]["body"] == f"good {NEW_IP}"
    assert f"echo: {NEW_IP} " in (router.state_dir / "echo.log").read_text()
    dyn = office.dyndns_status()
    assert dyn["sent_address"] == NEW_IP and dyn["address"] == NEW_IP
    assert dyn["last_answer"] == "good" and dyn["failures"] == 0 and dyn["wanted"]

    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    log = (office.data / "logs" / "pmemail.log").read_text()
    assert f"dynamic DNS updated to {WAN_IP}" in log
    assert f"dynamic DNS updated to {NEW_IP}" in log

    # the provider publishes its record on the lab's DNS: the row is ok
    router.set_dns_records(provider.records())
    row = office.doctor_row()
    assert row["status"] == "ok", row
    assert row["finding"] == f"{HOST} points at the public address {NEW_IP}"
    assert row["details"]["records"] == [NEW_IP] and row["details"]["sent_address"] == NEW_IP

    # a record still on the old address (a provider that did not apply it): a warning
    router.set_dns_records([{"name": HOST, "type": "A", "value": WAN_IP}])
    row = office.doctor_row()
    assert row["status"] == "warn", row
    assert row["finding"] == f"{HOST} points at {WAN_IP}, not at the public address {NEW_IP}"
    assert "pmemail dyndns update" in row["advice"]


@pytest.fixture
def no_echo(router: Lab) -> Iterator[Lab]:
    """lab-lan cannot reach the echo service (refused): only the router tells the address."""
    router.run(
        NS_LAN,
        ["nft", "-f", "-"],
        input_text=f"""
table inet noecho {{
    chain output {{
        type filter hook output priority 0; policy accept;
        ip daddr {ISP_IP} tcp dport {ECHO_PORT} reject with tcp reset
    }}
}}
""",
    )
    try:
        yield router
    finally:
        router.run(NS_LAN, ["nft", "delete", "table", "inet", "noecho"], check=False)


def test_without_echo_service_the_routers_address_is_sent(
    no_echo: Lab, provider: Provider, tmp_path: Path
) -> None:
    """No echo service: serve's router monitor reads the address over UPnP, and its
    change reaches the provider once."""
    office = make_office(
        no_echo,
        provider,
        tmp_path,
        {"server": {"manage_router": True}, "network": {"monitor_interval": 0.5}},
    )
    server = serve(office)
    assert wait_for(lambda: len(provider.requests()) >= 1, 60), office.dyndns_status()
    assert provider.requests()[0]["query"] == {"hostname": HOST, "myip": WAN_IP}
    office.more_looks()
    assert len(provider.requests()) == 1

    no_echo.change_public_ip(NEW_IP)
    assert wait_for(lambda: len(provider.requests()) >= 2, 60), office.dyndns_status()
    office.more_looks()
    seen = provider.requests()
    assert len(seen) == 2, seen
    assert seen[1]["query"] == {"hostname": HOST, "myip": NEW_IP} and seen[1]["client"] == NEW_IP
    history = (office.data / "state" / "ip_history.jsonl").read_text()
    assert '"address": ""' in history and f'"router_address": "{NEW_IP}"' in history
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0

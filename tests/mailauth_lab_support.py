"""The office of the mail-authentication lab test: pmemail in lab-lan, its DNS on the internet.

:class:`MailOffice` writes the config (``config_factory.write_config``, the
standard port plan, ``network.resolver`` = the lab's DNS in lab-wan, port 25
checks on), asks ``pmemail dns records --json`` what to publish and publishes
it (plus :data:`REMOTE_RECORDS`, a partner domain whose SPF authorizes the
remote host 198.51.100.10) on the lab's DNS. :func:`start_rspamd` runs the
tests' minimal rspamd (:mod:`tests.rspamd_support`) on lab-lan's own loopback,
where serve asks it. :func:`swaks` is the remote MTA, run in lab-wan.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailcore.delivery import maildir_path
from mailcore.users import UserStore
from pmemail.config import DataPaths
from tests.config_factory import Overrides, write_config
from tests.lab import Lab
from tests.lab.constants import ISP_IP, NS_LAN, NS_WAN, REMOTE_IP, WAN_IP
from tests.lab.process import stop_popen, wait_for_log
from tests.rspamd_support import rspamd_argv

DOMAIN = "example.be"
HOST = f"mail.{DOMAIN}"
USER, PASSWORD = f"anna@{DOMAIN}", "correct horse battery staple"
REMOTE = "remote.example"
"""A partner's domain: its MX and its SPF are the remote host (the lab's SMTP sink)."""
BLOCKLIST = "bl.lab.example"
"""The DNS blocklist zone served by the lab's DNS (RFC 5782 style)."""
RSPAMD_PORT = 11333  # lab-lan's loopback is its own: rspamd's usual port is free there
SUBMISSION = 1234

REMOTE_RECORDS: tuple[dict[str, str], ...] = (
    {"name": REMOTE, "type": "MX", "value": f"10 mx.{REMOTE}."},
    {"name": f"mx.{REMOTE}", "type": "A", "value": REMOTE_IP},
    {"name": REMOTE, "type": "TXT", "value": f'"v=spf1 ip4:{REMOTE_IP} -all"'},
    {"name": f"_dmarc.{REMOTE}", "type": "TXT", "value": '"v=DMARC1; p=none"'},
)

LAB_NETWORK: dict[str, Any] = {
    "echo_url": [f"http://{ISP_IP}"],
    "port25_probes": [f"{REMOTE_IP}:25"],
    "resolver": ISP_IP,
    "dns_timeout": 2.0,
    "connect_timeout": 1.5,
    "http_timeout": 3.0,
    "upnp_discover_ms": 500,
    "natpmp_timeout": 0.8,
    "check_timeout": 8.0,
}
"""``[network]`` for a pmemail in lab-lan: the lab's echo service, DNS and remote host."""

_SERVED = {"smtp": 25, "submission": SUBMISSION}
OFFICE: Overrides = {
    "mail": {"domain": DOMAIN, "hostname": HOST, "submission_extra_ports": []},
    "server": {"manage_router": False},  # mapped once by `pmemail ports apply`
    "network": LAB_NETWORK,
    "antispam": {
        "sender_auth": True,
        "dnsbl": [BLOCKLIST],
        "rspamd_url": f"http://127.0.0.1:{RSPAMD_PORT}",
    },
    "relay": {"mode": "direct", "host": ""},
    "queue": {"scan_interval": 0.5, "first_retry": 1.0},
    **{f"ports.{name}": {"external": port, "internal": port} for name, port in _SERVED.items()},
    **{
        f"ports.{name}": {"enabled": False}
        for name in ("imap", "pop3", "webmail", "https", "remote_desktop")
    },
}
"""Port 25 and submission (1234) on 0.0.0.0 (``loopback=False``), mail sent direct."""


def listing(address: str) -> dict[str, str]:
    """The lab DNS record that lists ``address`` (IPv4) on :data:`BLOCKLIST`."""
    reverse = ".".join(reversed(address.split(".")))
    return {"name": f"{reverse}.{BLOCKLIST}", "type": "A", "value": "127.0.0.2"}


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass; its last value."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
    return True


@dataclass
class MailOffice:
    """pmemail in lab-lan and the commands an admin types there."""

    lab: Lab
    config: Path
    data: Path
    server: subprocess.Popen[bytes] | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    """What ``pmemail dns records --json`` says to publish."""

    @classmethod
    def create(cls, lab: Lab, root: Path, *overrides: Overrides) -> MailOffice:
        """Config and user; the DKIM key and the records to publish (not yet published)."""
        setup = write_config(root, OFFICE, *overrides, loopback=False)
        UserStore(setup.paths.root / "users.sqlite3", [DOMAIN]).add_user(USER, PASSWORD)
        office = cls(lab, setup.path, setup.paths.root)
        code, out, err = office.pmemail("dns", "records", "--json", "--public-ip", WAN_IP)
        assert code == 0, out + err
        office.records = json.loads(out)["records"]
        return office

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.data / "logs" / "pmemail.log"

    def pmemail(self, *args: str, timeout: float = 120) -> tuple[int, str, str]:
        """``pmemail --config CONFIG ARGS`` in lab-lan: exit code, stdout, stderr."""
        res = self.lab.run(
            NS_LAN,
            [sys.executable, "-m", "pmemail", "--config", str(self.config), *args],
            check=False,
            timeout=timeout,
        )
        return res.returncode, res.stdout, res.stderr

    def record(self, why: str) -> dict[str, Any]:
        """The one record to publish for ``why`` (``spf``, ``dkim``, ``dmarc``, ...)."""
        (found,) = [r for r in self.records if r["why"] == why]
        return found

    def publish(
        self, *, leave_out: Sequence[str] = (), extra: Sequence[dict[str, str]] = ()
    ) -> None:
        """Serve the records to publish on the lab's DNS (but those named in ``leave_out``),
        the partner domain's, and ``extra`` records.

        ``leave_out`` and a changed value go by name: an ``extra`` record replaces the
        published ones of its name and type.
        """
        replaced = {(r["name"], r["type"]) for r in extra}
        served = [
            {"name": r["name"], "type": r["type"], "value": r["value"]}
            for r in self.records
            if r["name"] not in leave_out and (r["name"], r["type"]) not in replaced
        ]
        self.lab.set_dns_records([*served, *REMOTE_RECORDS, *extra])

    def ports_apply(self) -> None:
        """``pmemail ports apply``: the router forwards 25 and the submission port."""
        code, out, err = self.pmemail("ports", "apply", "--json")
        assert code == 0, out + err
        assert {p["status"] for p in json.loads(out)["ports"]} == {"mapped"}, out

    def serve(self) -> None:
        """Start ``pmemail serve`` in lab-lan and wait until it runs."""
        self.server = self.lab.spawn(
            NS_LAN, [sys.executable, "-m", "pmemail", "--config", str(self.config), "serve"]
        )
        wait_for_log(self.log, ["pmemail serve running"], timeout=60, proc=self.server)

    def stop(self) -> None:
        """Stop the server (SIGTERM, as a service manager does)."""
        if self.server is not None:
            stop_popen(self.server, grace_s=30)
            self.server = None

    def folder(self, name: str = "") -> list[bytes]:
        """The messages delivered to :data:`USER`'s folder ``name`` ("" = INBOX)."""
        new = maildir_path(DataPaths(self.data), USER, name) / "new"
        return [p.read_bytes() for p in sorted(new.iterdir())] if new.is_dir() else []

    def doctor(self) -> dict[str, dict[str, Any]]:
        """``pmemail doctor --json`` in lab-lan: its checks by id."""
        code, out, err = self.pmemail("doctor", "--json")
        assert code in (0, 1, 2) and out.strip(), f"exit {code}: {err}"
        return {c["id"]: c for c in json.loads(out)["checks"]}

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log (for assertion messages)."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_rspamd(lab: Lab, root: Path) -> subprocess.Popen[bytes]:
    """The tests' minimal rspamd on lab-lan's 127.0.0.1:RSPAMD_PORT, answering /ping."""
    proc = lab.spawn(NS_LAN, rspamd_argv(root, RSPAMD_PORT), log=root / "stdout.log")
    url = f"http://127.0.0.1:{RSPAMD_PORT}"
    if not lab.run_python(NS_LAN, "tests.mailauth_lab_support:rspamd_ready", url, timeout=150):
        stop_popen(proc, grace_s=30)
        raise RuntimeError("rspamd did not answer /ping: " + (root / "stdout.log").read_text())
    return proc


def rspamd_ready(url: str, seconds: float = 120.0) -> bool:
    """Inside lab-lan: wait until rspamd answers /ping (it compiles its TLD list first)."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def pong() -> bool:
        try:
            with direct.open(url + "/ping", timeout=2) as reply:
                return bool(reply.read().strip() == b"pong")
        except OSError:
            return False

    return wait_for(pong, seconds)


def swaks(lab: Lab, *args: str, source: str = REMOTE_IP) -> subprocess.CompletedProcess[str]:
    """swaks in lab-wan as the remote MTA ``source``, to the office's public port 25."""
    return lab.run(
        NS_WAN,
        [
            *("swaks", "--server", WAN_IP, "--port", "25", "--local-interface", source),
            *("--helo", f"mx.{REMOTE}", "--to", USER, "--timeout", "30", *args),
        ],
        check=False,
        timeout=90,
    )

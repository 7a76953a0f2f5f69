"""The router test lab: four network namespaces and a real miniupnpd.

::

    lab-wan     eth0 203.0.113.1/24 (ISP: STUN udp/3478, echoip http :80,
                authoritative DNS :53 udp+tcp serving Lab.set_dns_records()),
                lo 198.51.100.10/32 (remote MX/smarthost, SMTP :25 :587).
                No default route: stray traffic dies here.
    lab-router  wan 203.0.113.2/24 (default via .1), br-lan 192.168.2.1/24
                bridging lan-p1/lan-p2, ip_forward, nftables, miniupnpd.
    lab-lan     eth0 192.168.2.2/24 (the mail server)
    lab-pc      eth0 192.168.2.3/24 (another office PC)
    lab-modem   only with RouterConfig.upstream (double NAT / CGNAT): wan
                203.0.113.2/24 (the public address), lan 192.168.100.1/24 or
                100.64.0.1/10 facing the router's wan (.2), masquerade.

Links are created directly inside the namespaces, never in the machine's
own namespace; nothing is ever sent outside loopback or the lab.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.lab import links
from tests.lab.constants import (
    DNS_PORT,
    ISP_IP,
    LAB_DIR,
    MINIUPNPD,
    NAMESPACES,
    NS_ROUTER,
    NS_WAN,
    REMOTE_IP,
    SMTP_PORTS,
    STUN_PORT,
)
from tests.lab.dns_server import EXAMPLE_RECORDS
from tests.lab.lock import LabLock
from tests.lab.process import LabError, stop_popen, wait_for_log
from tests.lab.router import (
    ISP_BLOCK25_NFT,
    MINIUPNPD_CHAINS,
    ROUTER_NFT,
    RouterConfig,
    miniupnpd_conf,
)
from tests.lab.runner import NetnsRunner

# With no /dev/log glibc also writes every syslog line to /dev/console
# (~1.6 ms a line; one NAT-PMP request for a denied port blocked miniupnpd
# for 58 s).  A private mount namespace with /dev/null over /dev/console
# fixes that without touching the host's /dev.  unshare and sh both exec,
# so the Popen pid is miniupnpd's.
_CONSOLE_TO_NULL = (
    "if [ -e /dev/console ]; then mount --bind /dev/null /dev/console || exit 97; fi; "
    'exec "$0" "$@"'
)


class Lab(NetnsRunner):
    """Builds, varies and tears down the lab.  Needs root."""

    def __init__(self, state_dir: Path) -> None:
        """Keep every state file (configs, logs, leases, mail) in ``state_dir``."""
        super().__init__(state_dir)
        self.config = RouterConfig()
        self.maildir = state_dir / "mail"
        self._services: dict[str, subprocess.Popen[bytes]] = {}
        self._miniupnpd: subprocess.Popen[bytes] | None = None
        self._lock = LabLock()

    # ------------------------------------------------------------ up / down
    def up(self, config: RouterConfig | None = None, lock_timeout: float = 90.0) -> None:
        """Build the lab from scratch (a stale lab is removed first).

        Waits up to ``lock_timeout`` s while another session's lab is up
        (namespace names are host-wide), then raises LabError.
        """
        self._lock.acquire(lock_timeout)
        self._teardown()
        self.config = RouterConfig()  # what links.build() sets up
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.maildir.mkdir(exist_ok=True)
        try:
            links.build(self.config.wan_ip)
            self._nft(ROUTER_NFT)
            self._start_services()
            self.reset(config or RouterConfig())
        except BaseException:
            self.down()
            raise

    def down(self) -> None:
        """Kill every process in the lab namespaces by pid, delete them.

        Idempotent.  Never touches another live session's lab: without the
        lock only this object's own processes are ended.
        """
        if self._lock.held:
            self._teardown()
        else:
            self._stop_own()
        self._lock.release()

    def _teardown(self) -> None:
        # we hold the lock: anything left in the namespaces is ours or stale
        self._stop_own()
        links.delete_namespaces()

    def _stop_own(self) -> None:
        self.kill_spawned()
        for proc in [*self._services.values(), self._miniupnpd]:
            if proc is not None:
                stop_popen(proc)
        self._services.clear()
        self._miniupnpd = None

    def is_up(self) -> bool:
        """True if the namespaces exist and miniupnpd + services run."""
        procs = [*self._services.values(), self._miniupnpd]
        return all(links.namespace_exists(ns) for ns in NAMESPACES) and all(
            p is not None and p.poll() is None for p in procs
        )

    def _nft(self, ruleset: str) -> None:
        self.run(NS_ROUTER, ["nft", "-f", "-"], input_text=ruleset)

    @property
    def dns_records_file(self) -> Path:
        """The JSON records the lab's DNS server answers from (read per query)."""
        return self.state_dir / "dns-records.json"

    def set_dns_records(self, records: Sequence[dict[str, str]] | None = None) -> None:
        """Serve ``records`` (default: ``dns_server.EXAMPLE_RECORDS``) from now on.

        Each record is ``{"name", "type", "value"}`` with the value in zone-file
        syntax; :meth:`reset` puts the defaults back.
        """
        chosen = EXAMPLE_RECORDS if records is None else records
        tmp = self.dns_records_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(list(chosen), indent=1))
        tmp.replace(self.dns_records_file)  # the server never reads half a file

    def _start_services(self) -> None:
        py, d = sys.executable, self.state_dir
        self.set_dns_records()
        for name, argv in (
            (
                "dns",
                [str(LAB_DIR / "dns_server.py"), ISP_IP, str(DNS_PORT), str(self.dns_records_file)],
            ),
            ("stun", [str(LAB_DIR / "stun_server.py"), ISP_IP, str(STUN_PORT)]),
            ("echo", [str(LAB_DIR / "echo_server.py"), ISP_IP, "80"]),
            (
                "smtp",
                [
                    str(LAB_DIR / "smtp_sink.py"),
                    REMOTE_IP,
                    str(self.maildir),
                    *map(str, SMTP_PORTS),
                ],
            ),
        ):
            self._services[name] = self.spawn(
                NS_WAN, [py, *argv], log=d / f"{name}.log", ready="listening", track=False
            )

    # ------------------------------------------------------------ variants
    @property
    def public_ip(self) -> str:
        """The router's current public (WAN) address."""
        return self.config.wan_ip

    def reset(self, config: RouterConfig | None = None) -> None:
        """Put the router into ``config`` (default: stock) with no mappings.

        Sets the WAN address and the ISP tcp/25 block, then restarts
        miniupnpd with an empty ruleset and no leases.
        """
        config = config or RouterConfig()
        self.set_dns_records()
        self.block25(config.block25)
        moved = (config.upstream, config.wan_ip) != (self.config.upstream, self.config.wan_ip)
        if moved and self.config.upstream is not None:
            links.remove_modem(self.config.wan_ip)
            self.config = replace(self.config, upstream=None)
        if config.wan_ip != self.config.wan_ip:
            links.set_wan_ip(config.wan_ip, old=self.config.wan_ip)
        if config.upstream is not None and self.config.upstream is None:
            links.insert_modem(config.wan_ip, config.upstream)
        self.restart_router(config)

    def restart_router(self, config: RouterConfig | None = None, keep_leases: bool = False) -> None:
        """Restart miniupnpd (with ``config``, default: the current one).

        Mappings are lost unless ``keep_leases``: then miniupnpd reloads
        them from its lease file, as a router does after a WAN reconnect.
        """
        config = config or self.config
        leases = self.state_dir / "upnp.leases"
        saved = leases.read_text() if keep_leases and leases.exists() else ""
        if self._miniupnpd is not None:
            stop_popen(self._miniupnpd, grace_s=2.5)
            self._miniupnpd = None
        for chain in MINIUPNPD_CHAINS:  # rules a previous instance may have left
            self.run(NS_ROUTER, ["nft", "flush", "chain", "inet", "filter", chain])
        leases.write_text(saved)
        conf = self.state_dir / "miniupnpd.conf"
        conf.write_text(miniupnpd_conf(config, self.state_dir))
        self.config = config
        log = self.state_dir / "miniupnpd.log"
        self._miniupnpd = self.spawn(
            NS_ROUTER,
            [
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                _CONSOLE_TO_NULL,
                str(MINIUPNPD),
                "-d",
                "-f",
                str(conf),
                "-P",
                str(self.state_dir / "miniupnpd.pid"),
            ],
            log=log,
            track=False,
        )
        wait_for_log(
            log,
            _ready_patterns(config),
            timeout=10,
            proc=self._miniupnpd,
            fail_patterns=("Port forwarding is now disabled", "STUN failed", "EXITING")
            if config.stun
            else (),
        )

    def block25(self, on: bool = True) -> None:
        """Emulate an ISP that drops outbound tcp/25 (own nft table)."""
        self.run(NS_ROUTER, ["nft", "delete", "table", "inet", "isp"], check=False)
        if on:
            self._nft(ISP_BLOCK25_NFT)
        self.config = replace(self.config, block25=on)

    def change_public_ip(self, new_ip: str) -> None:
        """Move the router's WAN address (in 203.0.113.0/24) to ``new_ip``.

        miniupnpd is restarted so STUN reports the new address; mappings
        survive through its lease file.  The echo service sees the new
        address on its own (masquerade uses the WAN address).  Not with a
        modem in front (``RouterConfig.upstream``): the address is the modem's.
        """
        if self.config.upstream is not None:
            raise LabError("change_public_ip: the public address is on lab-modem")
        links.set_wan_ip(new_ip, old=self.config.wan_ip)
        self.restart_router(replace(self.config, wan_ip=new_ip), keep_leases=True)

    # ------------------------------------------------------------ probes
    def connect_from_wan(
        self, port: int, host: str | None = None, source: str = REMOTE_IP, timeout: float = 3.0
    ) -> str | None:
        """Connect from the internet (lab-wan) to ``host`` (default: public IP).

        Returns the first bytes the server sent ("" if it sent nothing) or
        None when unreachable.
        """
        banner: str | None = self.run_python(
            NS_WAN,
            "tests.lab.snippets:connect",
            host or self.public_ip,
            port,
            source,
            timeout,
            timeout=timeout + 10,
        )
        return banner

    def serve_banner(
        self, ns: str, ports: list[int], bind: str = "0.0.0.0", name: str = ""
    ) -> subprocess.Popen[bytes]:
        """Start a banner TCP server in ``ns`` (killed by kill_spawned/down)."""
        return self.spawn_python(
            ns, "tests.lab.snippets:serve_banner", ports, bind, name, ready="listening"
        )

    def smtp_messages(self) -> list[dict[str, Any]]:
        """Messages received by the SMTP sink: envelope dicts plus "data"."""
        msgs = []
        for env in sorted(self.maildir.glob("*.json")):
            msg: dict[str, Any] = json.loads(env.read_text())
            msg["data"] = env.with_suffix(".eml").read_bytes().decode(errors="replace")
            msgs.append(msg)
        return msgs

    def miniupnpd_log(self) -> str:
        """The current miniupnpd log (for assertion messages)."""
        return (self.state_dir / "miniupnpd.log").read_text(errors="replace")


def _ready_patterns(config: RouterConfig) -> list[str]:
    pats = []
    if config.enable_upnp:
        pats.append("HTTP listening on port")
    if config.enable_natpmp:
        pats.append("Listening for NAT-PMP/PCP traffic on port")
    if config.stun:
        pats.append("Port forwarding is now enabled")
    else:
        pats.append("Port forwarding is impossible")
    return pats

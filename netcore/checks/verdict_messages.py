"""The verdict's sentences as message ids with parameters, English default beside each.

The core hands :class:`Msg` values up; the CLI and the TUI word them in the
configured language with :mod:`pmemail.app.verdict_texts` (French there, this
English as the default). ``--json`` carries both the English words (the
stable ``summary`` / ``limits`` / ``advice`` strings) and the ids
(``messages``), so another front end can translate them.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, Final

from netcore.checks.failure_words import ASKED
from netcore.checks.finding_messages import FINDINGS
from netcore.forwarding_messages import FORWARDING


@dataclass(frozen=True)
class Msg:
    """One sentence: a catalogue id and the values of its placeholders.

    ``parts`` fills a placeholder with another sentence (a finding that
    quotes its reason): a front end words each part in the same language.
    """

    id: str
    params: dict[str, str] = field(default_factory=dict)
    parts: dict[str, Msg] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"id": ..., "params": {...}}`` (JSON-ready), ``parts`` only when there are some."""
        out: dict[str, Any] = {"id": self.id, "params": dict(self.params)}
        if self.parts:  # older documents have no "parts": added only when used
            out["parts"] = {k: m.to_dict() for k, m in self.parts.items()}
        return out

    def english(self) -> str:
        """The English default, placeholders filled (a missing one reads ``?``)."""
        values = self.params | {k: m.english() for k, m in self.parts.items()}
        return string.Formatter().vformat(ENGLISH[self.id], (), _Lenient(values))


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


ENGLISH: Final[dict[str, str]] = {
    # ------------------------------------------------------------------ summaries
    "summary.no_network": "there is no network: this machine has no address on a LAN and no "
    "default gateway, so nothing about the internet subscription could be checked",
    "summary.allows": "your subscription allows hosting mail",
    "summary.upstream": "your line does not let the internet in as it is set up now: the "
    "router forwards ports {ports}, yet nothing reaches them from outside, so a second NAT "
    "or a filter stands in front of the router",
    "summary.double_nat": "your line does not let the internet in as it is set up now: a "
    "second box at {address}, most often the ISP's modem in router mode, does NAT in front "
    "of the router (double NAT), so forwarding on the router alone cannot help",
    "summary.cgnat": "your subscription does not allow hosting mail: the line is behind "
    "carrier-grade NAT or a second router, the internet cannot reach the office",
    "summary.not_forwarded": "your subscription allows hosting mail; the ports are not "
    "forwarded yet",
    "summary.no_router": "cannot tell yet whether your subscription allows hosting mail: no "
    "port of the plan is reachable from the internet and the router does not answer UPnP "
    "or NAT-PMP, so the ports must be forwarded by hand first",
    "summary.untested": "your subscription seems to allow hosting mail (the router holds the "
    "public address), but no echo service could test the ports from outside",
    "summary.unknown": "cannot tell yet whether your subscription allows hosting mail: "
    "neither the internet nor the router answered the questions that decide it",
    # ---------------------------------------------------------------------- limits
    "limit.upstream": "ports {ports} are forwarded on the router but unreachable from the "
    "internet: something in front of the router stops them",
    "limit.not_reached": "ports {ports} are not reachable from the internet yet (not forwarded)",
    "limit.untested": "reachability from outside is not verified (no echo service answered)",
    "limit.low_filtered": "ports {ports} are forwarded but unreachable while higher ports "
    "work: the ISP filters ports below 1024",
    "limit.dynamic": "the public address is dynamic: a dynamic DNS name is needed and other "
    "servers may treat the line as residential",
    "limit.ip_unknown": "whether the public address is fixed is not known yet",
    "limit.out25_relay": "outbound port 25 is blocked: outgoing mail must go through the "
    "ISP's relay {relay}",
    "limit.out25": "outbound port 25 is blocked: outgoing mail must go through the ISP's relay",
    # ---------------------------------------------------------------------- advice
    "advice.connect": "connect this machine to the office network (cable or Wi-Fi), then run "
    "`pmemail doctor` again",
    "advice.upstream": "if an ISP modem sits in front of the router, put it in bridge mode or "
    "forward ports {ports} on it too; otherwise ask the ISP whether it filters incoming "
    "connections",
    "advice.ask_public_ipv4": "ask your ISP for a public IPv4 address on the router (often "
    "called a fixed IP option or a business plan)",
    "advice.bridge_modem": "the router's internet side has the private address {address}: a "
    "box in front of it (often the ISP's modem in router mode) does NAT too; put that box "
    "in bridge mode, or forward the same ports on it to this router",
    "advice.bridge_modem_ahead": "the box at {address} in front of the router (most often "
    "the ISP's modem in router mode) does NAT too: put it in bridge mode, or forward ports "
    "{ports} on it to this router too",
    "advice.meanwhile": "meanwhile, collect mail from the ISP's mailbox (collector mode, "
    "collector.enabled) and "
    "send through the ISP's relay: port forwarding cannot help behind carrier-grade NAT",
    "advice.run_forwarding": "run the forwarding: `pmemail ports apply` (ports {ports}), then "
    "run `pmemail doctor` again",
    "advice.forward_by_hand": "forward ports {ports} by hand in the router's web page at "
    "http://{gateway} (`pmemail ports plan` prints the table), then run `pmemail doctor` again",
    "advice.refused_by_router": "the router refused ports {ports} to the forwarding: add "
    "them by hand in its web page at http://{gateway} (`pmemail ports plan` prints the "
    "table), or use `pmemail ports apply --fallback` for the ports that allow it",
    "advice.echo": "check network.echo_url and the internet connection, then run "
    "`pmemail doctor` again",
    "advice.low_filtered": "ask the ISP to open incoming ports {ports}, or use the high-port "
    "fallback (`pmemail ports apply --fallback`) for the ports that allow it",
    "advice.dynamic_dns": "use a dynamic DNS name for the server (many routers and ISPs offer "
    "one) or ask your ISP for a fixed address",
    "advice.ip_unknown": 'if your contract says the address is fixed, set isp.fixed_ip = "yes"; '
    "otherwise run `pmemail doctor` again later to watch it",
    "advice.relay": "send outgoing mail through {relay} (relay.host in the config)",
    "advice.ask_relay": "ask your ISP for the name of its outgoing mail relay and set it as "
    "relay.host",
}
"""Every verdict message id and its English text (placeholders in braces)."""

ENGLISH.update(
    {
        "check.inbound.reachable": "port {port} is reachable from the internet",
        "check.inbound.unreachable": "port {port} is not reachable from the internet",
        "check.inbound.no_echo": "no echo service could test port {port}",
        "check.inbound.udp": "only TCP can be probed from outside",
        "check.no_network": "not checked: there is no network",
        "check.timeout": "no answer within {seconds} s",
    }
)
ENGLISH.update(
    {
        f"check.timeout.{kind}": "no answer within {seconds} s from " + whom
        for kind, whom in ASKED.items()
    }
)
"""The checks' own findings (the doctor's table), same mechanism."""

ENGLISH.update(
    {
        "fwd.summary": "{ok} of {total} port(s) forwarded",
        "fwd.no_public_address": "the router has no public address (carrier-grade NAT or a "
        "second router in front of it): forwarding on it cannot help",
        "fwd.lease": "the router keeps these mappings for {seconds} s: `pmemail serve` renews "
        "them while it runs; without it (a one-shot `ports apply`) they lapse — run pmemail "
        "as a service (`pmemail service install`)",
        "fwd.applied": "the router refuses ports below 1024: these services now use a high "
        "external port — tell staff to change their mail client settings:",
        "fwd.applied_item": "{name}: port {proposed} instead of {external}",
        "fwd.proposed": "the router refuses ports below 1024 through UPnP/NAT-PMP. Fallback plan:",
        "fwd.smtp_must_be_25": "inbound SMTP must stay on port 25: other mail servers always "
        "deliver to port 25 of the MX, so a high port such as 2525 is NOT useful for "
        "receiving mail from the internet; allow 25 in the router (by hand, see the steps) "
        "or ask the ISP",
        "fwd.use_port": "use external port {proposed} instead of {external}: mail clients and "
        "bookmarks must then name port {proposed} ({name})",
        "fwd.run_fallback": "run `pmemail ports apply --fallback` to forward the high ports",
        "fwd.by_hand": "add these rules by hand in the router's port-forwarding page:",
        "fwd.steps": "steps for {profile}:",
        "fwd.steps_unverified": "steps for {profile} (unverified):",
        "fwd.menu": "menu: {path}",
        "fwd.table_header": "external port|protocol|internal address|internal port|service",
    }
)
"""The forwarding's next steps (``pmemail ports apply``, the wizard's forward step)."""

ENGLISH.update(FORWARDING)

ENGLISH.update(FINDINGS)
ENGLISH["check.crashed"] = "{error}"
ENGLISH.update(
    {f"check.crashed.{kind}": "asking " + whom + ": {error}" for kind, whom in ASKED.items()}
)
"""The other checks' findings and advice (LAN, router, addresses, NAT, DNS, port 25)."""

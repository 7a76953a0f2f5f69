"""The checks' findings and advice as message ids, English default beside each.

Same mechanism as :mod:`netcore.checks.verdict_messages` (which merges this
table into its ``ENGLISH``): a check keeps its English ``finding`` and
``advice`` strings for ``--json`` and adds a :class:`Msg` with the id and its
values; the French lives in :mod:`pmemail.app.finding_texts`. Ids that depend
on an address kind (public, private, shared...) are made per kind, so the
kind is worded too, never passed as an English value.
"""

from __future__ import annotations

from typing import Final

from netcore.addresses import KIND_WORDS

FINDINGS: Final[dict[str, str]] = {
    # ------------------------------------------------------------------------ LAN
    "find.lan.ok": "{interface} {address}, gateway {gateway}",
    "find.lan.ok_no_gateway": "{interface} {address}, gateway none",
    "find.lan.no_route": "no default route: this machine is not connected to a router "
    "(or set network.interface)",
    "find.lan.no_interface": "network interface '{interface}' does not exist",
    "find.lan.no_ipv4": "{interface} has no IPv4 address",
    "adv.lan.connect": "connect this machine to the office router",
    # --------------------------------------------------------------------- router
    "find.router.not_igd": "the UPnP device at {url} is not an Internet gateway (no WAN "
    "connection service), and no router answered NAT-PMP",
    "find.router.none": "no router answered UPnP or NAT-PMP at {gateway}",
    "find.router.none_no_gateway": "no router answered UPnP or NAT-PMP (no default gateway)",
    "adv.router.enable": "enable UPnP (IGD) or NAT-PMP in the router, or forward the ports by "
    "hand (`pmemail ports plan` prints the table)",
    "find.router.no_external": "{what} ({how}) has no usable external address",
    "find.router.no_external_unnamed": "a router ({how}) has no usable external address",
    "adv.router.behind_nat": "the router sits behind another NAT (the ISP's carrier-grade NAT "
    "or another box): port forwarding on it cannot work",
    # ------------------------------------------------------------- public address
    "find.public_ip.none": "no echo service answered: public address unknown",
    "adv.public_ip.none": "check the internet connection and network.echo_url",
    "find.public_ip.disagree": "echo services disagree: {seen}",
    "adv.public_ip.disagree": "the office may leave through several addresses "
    "(load-balancing router, proxy): mail needs exactly one",
    # ------------------------------------------------------------------------ NAT
    "find.nat.direct": "direct public address on this machine",
    "find.nat.nat": "behind one NAT, the router's (the normal office set-up)",
    "find.nat.nat_private_hop": "behind the router's NAT; the next box out ({hop}) has a "
    "private address too: if the forwarded ports stay unreachable from outside, it is a "
    "second NAT (the ISP's modem in router mode, or the ISP's own NAT)",
    "find.nat.double_nat": "double NAT or carrier-grade NAT: port forwarding is impossible",
    "find.nat.unknown": "NAT situation unknown",
    "find.nat.double_nat_why": "double NAT or carrier-grade NAT: port forwarding is "
    "impossible: {reason}",
    "find.nat.unknown_why": "NAT situation unknown: {reason}",
    "nat.direct": "this machine holds the public address {address} itself: no router in between",
    "nat.adv.direct": "no port forwarding is needed; a firewall on this machine must allow "
    "the mail ports",
    "nat.no_external": "the router has no usable external address: it sits behind the ISP's "
    "carrier-grade NAT or behind another router",
    "nat.adv.ask_isp": 'ask your ISP for a public IPv4 address on the router ("bridge"/'
    '"full-stack" mode, or a professional plan with a fixed address): behind their NAT, '
    "no port forwarding can work",
    "nat.mismatch": "the router says its address is {router} but the internet sees "
    "{outside}: there is another NAT in between",
    "nat.one": "the router holds the public address {address} (seen the same from outside): "
    "one NAT, the normal office set-up",
    "nat.no_router": "the internet sees {address}, but the router did not answer UPnP or "
    "NAT-PMP, so its own address is unknown",
    "nat.adv.no_router": "enable UPnP on the router, or check its status page: if its "
    "internet address is not {address}, there is a second NAT",
    "nat.no_echo": "no echo service answered: the public address is unknown (is the "
    "internet reachable?)",
    # -------------------------------------------------------- fixed or dynamic
    "find.ip_kind.fixed": "the public address looks fixed",
    "find.ip_kind.dynamic": "the public address is dynamic",
    "find.ip_kind.unknown": "cannot tell whether the public address is fixed",
    "find.ip_kind.fixed_why": "the public address looks fixed: {reason}",
    "find.ip_kind.dynamic_why": "the public address is dynamic: {reason}",
    "find.ip_kind.unknown_why": "cannot tell whether the public address is fixed: {reason}",
    "ipk.changed": "the public address changed {count} time(s) in the recorded history",
    "ipk.admin_yes_changed": "you answered that the address is fixed, but it did change",
    "ipk.admin_yes": "you answered that the contract gives a fixed address",
    "ipk.admin_no": "you answered that the address is not fixed",
    "ipk.profile_fixed": "the ISP profile says this plan's address is fixed",
    "ipk.profile_dynamic": "the ISP profile says this plan's address is dynamic",
    "ipk.no_change": "no change seen in {days} day(s) of history",
    "ipk.too_short": "the history is too short to tell",
    "ipk.pro_plan": "the {profile} profile says a fixed address needs a professional plan",
    "ipk.rdns.none": "the address has no reverse DNS name",
    "ipk.rdns.spelled": "its reverse DNS name {name} spells the address (an ISP pool name)",
    "ipk.rdns.pool": "its reverse DNS name {name} contains {tokens} (an ISP pool)",
    "ipk.rdns.fixed_tokens": "its reverse DNS name {name} contains {tokens}",
    "ipk.rdns.own_name": "its reverse DNS name {name} looks like a business's own name",
    "ipk.rdns.no_hint": "its reverse DNS name {name} gives no hint",
    "ipk.adv.dynamic": "the address changes: mail from the internet needs a dynamic DNS name "
    "that follows it (and it still looks like a home line to other mail servers). The clean "
    'answer is a professional ("pro"/"office") plan with a fixed address. On cable the '
    "address usually stays while the modem stays connected; on ADSL it can change several "
    "times a day.",
    "ipk.adv.unknown": "ask your ISP whether the contract includes a fixed address (set "
    "isp.fixed_ip in the config once you know); a professional plan with a fixed address is "
    "the clean answer for a mail server.",
    # ------------------------------------------------------------ outbound 25
    "find.out25.no_probe": "no port 25 probe configured (network.port25_probes)",
    "find.out25.open": "outbound port 25 is open: mail can go straight to other servers",
    "find.out25.refused": "port 25 probes refused the connection (the remote host is up but "
    "does not accept; the ISP does not seem to block)",
    "adv.out25.refused": "check network.port25_probes points at a real mail server",
    "find.out25.blocked": "your ISP blocks outbound port 25 (587 passes): outbound mail must "
    "use the ISP's relay: {relay}",
    "find.out25.blocked_unknown": "your ISP blocks outbound port 25 (587 passes): outbound "
    "mail must use the ISP's relay: ask your ISP for its SMTP relay (smarthost) host name",
    "adv.out25.blocked": 'set relay.mode = "smarthost" and relay.host ({relay})',
    "adv.out25.blocked_unknown": 'set relay.mode = "smarthost" and relay.host (ask your ISP '
    "for its SMTP relay (smarthost) host name)",
    "find.out25.unknown": "no probe answered, not even on other ports: cannot tell whether "
    "port 25 is blocked (no internet?)",
    "adv.out25.unknown": "check the internet connection, then run the doctor again",
    # ------------------------------------------------------------------------ DNS
    "find.dns.ok": "MX, PTR and SPF of {domain} point at {address}",
    "find.dns.skipped": "public address unknown: DNS not checked",
    "find.dns.lookups_failed": "DNS lookups failed ({records}): the DNS server did not "
    "answer or refused",
    "find.dns.no_mx": "{domain} has no MX record",
    "find.dns.mx_elsewhere": "the MX ({mx}) does not resolve to {address}",
    "find.dns.no_ptr": "{address} has no reverse DNS (PTR) name",
    "find.dns.ptr_other": "the PTR of {address} is {ptr}, not {hostname}",
    "find.dns.no_spf": "{domain} has no SPF record",
    "find.dns.spf_other": "the SPF record does not list {address}",
    "find.dns.more": "{first} (+{more} more)",
    "adv.dns.publish": "publish these records (the PTR is set by your ISP):\n{records}",
    # ---------------------------------------------------------------- dynamic DNS
    "find.dyndns.ok": "{hostname} points at the public address {address}",
    "find.dyndns.mismatch": "{hostname} points at {found}, not at the public address {address}",
    "find.dyndns.lookup_failed": "the A record of {hostname} could not be read: the DNS "
    "server did not answer or refused",
    "find.dyndns.no_address": "public address unknown: {hostname} not compared",
    "find.dyndns.refused": "the dynamic DNS provider refused the settings ({answer}): "
    "{hostname} is no longer updated",
    "find.dyndns.not_configured": "the address is dynamic but no dynamic DNS keeps "
    "{hostname} on it",
    "adv.dyndns.configure": "fill in [dyndns] in the config (provider, username, password; "
    "hostname when it is not mail.hostname): `pmemail serve` then updates the name when "
    "the address changes",
    "adv.dyndns.refused": "check dyndns.provider, dyndns.hostname, dyndns.username and "
    "dyndns.password: updates resume once one of them changes",
    "adv.dyndns.update": "`pmemail serve` updates the record when it sees the address "
    "change (`pmemail dyndns update` sends it now); the old answer may stay in DNS caches "
    "for the record's TTL",
    "adv.dyndns.waiting": "the last update failed and the next try waits (the provider "
    "asked for it or did not answer): `pmemail status` shows when",
    # ------------------------------------------- the table's titles, the CLI's lines
    "title.lan": "LAN",
    "title.router": "Router",
    "title.public_ip": "Public address",
    "title.nat": "NAT",
    "title.ip_kind": "Fixed or dynamic address",
    "title.outbound_25": "Outbound port 25",
    "title.dns": "DNS",
    "title.dyndns": "Dynamic DNS",
    "title.subscription": "Subscription",
    "title.inbound": "Inbound {port}",
    "title.inbound_port": "Inbound {port}/{protocol} ({name})",
    "doctor.checking": "checking the internet subscription ...",
    # ---------------------------------------------------- a check that broke
    "adv.timeout": "this check says nothing yet: check the network, or raise "
    "network.check_timeout if it is slow",
    "error.name": "a name could not be resolved: the DNS server does not answer or the name "
    "is wrong",
    "error.timeout": "no answer in time",
    "error.refused": "the other side refused the connection (nothing listens there)",
    "error.reset": "the connection was cut (a filter or the other side closed it)",
    "error.unreachable": "no route to it: the network is down or this machine is not connected",
    "error.permission": "this machine's own firewall or permissions refused it",
    "error.network": "a network error ({kind})",
    "error.bug": "an unexpected error in pmemail ({kind}): please report it",
}
"""Every check finding / advice id and its English text (placeholders in braces)."""

FINDINGS.update(
    {
        **{
            f"find.router.ok.{kind}": "{what} ({how}), external address {address} (" + kind + ")"
            for kind in KIND_WORDS
        },
        **{
            f"find.router.ok_unnamed.{kind}": "a router ({how}), external address {address} ("
            + kind
            + ")"
            for kind in KIND_WORDS
        },
        **{
            f"find.public_ip.ok.{kind}": "the internet sees {address} (" + kind + ")"
            for kind in KIND_WORDS
        },
        **{
            f"nat.router_behind.{kind}": "the router's internet side has {address}, "
            + words
            + ": another NAT (the ISP's or a second box) stands in front of it"
            for kind, words in KIND_WORDS.items()
        },
        **{
            f"nat.echo_saw.{kind}": "the echo service saw {address}, " + words
            for kind, words in KIND_WORDS.items()
        },
    }
)

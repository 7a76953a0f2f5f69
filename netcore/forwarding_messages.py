"""Forwarding's per-port outcomes and the router's refusals as message ids, English beside.

Same mechanism as :mod:`netcore.checks.finding_messages` (merged into
:data:`netcore.checks.verdict_messages.ENGLISH`): a
:class:`~netcore.router.errors.RouterError` and a
:class:`~netcore.port_outcome.PortOutcome` keep their English ``message``
for ``--json`` and the logs, and carry the :class:`Msg` it was made from;
the French lives in :mod:`pmemail.app.forwarding_texts`. A sentence that
names "port 25" or "this port" gets it as the part ``what``, so each
language words that too.
"""

from __future__ import annotations

from typing import Final

PMP_RESULTS: Final[dict[str, str]] = {
    "unsupported_version": "the router does not speak this version of the protocol",
    "not_authorized": "not authorized (the protocol may be turned off in the router, or it "
    "refuses this port)",
    "malformed_request": "the router found the request malformed",
    "unsupported_opcode": "the router does not support this request",
    "unsupported_option": "the router does not support an option of the request",
    "malformed_option": "the router found an option of the request malformed",
    "network_failure": "network failure (the router may have no internet address yet)",
    "no_resources": "the router cannot make more mappings (no resources left)",
    "unsupported_protocol": "the router cannot forward this protocol",
    "quota": "the router's quota of mappings for this machine is used up",
    "cannot_provide_external": "the router cannot give this external port",
    "address_mismatch": "the router saw another source address than the request names "
    "(a NAT between this machine and the router?)",
    "excessive_peers": "the router refuses: too many remote peers",
}
"""What a NAT-PMP (RFC 6886) or PCP (RFC 6887) result code means, by meaning."""

NATPMP_RESULT_MEANINGS: Final[dict[int, str]] = {
    1: "unsupported_version",
    2: "not_authorized",
    3: "network_failure",
    4: "no_resources",
    5: "unsupported_opcode",
}
"""NAT-PMP's result codes (RFC 6886 3.5) -> a meaning of :data:`PMP_RESULTS`."""

PCP_RESULT_MEANINGS: Final[dict[int, str]] = {
    1: "unsupported_version",
    2: "not_authorized",
    3: "malformed_request",
    4: "unsupported_opcode",
    5: "unsupported_option",
    6: "malformed_option",
    7: "network_failure",
    8: "no_resources",
    9: "unsupported_protocol",
    10: "quota",
    11: "cannot_provide_external",
    12: "address_mismatch",
    13: "excessive_peers",
}
"""PCP's result codes (RFC 6887 7.4) -> a meaning of :data:`PMP_RESULTS`."""

DMZ = (
    'pmemail never uses the router\'s DMZ ("exposed host"): a DMZ makes the router stop '
    "filtering everything else and sends every port of the internet to this machine, "
    "including services that were never meant to be public. Only the ports in this plan "
    "are forwarded."
)

SECURE_MODE = (
    "the router refuses (UPnP 718): the port is already forwarded elsewhere, or the router "
    'only lets a machine forward ports to itself (UPnP "secure mode"), so pmemail cannot '
    "open this port for another computer; add the rule by hand in the router (see the table)"
)

_NO_ROUTE_HINT = " (no router) — check the network cable/Wi-Fi or network.interface"
_AGAIN = "; run `pmemail ports apply` again later"

FORWARDING: Final[dict[str, str]] = {
    # ------------------------------------------- what the sentence is about (a part)
    "fwd.err.what.port": "port {port}",
    "fwd.err.what.this": "this port",
    # ------------------------------------------------- a router error code explained
    "fwd.err.conflict_holder": "{what} is already forwarded to {holder} — remove that rule "
    "in the router or choose another port",
    "fwd.err.conflict": "the router refuses {what}: it is already forwarded, or the router "
    "only lets a machine forward ports to itself (secure mode)",
    "fwd.err.not_authorized_low": "the router's UPnP rules refuse {what} (many routers only "
    "allow ports from 1024 up, or only to the asking machine)",
    "fwd.err.not_authorized": "the router's UPnP rules refuse {what} (its permission rules "
    "allow only some external and internal ports, or only forwarding to the asking machine)",
    "fwd.err.action_failed": "the router accepted the request but could not forward {what} "
    "(it may have no usable public address: CGNAT/double NAT)",
    "fwd.err.invalid_action": "the router does not support this UPnP request",
    "fwd.err.only_permanent": "the router only accepts permanent mappings",
    "fwd.err.table_full": "the router's forwarding table is full",
    "fwd.err.same_port": "the router requires the same external and internal port for {what}",
    "fwd.err.no_router": "no router answered UPnP, NAT-PMP or PCP on this network",
    "fwd.err.substituted": "the router gave another external port instead of {what}",
    "fwd.err.network": "the router did not answer correctly",
    "fwd.err.off_lan": "the target of {what} is not on this office's LAN",
    "fwd.err.not_asked": "{what} was not asked: the run's request budget ran out",
    "fwd.err.no_public_address": "the router has no public address (carrier-grade NAT or a "
    "second router in front of it): forwarding on it cannot help, ask the ISP for a public "
    "IPv4 address",
    "fwd.err.other": "the router refused {what}: {name} ({code})",
    "fwd.err.unknown_code": "the router refused {what}: unknown error ({code})",
    # ----------------------------------------------------------- the router clients
    "fwd.err.upnp_no_answer": "the router did not answer the UPnP request properly (it may "
    "be busy or restarting); try again in a minute",
    "fwd.err.upnp_no_answer_port": "the router did not answer the UPnP request for port "
    "{port} properly (it may be busy or restarting); try again in a minute",
    "fwd.err.no_igd": "no UPnP router (IGD) answered on this network",
    "fwd.err.none_answered": "no router answered",
    "fwd.err.natpmp_silent": "the router {gateway} does not answer NAT-PMP",
    "fwd.err.pcp_silent": "the router {gateway} does not answer PCP",
    "fwd.err.natpmp_failed": "the NAT-PMP request to the router {gateway} failed ({kind}): "
    "the router or the network did not carry it",
    "fwd.err.natpmp_short": "the router {gateway} sent a malformed NAT-PMP answer (too short)",
    "fwd.err.natpmp_malformed": "the router {gateway} sent a malformed NAT-PMP answer "
    "(version {version}, opcode {opcode})",
    "fwd.err.pmp_refused": "{protocol} refused port {port}: {result}",
    "fwd.err.pcp_delete_refused": "PCP refused to delete the mapping: {result}",
    "fwd.err.pmp_result_unknown": "result code {code}",
    "fwd.err.moved": "the router refuses port {port} (it offered {offered} instead)",
    # ------------------------------------------------------------- the forwarding
    "fwd.err.iface_no_gateway": "the interface {interface} has no gateway" + _NO_ROUTE_HINT,
    "fwd.err.no_default_route": "this machine has no default route" + _NO_ROUTE_HINT,
    "fwd.err.iface_no_ipv4": "network.interface {interface} has no IPv4 address",
    "fwd.err.verify": "the router accepted port {port} but its table shows {got}",
    "fwd.err.verify_nothing": "the router accepted port {port} but its table shows nothing",
    "fwd.err.budget_count": "not asked: pmemail stops after {count} requests to the router "
    "in one run, so as not to overload it" + _AGAIN,
    "fwd.err.budget_time": "not asked: the forwarding stopped after {seconds} s so as not to "
    "overload the router" + _AGAIN,
    "fwd.err.other_host_no_upnp": "no UPnP router to forward port {port} to {host} "
    "(NAT-PMP/PCP can only forward to this machine)",
    "fwd.err.other_host_conflict": "port {port} to {host}: " + SECURE_MODE,
    "fwd.err.other_host_refused": "the router's UPnP permission rules refuse port {port} to "
    "{host} (another machine): add the rule by hand in the router (see the table)",
    "fwd.err.delete_refused": "the router refuses to delete port {port} (it belongs to "
    "{host}); delete it in the router's port-forwarding page",
    "fwd.err.off_lan_seen": "ports.{name}.internal_host = {host} is not on this office's LAN "
    "{network}: nothing was asked of the router. Set it to the address of the computer that "
    "should receive port {port} (machines seen on the LAN: {seen})",
    "fwd.err.off_lan_unseen": "ports.{name}.internal_host = {host} is not on this office's "
    "LAN {network}: nothing was asked of the router. Set it to the address of the computer "
    "that should receive port {port} (an address in {network} (the PC's network settings "
    "show it))",
    # ----------------------------------------------------------- a port's outcome
    "fwd.out.forwarded": "forwarded by {method}",
    "fwd.out.fallback_taken": "{reason} (the fallback port {port} is already used by another "
    "entry of the plan)",
    "fwd.out.fallback_failed": "{reason} (the fallback port {port} failed too: {why})",
    "fwd.out.fallback_applied": "forwarded by {method} on external port {high} instead of "
    "{refused} (the router refuses {refused}): give staff port {high} for {name} in their "
    "mail client settings and bookmarks",
    "fwd.out.fallback_applied_listen": "forwarded by {method} on external port {high} "
    "instead of {refused} (the router refuses {refused}): give staff port {high} for {name} "
    "in their mail client settings and bookmarks; the server must listen on port {internal}: "
    "set ports.{name}.internal = {internal} (as `pmemail init --unprivileged` does) and "
    "restart pmemail",
    # ------------------------------------------- one outcome as a line (outcome_line)
    "fwd.line.mapped": "mapped by {method} (lease {seconds} s)",
    "fwd.line.mapped_permanent": "mapped by {method} (permanent)",
    "fwd.line.instead": "{state}, instead of refused port {port}",
    "fwd.line.removed": "removed ({method})",
    "fwd.line.failed": "FAILED: {reason}",
    "fwd.dmz": DMZ,
    "fwd.line.plan": "port plan (this machine: {address})",
    "fwd.line.plan_fallback": "(fallback for {port})",
    "fwd.line.warning": "WARNING {reason}",
    "fwd.line.table": "router table ({where}); * = pmemail",
    "fwd.line.no_upnp": "no UPnP",
    "fwd.line.permanent": "permanent",
    "fwd.line.instead_of": "(instead of {port})",
    "fwd.line.empty": "(empty)",
    "fwd.line.forwarding": "forwarding {count} port(s) to this office (router {gateway})",
    "fwd.line.removed_count": "{ok} of {total} mapping(s) removed",
    "fwd.line.profile_warning": "warning: {reason}",
    # ------------------------------------------ a plan or profile that cannot be used
    "fwd.plan.duplicate": "ports.{name} and ports.{other} both use external port {mapping}; "
    "give one of them another port",
    "fwd.plan.not_ipv4": "{where}: {value} is not an IPv4 address (the router forwards to "
    "a LAN address like 192.168.1.20)",
    "fwd.plan.no_route": "no route to the router {gateway}: {error}",
    "fwd.profile.unknown": "no router profile {name}; known: {known}",
    "fwd.profile.unusable": "{origin}: {error}",
    # ------------------------- a system error, naming what was attempted (strerror as data)
    "fwd.os.plan": "could not work out the port plan: {error}",
    "fwd.os.apply": "could not forward the ports: {error}",
    "fwd.os.list": "could not read the router's table: {error}",
    "fwd.os.remove": "could not remove the mappings: {error}",
    # ------------------------------- the router monitor's events (pmemail serve's status)
    "fwd.monitor.restored": "the router had lost the mapping {mapping}: restored",
    "fwd.monitor.renewed": "the router mapping {mapping} was renewed",
    "fwd.monitor.refreshed": "the router mapping {mapping} was asked for again",
    "fwd.monitor.rebooted": "the router restarted: pmemail asks for its mappings again",
    "fwd.monitor.failed": "the router mapping {mapping} could not be kept: {reason}",
    "fwd.monitor.check_failed": "the router check failed: {error}",
    **{f"fwd.pmp.{meaning}": text for meaning, text in PMP_RESULTS.items()},
}
"""Every forwarding message id and its English text (placeholders in braces)."""

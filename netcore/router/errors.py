"""Router failures as codes and plain sentences.

miniupnpc's Python binding raises a bare ``Exception`` whose text is the
UPnP error string (``strupnperror()``); the number itself is not exposed.
:func:`upnp_code` turns the string back into the UPnP code so the rest of
netcore can reason on numbers, and :func:`explain` turns a code into a
sentence an office admin can act on.
"""

from __future__ import annotations

# strupnperror() strings of miniupnpc 2.x (upnperrors.c) -> UPnP error codes.
UPNP_ERROR_STRINGS: dict[str, int] = {
    "Invalid Action": 401,
    "Invalid Args": 402,
    "Action Failed": 501,
    "Argument Value Invalid": 600,
    "Argument Value Out of Range": 601,
    "Optional Action Not Implemented": 602,
    "Out of Memory": 603,
    "Human Intervention Required": 604,
    "String Argument Too Long": 605,
    "Action not authorized": 606,
    "SpecifiedArrayIndexInvalid": 713,
    "NoSuchEntryInArray": 714,
    "WildCardNotPermittedInSrcIP": 715,
    "WildCardNotPermittedInExtPort": 716,
    "ConflictInMappingEntry": 718,
    "SamePortValuesRequired": 724,
    "OnlyPermanentLeasesSupported": 725,
    "RemoteHostOnlySupportsWildcard": 726,
    "ExternalPortOnlySupportsWildcard": 727,
    "NoPortMapsAvailable": 728,
    "ConflictWithOtherMechanisms": 729,
    "WildCardNotPermittedInIntPort": 732,
}

INVALID_ACTION = 401
ACTION_FAILED = 501
NOT_AUTHORIZED = 606
CONFLICT = 718
SAME_PORT_REQUIRED = 724
ONLY_PERMANENT_LEASES = 725
NO_PORT_MAPS_AVAILABLE = 728

NO_ROUTER = -1
"""Pseudo-code: no router answered (no IGD, no NAT-PMP/PCP)."""
NETWORK = -2
"""Pseudo-code: the router answered badly or the network failed."""
SUBSTITUTED = -3
"""Pseudo-code: NAT-PMP/PCP granted another external port than asked."""
NOT_ASKED = -4
"""Pseudo-code: the run's request budget (count or time) ran out before this port."""
NO_PUBLIC_ADDRESS = -5
"""Pseudo-code: the router has no public address (CGNAT, a second NAT): nothing was asked."""
OFF_LAN = -6
"""Pseudo-code: the target is not on the office LAN (ports.X.internal_host): nothing was asked."""

# NAT-PMP (RFC 6886) and PCP (RFC 6887) result codes that matter here.
NATPMP_NOT_AUTHORIZED = 2
PCP_NOT_AUTHORIZED = 2
PCP_NO_RESOURCES = 8
PCP_CANNOT_PROVIDE_EXTERNAL = 11


class RouterError(Exception):
    """A router refused or failed a request.

    Attributes:
        code: UPnP error code (401, 606, 718 ...) or one of the pseudo-codes
            :data:`NO_ROUTER`, :data:`NETWORK`, :data:`SUBSTITUTED`.
        raw: the router's own error text, kept for the logs.
    """

    def __init__(self, code: int, message: str, raw: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.raw = raw or message


def upnp_code(exc: BaseException) -> int | None:
    """The UPnP error code carried by a miniupnpc exception, or None."""
    text = str(exc).strip()
    if text in UPNP_ERROR_STRINGS:
        return UPNP_ERROR_STRINGS[text]
    # some builds append the number: "ConflictInMappingEntry (718)"
    for name, code in UPNP_ERROR_STRINGS.items():
        if text.startswith(name):
            return code
    return None


def from_upnp_exception(exc: BaseException, *, port: int = 0, holder: str = "") -> RouterError:
    """A :class:`RouterError` with a clear sentence for a miniupnpc exception."""
    code = upnp_code(exc)
    if code is None:
        # miniupnpc's own texts ("Miniupnpc HTTP error", "Miniupnpc Socket error")
        # mean the router did not answer the request: say so, keep the raw text
        what = f" for port {port}" if port else ""
        return RouterError(
            NETWORK,
            f"the router did not answer the UPnP request{what} properly (it may be busy "
            "or restarting); try again in a minute",
            str(exc),
        )
    return RouterError(code, explain(code, port=port, holder=holder), str(exc))


def explain(code: int, *, port: int = 0, holder: str = "") -> str:
    """One sentence saying what ``code`` means for forwarding ``port``."""
    what = f"port {port}" if port else "this port"
    if code == CONFLICT:
        if holder:
            return (
                f"{what} is already forwarded to {holder} — remove that rule in the "
                "router or choose another port"
            )
        return (
            f"the router refuses {what}: it is already forwarded, or the router only lets "
            "a machine forward ports to itself (secure mode)"
        )
    if code == NOT_AUTHORIZED:
        if 0 < port < 1024:
            return (
                f"the router's UPnP rules refuse {what} (many routers only allow ports "
                "from 1024 up, or only to the asking machine)"
            )
        return (
            f"the router's UPnP rules refuse {what} (its permission rules allow only some "
            "external and internal ports, or only forwarding to the asking machine)"
        )
    if code == ACTION_FAILED:
        return (
            "the router accepted the request but could not forward "
            f"{what} (it may have no usable public address: CGNAT/double NAT)"
        )
    if code == INVALID_ACTION:
        return "the router does not support this UPnP request"
    if code == ONLY_PERMANENT_LEASES:
        return "the router only accepts permanent mappings"
    if code == NO_PORT_MAPS_AVAILABLE:
        return "the router's forwarding table is full"
    if code == SAME_PORT_REQUIRED:
        return f"the router requires the same external and internal port for {what}"
    if code == NO_ROUTER:
        return "no router answered UPnP, NAT-PMP or PCP on this network"
    if code == SUBSTITUTED:
        return f"the router gave another external port instead of {what}"
    if code == NETWORK:
        return "the router did not answer correctly"
    if code == OFF_LAN:
        return f"the target of {what} is not on this office's LAN"
    if code == NOT_ASKED:
        return f"{what} was not asked: the run's request budget ran out"
    if code == NO_PUBLIC_ADDRESS:
        return (
            "the router has no public address (carrier-grade NAT or a second router in "
            "front of it): forwarding on it cannot help, ask the ISP for a public IPv4 address"
        )
    name = next((n for n, c in UPNP_ERROR_STRINGS.items() if c == code), "unknown error")
    return f"the router refused {what}: {name} ({code})"

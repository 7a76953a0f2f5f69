"""Router failures as codes and plain sentences.

miniupnpc's Python binding raises a bare ``Exception`` whose text is the
UPnP error string (``strupnperror()``); the number itself is not exposed.
:func:`upnp_code` turns the string back into the UPnP code so the rest of
netcore can reason on numbers, and :func:`explain` turns a code into a
sentence an office admin can act on (:func:`explain_msg`: as a message id,
so the French interface words it too).
"""

from __future__ import annotations

from netcore.checks.verdict_messages import Msg

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
        msg: the sentence as a message id (None for a plain text): a front
            end words it in the admin's language; ``str()`` is its English.
    """

    def __init__(self, code: int, message: str | Msg, raw: str = "") -> None:
        """``message``: a plain sentence, or a :class:`Msg` (its English is the text)."""
        text = message.english() if isinstance(message, Msg) else message
        super().__init__(text)
        self.code = code
        self.raw = raw or text
        self.msg = message if isinstance(message, Msg) else None


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
        silent = (
            Msg("fwd.err.upnp_no_answer_port", {"port": str(port)})
            if port
            else Msg("fwd.err.upnp_no_answer")
        )
        return RouterError(NETWORK, silent, str(exc))
    return RouterError(code, explain_msg(code, port=port, holder=holder), str(exc))


def explain(code: int, *, port: int = 0, holder: str = "") -> str:
    """One sentence saying what ``code`` means for forwarding ``port`` (English)."""
    return explain_msg(code, port=port, holder=holder).english()


_BY_CODE: dict[int, str] = {
    ACTION_FAILED: "fwd.err.action_failed",
    INVALID_ACTION: "fwd.err.invalid_action",
    ONLY_PERMANENT_LEASES: "fwd.err.only_permanent",
    NO_PORT_MAPS_AVAILABLE: "fwd.err.table_full",
    SAME_PORT_REQUIRED: "fwd.err.same_port",
    NO_ROUTER: "fwd.err.no_router",
    SUBSTITUTED: "fwd.err.substituted",
    NETWORK: "fwd.err.network",
    OFF_LAN: "fwd.err.off_lan",
    NOT_ASKED: "fwd.err.not_asked",
    NO_PUBLIC_ADDRESS: "fwd.err.no_public_address",
}
"""The codes whose sentence depends on nothing but the port."""


def explain_msg(code: int, *, port: int = 0, holder: str = "") -> Msg:
    """What ``code`` means for forwarding ``port``, as a message id (``what``: the port)."""
    what = {
        "what": Msg("fwd.err.what.port", {"port": str(port)}) if port else Msg("fwd.err.what.this")
    }
    if code == CONFLICT:
        if holder:
            return Msg("fwd.err.conflict_holder", {"holder": holder}, what)
        return Msg("fwd.err.conflict", parts=what)
    if code == NOT_AUTHORIZED:
        low = "fwd.err.not_authorized_low" if 0 < port < 1024 else "fwd.err.not_authorized"
        return Msg(low, parts=what)
    if code in _BY_CODE:
        return Msg(_BY_CODE[code], parts=what)
    name = next((n for n, c in UPNP_ERROR_STRINGS.items() if c == code), "")
    if not name:
        return Msg("fwd.err.unknown_code", {"code": str(code)}, what)
    return Msg("fwd.err.other", {"name": name, "code": str(code)}, what)


def pmp_result(protocol: str, result: int) -> Msg:
    """A NAT-PMP or PCP result code (``protocol``: ``natpmp`` or ``pcp``) in words."""
    from netcore.forwarding_messages import NATPMP_RESULT_MEANINGS, PCP_RESULT_MEANINGS

    meanings = NATPMP_RESULT_MEANINGS if protocol == "natpmp" else PCP_RESULT_MEANINGS
    meaning = meanings.get(result)
    if meaning is None:
        return Msg("fwd.err.pmp_result_unknown", {"code": str(result)})
    return Msg(f"fwd.pmp.{meaning}")

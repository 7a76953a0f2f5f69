"""Recipient and sender policy: who may receive here, and the relay tricks refused.

A closed relay accepts a recipient only when its domain is ours and its local
part is a plain user or alias. Every classic trick to bounce mail through a
badly configured server is refused explicitly, before any lookup:
``user%other@local`` and ``other!user@local`` (percent hack, UUCP bang path),
``"user@other"@local`` (quoted local parts), ``@local:user@other`` (source
routes; aiosmtpd already reduces them to the final address, which is then a
foreign domain), ``user@[192.0.2.1]`` (IP literals), ``user@local.`` (trailing
dots). Case and surrounding spaces are normalised, not refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailcore.interfaces import UserDirectory

# Characters that let a local part name another host or hide one.
_TRICK_CHARS = set('%!@":\\[]<>,;()') | {" ", "\t"}
_DOMAIN_RE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")

RELAY_DENIED = "554 5.7.1 Relay access denied: {addr} is not a local address"
UNKNOWN_USER = "550 5.1.1 {addr}: no such user here"
TRICK = "554 5.7.1 {addr}: routing characters in addresses (%, !, quotes, routes) refused"
IP_LITERAL = "554 5.7.1 {addr}: IP-literal recipients are not accepted"
BAD_ADDRESS = "553 5.1.3 {addr}: not a valid address"


class Refused(Exception):
    """An address refused; ``status`` is the full SMTP reply line."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class Routing:
    """The recipients of one transaction, split into local mailboxes and remote addresses."""

    local: dict[str, list[str]] = field(default_factory=dict)  # rcpt -> mailboxes
    remote: list[str] = field(default_factory=list)

    def mailboxes(self) -> list[str]:
        """Every local mailbox, once."""
        return list(dict.fromkeys(m for boxes in self.local.values() for m in boxes))


def split_address(address: str) -> tuple[str, str]:
    """(local part, lower-cased domain) of an envelope address, spaces stripped."""
    local, _, domain = address.strip().rpartition("@")
    return local, domain.lower()


def route_recipient(
    address: str, users: UserDirectory, *, authenticated: bool, default_domain: str
) -> tuple[str, list[str] | None]:
    """Decide what to do with ``RCPT TO`` ``address``.

    Returns:
        (normalised address, mailboxes) for a local recipient, or
        (normalised address, None) for a remote one (authenticated sessions only).

    Raises:
        Refused: with the reply line (550 unknown user, 554 relay denied, ...).
    """
    addr = address.strip()
    if "@" not in addr:
        if addr.lower() != "postmaster":  # RFC 5321 4.5.1: bare postmaster is valid
            raise Refused(BAD_ADDRESS.format(addr=addr or "<>"))
        addr = f"postmaster@{default_domain}"
    local, domain = split_address(addr)
    shown = f"<{addr}>"
    if domain.startswith("["):
        raise Refused(IP_LITERAL.format(addr=shown))
    if domain.endswith(".") or not _DOMAIN_RE.match(domain):
        raise Refused(
            BAD_ADDRESS.format(addr=shown) if authenticated else RELAY_DENIED.format(addr=shown)
        )
    is_local = domain in users.local_domains()
    if (not local or _TRICK_CHARS & set(local)) and (is_local or not authenticated):
        raise Refused(TRICK.format(addr=shown))
    normalised = f"{local.lower()}@{domain}" if is_local else f"{local}@{domain}"
    if not is_local:
        if not authenticated:
            raise Refused(RELAY_DENIED.format(addr=shown))
        return normalised, None
    boxes = users.resolve(normalised)
    if not boxes:
        raise Refused(UNKNOWN_USER.format(addr=f"<{normalised}>"))
    return normalised, boxes


def sender_allowed(user: str, address: str, users: UserDirectory) -> bool:
    """Whether authenticated ``user`` may use ``address`` as sender (envelope or From)."""
    local, domain = split_address(address)
    if not local or _TRICK_CHARS & set(local):
        return False
    return users.owns_address(user, f"{local.lower()}@{domain}")

"""Login commands: LOGIN and AUTHENTICATE PLAIN, behind the shared login throttle.

Both refuse before STARTTLS from outside (``ImapSession.login_allowed``) and
count every attempt with the throttle that SMTP, POP3 and the webmail share.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import TYPE_CHECKING

from mailcore.imap.commands import Command
from mailcore.imap.errors import Bad, No
from mailcore.password_checks import check_password
from mailcore.throttle import Locked

if TYPE_CHECKING:
    from mailcore.imap.session import Handler, ImapSession

log = logging.getLogger("mailcore.imap.session")


async def cmd_login(self: ImapSession, cmd: Command) -> tuple[str, str]:
    """LOGIN user password."""
    if not self.login_allowed():
        raise No("LOGIN is disabled before STARTTLS", "PRIVACYREQUIRED")
    user = cmd.user.decode("utf-8", "replace")
    return await _authenticate(self, user, cmd.password.decode("utf-8", "replace"))


async def cmd_authenticate(self: ImapSession, cmd: Command) -> tuple[str, str]:
    """AUTHENTICATE PLAIN (with or without an initial response)."""
    if cmd.mechanism != "PLAIN":
        raise No(f"mechanism {cmd.mechanism} is not supported (use PLAIN)")
    if not self.login_allowed():
        raise No("authentication is disabled before STARTTLS", "PRIVACYREQUIRED")
    raw = cmd.initial
    if raw is None:
        await self.continuation(b"+ \r\n")
        line = await self.input.readline()
        if line is None:
            raise ConnectionResetError
        raw = line.strip()
        if raw == b"*":
            raise Bad("authentication cancelled")
    try:
        parts = base64.b64decode(raw, validate=True).split(b"\0")
    except (binascii.Error, ValueError):
        raise Bad("invalid base64 in AUTHENTICATE") from None
    if len(parts) != 3:
        raise Bad("malformed PLAIN response")
    authz, user, password = (p.decode("utf-8", "replace") for p in parts)
    if authz and authz.lower() != user.lower():
        raise No("authorization identity differs from the user", "AUTHORIZATIONFAILED")
    return await _authenticate(self, user, password)


async def _authenticate(self: ImapSession, user: str, password: str) -> tuple[str, str]:
    throttle = self.settings.throttle
    try:
        attempt = await throttle.acquire(self.peer, user)
    except Locked as exc:
        raise No(str(exc), "UNAVAILABLE") from None
    with attempt:
        found = await check_password(self.settings.users, user, password)
        if found is None:
            await attempt.failed()
            raise No("invalid user name or password", "AUTHENTICATIONFAILED")
        attempt.succeeded()
    if found.protocol != "imap":
        raise No("this account uses POP3", "AUTHORIZATIONFAILED")
    self.logged_in(found)
    log.info("imap login %s from %s", found.address, self.peer)
    return "logged in", "CAPABILITY " + " ".join(self.capabilities())


HANDLERS: dict[str, Handler] = {
    "LOGIN": cmd_login,
    "AUTHENTICATE": cmd_authenticate,
}

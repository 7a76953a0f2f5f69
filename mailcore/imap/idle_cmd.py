"""IDLE (RFC 2177): push a selected mailbox's changes until the client says DONE.

An idle session waits for two things only: its client's next line, and its
selected view's ``changed`` event. Changes made in this server (another
session, the webmail) set it at once; those of other writers on the Maildir
(the SMTP delivery, an external MDA) set it through the folder's change
notifier (``mailstore.watch``: inotify, or one poll per folder where inotify
is missing). No timer wakes an idle session but one: RFC 3501's 30-minute
autologout (``idle_timeout``), which RFC 2177 keeps for IDLE. Clients re-issue
IDLE before it (Thunderbird every 29 minutes); a client that vanished without
closing its connection is let go instead of holding it for ever.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from mailcore.imap.commands import Command
from mailcore.imap.errors import Bad

if TYPE_CHECKING:
    from mailcore.imap.session import Handler, ImapSession


async def cmd_idle(self: ImapSession, cmd: Command) -> tuple[str, str]:
    """IDLE: push updates as the folder reports them, until DONE."""
    await self.continuation(b"+ idling\r\n")
    reader = asyncio.ensure_future(self.input.readline())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + self.settings.idle_timeout
    try:
        await self.refresh()  # once: what arrived before the folder was watched
        while True:
            self.flush_updates(None)
            await self.flush()
            waits: set[asyncio.Future[object]] = {reader}  # type: ignore[arg-type]
            if self.selected is not None:
                waits.add(asyncio.ensure_future(self.selected.changed.wait()))
            done, pending = await asyncio.wait(
                waits, timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED
            )
            for fut in pending:
                if fut is not reader:
                    fut.cancel()
            if reader in done:
                break
            if not done:  # autologout: BYE, and the connection ends (no tagged answer)
                self.bye("autologout: idle for too long")
                await self.flush()
                raise ConnectionResetError
    finally:
        if not reader.done():
            reader.cancel()
    line = reader.result()
    if line is None:
        raise ConnectionResetError
    if line.strip().upper() != b"DONE":
        raise Bad("expected DONE to end IDLE")
    return "IDLE terminated", ""


HANDLERS: dict[str, Handler] = {"IDLE": cmd_idle}

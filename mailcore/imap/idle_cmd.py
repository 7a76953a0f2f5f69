"""IDLE (RFC 2177): push a selected mailbox's changes until the client says DONE.

Changes made by this server (another session, the webmail, a delivery) wake
the wait at once; ``settings.idle_poll`` bounds how late a change made by
another program on the same Maildir is seen.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from mailcore.imap.commands import Command
from mailcore.imap.errors import Bad

if TYPE_CHECKING:
    from mailcore.imap.session import Handler, ImapSession


async def cmd_idle(self: ImapSession, cmd: Command) -> tuple[str, str]:
    """IDLE: push updates until DONE, polling the disk for other writers."""
    await self.continuation(b"+ idling\r\n")
    reader = asyncio.ensure_future(self.input.readline())
    try:
        while True:
            await self.refresh()
            self.flush_updates(None)
            await self.flush()
            waits: set[asyncio.Future[object]] = {reader}  # type: ignore[arg-type]
            if self.selected is not None:
                waits.add(asyncio.ensure_future(self.selected.changed.wait()))
            done, pending = await asyncio.wait(
                waits, timeout=self.settings.idle_poll, return_when=asyncio.FIRST_COMPLETED
            )
            for fut in pending:
                if fut is not reader:
                    fut.cancel()
            if reader in done:
                break
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

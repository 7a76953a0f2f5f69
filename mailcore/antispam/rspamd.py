"""The rspamd spam engine, asked over its HTTP protocol (``POST /checkv2``).

rspamd scores a message and names the rules that fired; pmemail applies its
own thresholds (``antispam.reject_score``, ``junk_score``) to the score, so
the admin tunes one place. The message is streamed from the spool file.
"""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp


class EngineDown(Exception):
    """rspamd did not give a score (not running, timeout, unreadable answer)."""


class Rspamd:
    """A client of one rspamd normal worker (``antispam.rspamd_url``)."""

    def __init__(self, url: str, timeout: float) -> None:
        """Ask ``url`` (e.g. http://127.0.0.1:11333), giving up after ``timeout`` s."""
        self.url = url.rstrip("/") + "/checkv2"
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def score(self, message: Path, *, ip: str, helo: str, mail_from: str) -> float:
        """The spam score of the message at ``message``.

        Raises:
            EngineDown: no usable answer.
        """
        headers = {"IP": ip, "Helo": helo or "unknown", "From": mail_from or "<>"}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                with open(message, "rb") as body:
                    async with session.post(self.url, data=body, headers=headers) as reply:
                        if reply.status != 200:
                            raise EngineDown(f"HTTP {reply.status}")
                        text = await reply.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise EngineDown(f"{type(err).__name__}: {err}") from None
        try:
            found = json.loads(text)
            return float(found["score"])
        except (ValueError, KeyError, TypeError) as err:
            raise EngineDown(f"unreadable answer: {err}") from None

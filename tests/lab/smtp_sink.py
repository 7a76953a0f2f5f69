"""Tiny SMTP receiver: a remote MX / smarthost, run in lab-wan.

Listens on BIND_IP for each PORT (25 = MX, 587 = submission), greets with a
220 banner and answers EHLO/HELO, AUTH PLAIN/LOGIN (any credentials), MAIL,
RCPT, DATA, RSET, NOOP and QUIT.  Each received message is written to
MAILDIR as ``NNNN.eml`` (the data, dot-unstuffed) plus ``NNNN.json`` (the
envelope: port, peer, helo, user, mail_from, rcpt_to).  No STARTTLS.
Stdlib only (asyncio streams).

Usage: python smtp_sink.py BIND_IP MAILDIR PORT [PORT...]
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import sys
from pathlib import Path

_counter = itertools.count(1)


class Session:
    """State of one SMTP connection."""

    def __init__(self, maildir: Path, port: int, peer: str) -> None:
        """Start with an empty envelope."""
        self.maildir, self.port, self.peer = maildir, port, peer
        self.helo = self.user = ""
        self.mail_from: str | None = None
        self.rcpt_to: list[str] = []

    def save(self, data: bytes) -> None:
        """Write the message and its envelope into the maildir."""
        n = next(_counter)
        (self.maildir / f"{n:04d}.eml").write_bytes(data)
        env = {
            "port": self.port,
            "peer": self.peer,
            "helo": self.helo,
            "user": self.user,
            "mail_from": self.mail_from,
            "rcpt_to": self.rcpt_to,
        }
        # json last: a reader that sees NNNN.json also finds NNNN.eml
        (self.maildir / f"{n:04d}.json").write_text(json.dumps(env))
        self.mail_from, self.rcpt_to = None, []


def _addr(arg: str) -> str:
    """The address inside ``FROM:<a@b> SIZE=..`` / ``TO:<a@b>``."""
    value = arg.split(":", 1)[1].strip() if ":" in arg else arg
    return value.split()[0].strip("<>") if value.split() else ""


async def handle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, maildir: Path, port: int
) -> None:
    """Run the SMTP dialogue on one connection."""
    peer = writer.get_extra_info("peername")[0]
    sess = Session(maildir, port, peer)

    async def send(line: str) -> None:
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    async def ask(prompt: str) -> str:
        await send(prompt)
        return (await reader.readline()).decode(errors="replace").strip()

    await send(f"220 mx.lab.example ESMTP lab-sink (port {port})")
    while line := (await reader.readline()).decode(errors="replace").rstrip("\r\n"):
        verb, _, arg = line.partition(" ")
        verb = verb.upper()
        if verb in ("EHLO", "HELO"):
            sess.helo = arg
            if verb == "HELO":
                await send("250 mx.lab.example")
            else:
                await send(
                    "250-mx.lab.example\r\n250-8BITMIME\r\n250-SIZE 10485760\r\n"
                    "250 AUTH PLAIN LOGIN"
                )
        elif verb == "AUTH":
            mech, _, initial = arg.partition(" ")
            if mech.upper() == "PLAIN":
                blob = initial or await ask("334 ")
                sess.user = base64.b64decode(blob).split(b"\0")[1].decode()
            else:
                sess.user = base64.b64decode(await ask("334 VXNlcm5hbWU6")).decode()
                await ask("334 UGFzc3dvcmQ6")
            await send("235 2.7.0 Authentication successful")
        elif verb == "MAIL":
            sess.mail_from, sess.rcpt_to = _addr(arg), []
            await send("250 2.1.0 OK")
        elif verb == "RCPT":
            if sess.mail_from is None:
                await send("503 5.5.1 MAIL first")
                continue
            sess.rcpt_to.append(_addr(arg))
            await send("250 2.1.5 OK")
        elif verb == "DATA":
            if not sess.rcpt_to:
                await send("503 5.5.1 RCPT first")
                continue
            await send("354 End data with <CR><LF>.<CR><LF>")
            lines: list[bytes] = []
            while (raw := await reader.readline()) not in (b".\r\n", b".\n", b""):
                lines.append(raw[1:] if raw.startswith(b".") else raw)
            sess.save(b"".join(lines))
            await send("250 2.0.0 OK queued")
        elif verb == "RSET":
            sess.mail_from, sess.rcpt_to = None, []
            await send("250 2.0.0 OK")
        elif verb == "NOOP":
            await send("250 2.0.0 OK")
        elif verb == "QUIT":
            await send("221 2.0.0 Bye")
            break
        else:
            await send("502 5.5.2 Command not implemented")
    writer.close()


async def main(argv: list[str]) -> None:
    """Listen on every port and serve forever."""
    bind_ip, maildir = argv[1], Path(argv[2])
    maildir.mkdir(parents=True, exist_ok=True)
    servers = []
    for port in (int(p) for p in argv[3:]):

        async def cb(r: asyncio.StreamReader, w: asyncio.StreamWriter, port: int = port) -> None:
            await handle(r, w, maildir, port)

        servers.append(await asyncio.start_server(cb, bind_ip, port, reuse_address=True))
    print(f"smtp: listening on {bind_ip} ports {argv[3:]}", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main(sys.argv))

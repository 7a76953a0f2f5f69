"""A small raw-socket IMAP client for the load generator: cheap on the client side.

imaplib parses every response line in Python and would set the pace (and its
typed results are unions); this client reads a response through its tagged
line with two C-speed searches per literal, so 50,000 ``FETCH`` lines or a
large body cost the client little. Every command's tagged status is checked:
anything but ``OK`` raises :class:`CommandFailed` with the server's line.
"""

from __future__ import annotations

import re
import socket
import ssl

_LITERAL = re.compile(rb"\{(\d+)\}\r\n")
_COUNTS = re.compile(rb"^\* (\d+) (EXISTS|EXPUNGE)\r$", re.MULTILINE)
HEADER_FIELDS = "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)]"


class CommandFailed(Exception):
    """A command did not end in ``OK`` or its answer was not what it must be."""


def _client_tls() -> ssl.SSLContext:
    # The servers use a self-signed certificate: encryption, not identity, is measured.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


CLIENT_TLS = _client_tls()


class ImapConn:
    """One IMAP connection: ``command()`` returns the whole answer, tagged line included."""

    def __init__(self, sock: socket.socket) -> None:
        """Speak IMAP on a connected socket (see :meth:`connect`)."""
        self.sock = sock
        self.buf = bytearray()
        self.counter = 0
        self.commands = 0  # tagged commands answered OK (the unit of the rate)
        self.exists = 0  # the message count as the server last told it

    @classmethod
    def connect(cls, port: int, tls: bool, timeout: float = 60.0) -> ImapConn:
        """Connect to 127.0.0.1:``port``, read the greeting, STARTTLS when ``tls``."""
        conn = cls(socket.create_connection(("127.0.0.1", port), timeout=timeout))
        greeting = conn._line()
        if not greeting.startswith(b"* OK"):
            raise CommandFailed(f"greeting: {greeting!r}")
        if tls:
            conn.command("STARTTLS")
            if conn.buf:
                raise CommandFailed("STARTTLS: data after the answer (injection)")
            conn.sock = CLIENT_TLS.wrap_socket(conn.sock)
        return conn

    def _recv(self) -> None:
        chunk = self.sock.recv(1 << 18)
        if not chunk:
            raise CommandFailed("the server closed the connection")
        self.buf += chunk

    def _line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            self._recv()
        line = bytes(self.buf[: end + 2])
        del self.buf[: end + 2]
        return line

    def _tag(self) -> bytes:
        self.counter += 1
        return b"a%d" % self.counter

    def _answer(self, tag: bytes, what: str) -> bytes:
        """Everything through the tagged line; literals skipped whole (they may hold CRLF)."""
        marker = b"\r\n" + tag + b" "
        pos = 0  # a line start, or just past a literal: nothing before it is searched again
        scanned = 0  # nothing before this holds a marker or a literal (searched already)
        while True:
            start = max(pos, scanned)
            if pos == 0 and self.buf.startswith(marker[2:]):
                at = 0
            else:
                found = self.buf.find(marker, start)
                at = found + 2 if found >= 0 else -1
            literal = _LITERAL.search(self.buf, start)
            if literal is not None and (at < 0 or literal.start() < at):
                pos = literal.end() + int(literal.group(1))
                while len(self.buf) < pos:
                    self._recv()
                scanned = pos
                continue
            if at >= 0 and (close := self.buf.find(b"\r\n", at)) >= 0:
                answer = bytes(self.buf[: close + 2])
                del self.buf[: close + 2]
                return self._check(answer, at, what)
            # the tagged line found but not complete: search from it again; else a
            # marker or a literal may straddle the next chunk
            scanned = max(at - 2, pos) if at >= 0 else max(pos, len(self.buf) - 32)
            self._recv()

    def _check(self, answer: bytes, status_at: int, what: str) -> bytes:
        status = answer[status_at:].split(b" ", 2)
        if len(status) < 2 or status[1] != b"OK":
            raise CommandFailed(f"{what}: {answer[status_at:].strip()!r}")
        # A regex over a 50,000-line FETCH answer costs the client ~25 ms: look only
        # when a count is there at all (a C-level substring search, ~1 ms).
        if b" EXISTS\r\n" in answer or b" EXPUNGE\r\n" in answer:
            for count, kind in _COUNTS.findall(answer):
                self.exists = int(count) if kind == b"EXISTS" else self.exists - 1
        self.commands += 1
        return answer

    def command(self, line: str) -> bytes:
        """Send one command, return its answer; :class:`CommandFailed` unless ``OK``."""
        tag = self._tag()
        self.sock.sendall(tag + b" " + line.encode() + b"\r\n")
        return self._answer(tag, line.split(" ", 2)[0] if "LOGIN" in line else line[:60])

    def _continuation(self, what: str) -> None:
        while not (line := self._line()).startswith(b"+"):
            if not line.startswith(b"*"):
                raise CommandFailed(f"{what}: {line.strip()!r} instead of '+'")

    def append(self, message: bytes, flags: str = "") -> int:
        """APPEND to INBOX with a synchronizing literal; the new UID (APPENDUID)."""
        tag = self._tag()
        flag_list = f" ({flags})" if flags else ""
        self.sock.sendall(tag + f" APPEND INBOX{flag_list} {{{len(message)}}}\r\n".encode())
        self._continuation("APPEND")
        self.sock.sendall(message + b"\r\n")
        answer = self._answer(tag, "APPEND")
        found = re.search(rb"\[APPENDUID \d+ (\d+)\]", answer)
        if found is None:
            raise CommandFailed(f"APPEND: no APPENDUID in {answer[-120:]!r}")
        return int(found.group(1))

    def idle(self) -> None:
        """Enter IDLE, wait for the server's '+', leave with DONE."""
        tag = self._tag()
        self.sock.sendall(tag + b" IDLE\r\n")
        self._continuation("IDLE")
        self.sock.sendall(b"DONE\r\n")
        self._answer(tag, "IDLE")

    def start_idle(self) -> bytes:
        """Enter IDLE and stay there (memory test); returns the tag for :meth:`end_idle`."""
        tag = self._tag()
        self.sock.sendall(tag + b" IDLE\r\n")
        self._continuation("IDLE")
        return tag

    def end_idle(self, tag: bytes) -> None:
        """DONE for an IDLE begun with :meth:`start_idle`."""
        self.sock.sendall(b"DONE\r\n")
        self._answer(tag, "IDLE (long)")

    def wait_exists(self) -> int:
        """In IDLE: read untagged lines up to the next ``* N EXISTS``; N."""
        while True:
            line = self._line()
            found = _COUNTS.match(line.rstrip(b"\n"))
            if found is not None and found.group(2) == b"EXISTS":
                self.exists = int(found.group(1))
                return self.exists
            if not line.startswith(b"*"):
                raise CommandFailed(f"IDLE: {line.strip()!r} while waiting for EXISTS")

    def login(self, user: str, password: str) -> None:
        """LOGIN with quoted strings."""
        self.command(f'LOGIN "{user}" "{password}"')

    def select(self) -> int:
        """SELECT INBOX; its UIDNEXT (the message count is in :attr:`exists`)."""
        answer = self.command("SELECT INBOX")
        found = re.search(rb"\[UIDNEXT (\d+)\]", answer)
        if found is None:
            raise CommandFailed("SELECT: no UIDNEXT")
        return int(found.group(1))

    def logout(self) -> None:
        """LOGOUT (the server must say BYE) and close."""
        answer = self.command("LOGOUT")
        if b"* BYE" not in answer:
            raise CommandFailed("LOGOUT: no BYE")
        self.close()

    def close(self) -> None:
        """Close the socket without a word."""
        try:
            self.sock.close()
        except OSError:
            pass

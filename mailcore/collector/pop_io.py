"""POP3 helpers: log in, RETR streamed into a file, TOP's header block, clear error lines.

An ISP's 100 MB drawing must never sit in memory, but ``poplib.POP3.retr``
returns a message as a list of lines (well over 100 MB of Python objects,
and lines are limited to 2048 bytes). ``retr_to_file`` sends ``RETR`` itself
and copies the multi-line answer (RFC 1939 §3) to a file piece by piece: a
line starting with ``.`` is un-stuffed, the lone ``.`` line ends it, and
every line end is written as CRLF (what ``retr`` + join gave before). Only
the public ``sock`` and ``file`` of ``poplib.POP3`` are used, so it works for
POP3_SSL and after STLS alike. ``top_headers`` reads ``TOP n 0`` (the header
block only, so a message can be routed before it is downloaded) the same way,
keeping at most ``limit`` bytes.
"""

from __future__ import annotations

import contextlib
import io
import poplib
import ssl
from typing import IO

from pmemail.config.collector import CollectorMailbox

_CHUNK = 64 * 1024  # longest piece of a line read at once; longer lines come in pieces


def retr_to_file(pop: poplib.POP3, which: int, out: IO[bytes]) -> int:
    """RETR message ``which`` into ``out``; returns the bytes written.

    Raises:
        poplib.error_proto: an ``-ERR`` answer, or the connection closed mid-message.
    """
    return _multiline(pop, f"RETR {int(which)}", out, None)


def top_headers(pop: poplib.POP3, which: int, limit: int = 1024 * 1024) -> bytes:
    """``TOP which 0``: the message's header block (its first ``limit`` bytes at most).

    Raises:
        poplib.error_proto: an ``-ERR`` answer (TOP is optional in RFC 1939), or EOF.
    """
    out = io.BytesIO()
    _multiline(pop, f"TOP {int(which)} 0", out, limit)
    return out.getvalue()


def _multiline(pop: poplib.POP3, command: str, out: IO[bytes], limit: int | None) -> int:
    """Send ``command``, copy its multi-line answer to ``out`` (up to ``limit`` bytes)."""
    pop.sock.sendall(f"{command}\r\n".encode("ascii"))
    status = pop.file.readline(_CHUNK)
    if not status.startswith(b"+"):
        raise poplib.error_proto(status.rstrip(b"\r\n") or b"-ERR EOF")
    written = 0
    at_line_start = True
    held_cr = b""  # a CR that ended a piece: part of the CRLF when LF comes next
    while True:
        piece = pop.file.readline(_CHUNK)
        if not piece:
            raise poplib.error_proto(f"-ERR connection closed during {command[:4]}".encode())
        if at_line_start:
            if piece in (b".\r\n", b".\n"):
                return written
            if piece.startswith(b"."):
                piece = piece[1:]  # byte-stuffed (RFC 1939 §3)
        piece = held_cr + piece
        held_cr = b""
        if piece.endswith(b"\n"):
            piece = piece[:-1]
            if piece.endswith(b"\r"):
                piece = piece[:-1]
            piece += b"\r\n"
            at_line_start = True
        else:
            if piece.endswith(b"\r"):
                piece, held_cr = piece[:-1], b"\r"
            at_line_start = False
        if limit is not None:
            piece = piece[: max(0, limit - written)]  # read on to the end, keep no more
        out.write(piece)
        written += len(piece)


def read_header_block(f: IO[bytes], limit: int = 1024 * 1024) -> bytes:
    """The header block at the start of ``f`` (up to the blank line, at most ``limit`` bytes)."""
    lines: list[bytes] = []
    size = 0
    for line in iter(lambda: f.readline(_CHUNK), b""):
        if line in (b"\r\n", b"\n") or size >= limit:
            break
        lines.append(line)
        size += len(line)
    return b"".join(lines)


def describe_error(err: Exception) -> str:
    """One clear line for the collector status; certificate failures say what to do."""
    if isinstance(err, ssl.SSLCertVerificationError):
        return (
            f"the POP server's TLS certificate is not trusted ({err.verify_message}); "
            "nothing was fetched. Set ca_file for this mailbox if the ISP uses its own CA"
        )
    if isinstance(err, ssl.SSLError):
        return f"TLS with the POP server failed ({err.reason or err}); nothing was fetched"
    if isinstance(err, poplib.error_proto) and err.args and isinstance(err.args[0], bytes):
        return err.args[0].decode("utf-8", "replace")
    return str(err) or type(err).__name__


def error_message(err: Exception) -> tuple[str, dict[str, str]]:
    """:func:`describe_error` as a message id of ``pmemail.app.collector_texts`` (without
    the ``last_error.`` prefix) and its values, for the screens that word it in the
    admin's language."""
    if isinstance(err, ssl.SSLCertVerificationError):
        return "tls_untrusted", {"detail": str(err.verify_message)}
    if isinstance(err, ssl.SSLError):
        return "tls_failed", {"detail": str(err.reason or err)}
    if isinstance(err, poplib.error_proto) and err.args and isinstance(err.args[0], bytes):
        return "server_said", {"answer": err.args[0].decode("utf-8", "replace")}
    return "failed", {"detail": str(err) or type(err).__name__}


def open_pop(mailbox: CollectorMailbox, timeout: float) -> poplib.POP3:
    """Connect and log in (SSL, STLS or plain; TLS verified against ``ca_file`` or the system)."""
    ctx = ssl.create_default_context(cafile=mailbox.ca_file or None)
    pop: poplib.POP3
    if mailbox.tls == "ssl":
        pop = poplib.POP3_SSL(mailbox.host, mailbox.port, timeout=timeout, context=ctx)
    else:
        pop = poplib.POP3(mailbox.host, mailbox.port, timeout=timeout)
    try:
        if mailbox.tls == "starttls":
            pop.stls(context=ctx)
        pop.user(mailbox.username)
        pop.pass_(mailbox.password)
    except BaseException:
        # A failed STLS handshake leaves poplib a detached socket whose close()
        # raises EBADF: that must not hide the real error (e.g. an untrusted cert).
        with contextlib.suppress(OSError):
            pop.close()
        raise
    return pop


def is_err_answer(err: poplib.error_proto) -> bool:
    """Whether the server answered ``-ERR`` (not: the connection broke)."""
    first = err.args[0] if err.args else b""
    return isinstance(first, bytes) and first.startswith(b"-ERR") and b"closed" not in first


def listed_size(pop: poplib.POP3, num: str) -> int:
    """The message's size as ``LIST n`` gives it (0 when the answer is odd)."""
    answer: object = pop.list(int(num))  # one "+OK n size" line (typeshed says a tuple)
    fields = answer.split() if isinstance(answer, bytes) else []
    return int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else 0

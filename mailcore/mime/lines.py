"""Walking forward through a message file in blocks, knowing where each line starts.

The scanner needs three counts at every line start: the file offset, the
offset in the CRLF form IMAP sends (each bare LF counts two bytes), and how
many line breaks came before. ``Lines`` keeps them while it skips bodies a
block at a time (``bytes.find`` for lines starting with ``--``, ``count``
for the counters), so a 100 MB attachment costs a few block reads and no
per-line Python work, and a line with no break never sits whole in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, NamedTuple, TypeVar

_BLOCK = 1 << 20
_FIRST_BLOCK = 1 << 14
_T = TypeVar("_T")


class Pos(NamedTuple):
    """A place in the message: file offset, CRLF-form offset, line breaks before it."""

    raw: int
    crlf: int
    nl: int


class Lines:
    """A forward cursor over a message file (positioned at its start)."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._buf = b""
        self._i = 0  # the cursor, an index into _buf; two bytes before it are kept
        self._pos = Pos(0, 0, 0)  # the counts at _buf[_i]
        self._eof = False
        self._block = _FIRST_BLOCK  # small first: most uses read just a header block

    @property
    def pos(self) -> Pos:
        """Where the cursor is."""
        return self._pos

    def eol_before(self) -> int:
        """Length of the line break just before the cursor (2 for CRLF, 1, or 0)."""
        if self._buf[self._i - 1 : self._i] != b"\n":
            return 0
        return 2 if self._buf[self._i - 2 : self._i] == b"\r\n" else 1

    def _fill(self) -> bool:
        """Read one more block; False at end of file."""
        if self._eof:
            return False
        block = self._f.read(self._block)
        self._block = _BLOCK
        if not block:
            self._eof = True
            return False
        keep = max(0, self._i - 2)
        self._buf = self._buf[keep:] + block
        self._i -= keep
        return True

    def _advance(self, j: int) -> None:
        """Move the cursor to ``_buf[j]``, never between a CR and its LF."""
        buf, i = self._buf, self._i
        nl = buf.count(b"\n", i, j)
        bare = nl - buf.count(b"\r\n", i, j)
        self._pos = Pos(self._pos.raw + j - i, self._pos.crlf + j - i + bare, self._pos.nl + nl)
        self._i = j

    def _skip_partial(self) -> None:
        """Advance over the whole buffer (a line without break), keeping a trailing CR so a
        CRLF split across blocks is still counted as one line break."""
        j = len(self._buf)
        if self._buf.endswith(b"\r"):
            j -= 1
        self._advance(max(self._i, j))

    def read_line(self, keep: int) -> bytes | None:
        """The line at the cursor (at most ``keep`` bytes of it, with its LF if kept),
        moving past it; None at end of file."""
        while True:
            k = self._buf.find(b"\n", self._i)
            if k >= 0:
                line = self._buf[self._i : min(k + 1, self._i + keep)]
                self._advance(k + 1)
                return line
            if len(self._buf) - self._i >= keep:
                break  # a long line: keep its start, skip the rest
            if not self._fill():
                if self._i == len(self._buf):
                    return None
                line = self._buf[self._i :]
                self._advance(len(self._buf))
                return line
        line = self._buf[self._i : self._i + keep]
        self.skip_line()
        return line

    def skip_line(self) -> None:
        """Move past the line at the cursor (to end of file if it has no break)."""
        while True:
            k = self._buf.find(b"\n", self._i)
            if k >= 0:
                self._advance(k + 1)
                return
            self._skip_partial()
            if not self._fill():
                self._advance(len(self._buf))
                return

    def find_dash_line(self, need: int, match: Callable[[bytes], _T | None]) -> _T | None:
        """Move to the next line start (the cursor's included) whose first ``need`` bytes,
        cut at the line break, satisfy ``match``, and return its answer; None (the cursor
        at end of file) when no line does. Only lines starting with ``--`` are tried."""
        s = self._i  # lines starting in [_i, s) were tried already
        while True:
            buf = self._buf
            c = self._dash_line(s)
            if c < 0:
                last = buf.rfind(b"\n", self._i) + 1
                if last > self._i:
                    self._advance(last)  # the unfinished last line is looked at again
                elif len(buf) - self._i > _BLOCK:
                    self._skip_partial()  # a line without break, not starting with --
                if not self._fill():
                    self._advance(len(self._buf))
                    return None
                s = self._i
                continue
            line_end = buf.find(b"\n", c, c + need)
            if line_end < 0 and len(buf) - c < need and not self._eof:
                self._advance(c)
                self._fill()
                s = self._i
                continue
            hit = match(buf[c : c + need] if line_end < 0 else buf[c:line_end])
            if hit is not None:
                self._advance(c)
                return hit
            s = c + 1

    def _dash_line(self, s: int) -> int:
        """The first line start at or after ``s`` whose line begins with ``--``, or -1."""
        if s == 0:  # the start of the file
            return 0 if self._buf.startswith(b"--") else self._dash_line(1)
        k = self._buf.find(b"\n--", s - 1)
        return k + 1 if k >= 0 else -1

    def skip_to_end(self) -> None:
        """Move to the end of the file."""
        self.find_dash_line(2, _never)


def _never(line: bytes) -> None:
    return None

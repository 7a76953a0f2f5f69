"""The DKIM body hash with relaxed canonicalization (RFC 6376 §3.4.4), streamed.

The body arrives as :func:`mailcore.dotstuff.segments` pieces: the lines as
the queue sends them (CRLF), a piece of at most 64 KiB at a time, so the
hash of a 150 MB attachment costs one piece of memory. Relaxed means: runs of
spaces and tabs become one space, whitespace at a line end goes, empty lines
at the end of the body go. Two pieces of one line may split a run of
whitespace: the piece's trailing space is held back until the next piece
says whether the line goes on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from mailcore.dotstuff import Segment

_WSP_RUN = re.compile(rb"[ \t]+")


class RelaxedBodyHash:
    """SHA-256 of a relaxed-canonical body, fed a line piece at a time."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._empty_lines = 0  # held back: only emitted if more content follows
        self._line_has_content = False
        self._pending_space = False

    def feed(self, seg: Segment) -> None:
        """Add one piece of a line (``seg.data`` without its line end)."""
        if seg.starts:
            self._line_has_content = False
            self._pending_space = False
        data = _WSP_RUN.sub(b" ", seg.data)
        if self._pending_space and data.startswith(b" "):
            data = data[1:]  # the previous piece's run goes on: still one space
        trailing = data.endswith(b" ")
        if trailing:
            data = data[:-1]
        if data:
            if not self._line_has_content and self._empty_lines:
                self._hash.update(b"\r\n" * self._empty_lines)
                self._empty_lines = 0
            if self._pending_space:
                data = b" " + data
            self._hash.update(data)
            self._line_has_content = True
            self._pending_space = trailing
        else:
            self._pending_space = self._pending_space or trailing
        if seg.ends:
            if self._line_has_content:
                self._hash.update(b"\r\n")
            else:
                self._empty_lines += 1

    def feed_all(self, pieces: Iterable[Segment]) -> RelaxedBodyHash:
        """Add every piece; returns ``self``."""
        for seg in pieces:
            self.feed(seg)
        return self

    def digest(self) -> bytes:
        """The hash of what was fed (trailing empty lines left out)."""
        return self._hash.digest()

"""MIME structure of a stored message with exact byte offsets (CRLF form).

Python's ``email`` package re-serializes and loses offsets, so sizes and
BODY[section] bytes would drift from what Dovecot and clients expect. This
parser only finds boundaries and headers and keeps (start, body, end) offsets
into the one message buffer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MAX_DEPTH = 20


@dataclass
class Part:
    """One MIME entity: offsets into ``data``, headers, type and children."""

    data: bytes
    start: int
    body: int
    end: int
    headers: list[tuple[str, bytes]]
    ctype: str = "text"
    subtype: str = "plain"
    params: list[tuple[str, str]] = field(default_factory=list)
    children: list[Part] = field(default_factory=list)
    message: Part | None = None
    explicit_type: bool = False

    def header(self, name: str) -> bytes | None:
        """The first header ``name`` (lower-case) unfolded, or None."""
        for key, value in self.headers:
            if key == name:
                return unfold(value)
        return None

    def header_bytes(self) -> bytes:
        """The header block including the blank line."""
        return self.data[self.start : self.body]

    def body_bytes(self) -> bytes:
        """The body (for multiparts, the raw multipart body)."""
        return self.data[self.body : self.end]

    @property
    def is_multipart(self) -> bool:
        """Whether this is a multipart entity."""
        return self.ctype.lower() == "multipart" and self.explicit_type

    def sub(self, path: tuple[int, ...]) -> Part | None:
        """The part at ``path`` (IMAP numbering), None if absent."""
        part: Part = self
        # A non-multipart entity answers for "1" once (its own body), as Dovecot
        # does: BODY[2.1] of a leaf part 2 is part 2, BODY[1.1] of a plain message is empty.
        used_self = False
        for n in path:
            if (
                part.message is not None
                and not part.children
                and used_self is False
                and part is not self
            ):
                part, used_self = part.message, False
            if part.is_multipart:
                if n > len(part.children):
                    return None
                part, used_self = part.children[n - 1], False
            elif n == 1 and not used_self:
                used_self = True
            else:
                return None
        return part


_FOLD = re.compile(rb"\r?\n[ \t]+")
_SEGMENT = re.compile(r"^(.+?)\*(\d+)(\*?)$")


def unfold(value: bytes) -> bytes:
    """A header value as Dovecot presents it: leading blanks of the first line dropped,
    each fold (CRLF + blanks) turned into one space, trailing blanks dropped."""
    return _FOLD.sub(b" ", value.lstrip(b" \t")).replace(b"\r\n", b"").rstrip(b" \t")


def _split_header(data: bytes, start: int, end: int) -> tuple[int, list[tuple[str, bytes]]]:
    """(body offset, headers) of the entity in data[start:end]."""
    if data.startswith(b"\r\n", start):
        return start + 2, []
    sep = data.find(b"\r\n\r\n", start, end)
    body = end if sep < 0 else sep + 4
    block_end = end if sep < 0 else sep + 2
    headers: list[tuple[str, bytes]] = []
    for line in data[start:block_end].split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and headers:
            prev, value = headers[-1]
            headers[-1] = (prev, value + b"\r\n" + line)
            continue
        key, colon, value = line.partition(b":")
        if not colon or not key.strip() or b" " in key.strip():
            continue  # malformed line: ignored, as Dovecot does
        headers.append((key.strip().decode("latin-1").lower(), value))
    return body, headers


def parse_params(raw: bytes) -> tuple[str, list[tuple[str, str]]]:
    """Split ``type/sub; a=b; c="d"`` into the value and its parameters."""
    text = raw.decode("utf-8", "replace")
    items: list[str] = []
    buf: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quoted and i + 1 < len(text):
            buf.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            items.append("".join(buf))
            buf = []
        else:
            buf.append(ch if ch != '"' else "")
        i += 1
    items.append("".join(buf))
    value = _strip_comment(items[0]).strip()
    params: list[tuple[str, str]] = []
    for item in items[1:]:
        key, eq, val = item.partition("=")
        if eq and key.strip():
            params.append((key.strip(), val.strip()))
    return value, _join_continuations(params)


def _join_continuations(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """RFC 2231 ``name*0*``/``name*1`` segments joined into one ``name*`` (undecoded, as
    Dovecot shows them)."""
    out: list[tuple[str, str]] = []
    segments: dict[str, list[tuple[int, str, bool]]] = {}
    for key, val in params:
        m = _SEGMENT.match(key)
        if m is None:
            out.append((key, val))
            continue
        base = m.group(1)
        if base not in segments:
            segments[base] = []
            out.append((base, ""))  # placeholder keeps the position of the first segment
        segments[base].append((int(m.group(2)), val, bool(m.group(3))))
    result = []
    for key, val in out:
        parts = segments.get(key)
        if parts is None or val:
            result.append((key, val))
            continue
        parts.sort()
        encoded = any(p[2] for p in parts)
        result.append((key + "*" if encoded else key, "".join(p[1] for p in parts)))
    return result


def param(part: Part, name: str) -> str | None:
    """A Content-Type parameter by case-insensitive name."""
    for key, value in part.params:
        if key.lower() == name:
            return value
    return None


def _strip_comment(text: str) -> str:
    depth, out = 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def parse(data: bytes) -> Part:
    """The MIME tree of a whole message (``data`` in CRLF form)."""
    return _parse_entity(data, 0, len(data), ("text", "plain"), 0)


def _parse_entity(data: bytes, start: int, end: int, default: tuple[str, str], depth: int) -> Part:
    body, headers = _split_header(data, start, end)
    part = Part(data, start, min(body, end), end, headers, *default)
    raw = part.header("content-type")
    if raw is not None:
        value, params = parse_params(raw)
        ctype, slash, sub = value.partition("/")
        if slash and ctype.strip() and sub.strip():
            part.ctype, part.subtype = ctype.strip(), sub.strip()
            part.params = params
            part.explicit_type = True
        elif params:
            part.params = params
    if default[0] == "message" and not part.explicit_type:
        part.explicit_type = True
    if depth >= _MAX_DEPTH:
        return part
    if part.is_multipart:
        boundary = param(part, "boundary")
        if boundary:
            child_default = (
                ("message", "rfc822") if part.subtype.lower() == "digest" else ("text", "plain")
            )
            part.children = [
                _parse_entity(data, s, e, child_default, depth + 1)
                for s, e in _split_multipart(data, part.body, end, boundary)
            ]
    elif (part.ctype.lower(), part.subtype.lower()) == ("message", "rfc822"):
        part.message = _parse_entity(data, part.body, end, ("text", "plain"), depth + 1)
    return part


def _split_multipart(data: bytes, start: int, end: int, boundary: str) -> list[tuple[int, int]]:
    """(start, end) of each body part between boundary lines."""
    delim = b"--" + boundary.encode("utf-8", "replace")
    spans: list[tuple[int, int]] = []
    part_start: int | None = None
    pos = start
    while pos < end:
        line_end = data.find(b"\r\n", pos, end)
        next_line = end if line_end < 0 else line_end + 2
        if data.startswith(delim, pos) and pos + len(delim) <= end:
            closing = data.startswith(b"--", pos + len(delim))
            if part_start is not None:
                # The CRLF before the boundary belongs to the boundary.
                spans.append((part_start, max(part_start, pos - 2)))
            if closing:
                return spans
            part_start = min(next_line, end)
        pos = next_line
    if part_start is not None:
        spans.append((part_start, end))
    return spans

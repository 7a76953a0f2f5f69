"""Header values: unfolding, ``value; a=b`` parameters, RFC 2231 and RFC 2047 decoding.

Parameters are split once, here, and kept as IMAP shows them (RFC 2231
continuations joined but still encoded, as Dovecot does); ``decode_param``
turns one into the text a person should see (a download's file name).
"""

from __future__ import annotations

import email.errors
import email.header
import re
import urllib.parse

_FOLD = re.compile(rb"\r?\n[ \t]+")
_SEGMENT = re.compile(r"^(.+?)\*(\d+)(\*?)$")


def unfold(value: bytes) -> bytes:
    """A header value as Dovecot presents it: leading blanks of the first line dropped,
    each fold (CRLF + blanks) turned into one space, trailing blanks dropped."""
    return _FOLD.sub(b" ", value.lstrip(b" \t")).replace(b"\r\n", b"").rstrip(b" \t")


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
            buf.append(ch)
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


def find_param(params: list[tuple[str, str]], name: str) -> str | None:
    """The raw value of parameter ``name`` (lower-case), as ``parse_params`` kept it."""
    for key, value in params:
        if key.lower() == name:
            return value
    return None


def decode_param(params: list[tuple[str, str]], name: str) -> str | None:
    """Parameter ``name`` (lower-case) as text: RFC 2231 ``name*=charset'lang'%XX``
    decoded, or RFC 2047 encoded words (which some mailers put in quoted names)."""
    extended = find_param(params, name + "*")
    if extended is not None:
        charset, _, rest = extended.partition("'")
        _, _, encoded = rest.partition("'")
        if not rest:  # no charset'language' prefix: percent escapes only
            charset, encoded = "us-ascii", extended
        try:
            return urllib.parse.unquote(encoded, encoding=charset or "us-ascii", errors="replace")
        except LookupError:
            return urllib.parse.unquote(encoded, errors="replace")
    value = find_param(params, name)
    if value is None or "=?" not in value:
        return value
    try:
        pieces = email.header.decode_header(value)
    except email.errors.HeaderParseError:
        return value
    # Joined as they come: a name is not a header, no space goes between the pieces.
    out: list[str] = []
    for data, coding in pieces:
        if isinstance(data, str):
            out.append(data)
            continue
        try:
            out.append(data.decode(coding or "ascii", "replace"))
        except LookupError:
            out.append(data.decode("utf-8", "replace"))
    return "".join(out)


def decode_words(text: str) -> str:
    """``text`` with RFC 2047 encoded words decoded (best effort, never raises)."""
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return text

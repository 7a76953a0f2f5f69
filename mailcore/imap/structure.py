"""ENVELOPE, BODY/BODYSTRUCTURE and BODY[section] data from a parsed message.

ENVELOPE and BODYSTRUCTURE come from the MIME tree alone (offsets, headers,
line counts); only BODY[section] reads the message file, and only the range
of that section.
"""

from __future__ import annotations

from typing import BinaryIO

from mailcore.imap.address import parse_address_list
from mailcore.imap.grammar import Section
from mailcore.imap.response import Value
from mailcore.mime import Part, header_bytes, parse_params, unfold
from mailcore.mime.body import body_range, message_range, read_crlf


def _nstr(value: bytes | None) -> bytes | None:
    return None if value is None else value


def envelope(part: Part) -> list[Value]:
    """The ENVELOPE structure of a message entity."""

    def addresses(name: str) -> Value:
        # Every occurrence of an address header counts (Dovecot merges them).
        found: list[Value] = []
        for key, raw in part.headers:
            if key == name:
                found += [list(a) for a in parse_address_list(unfold(raw)) or []]
        return found or None

    def last(name: str) -> bytes | None:
        values = [unfold(v) for k, v in part.headers if k == name]
        return values[-1] if values else None  # the last one wins, as in Dovecot

    from_ = addresses("from")
    sender = addresses("sender") or from_
    reply_to = addresses("reply-to") or from_
    return [
        last("date"),
        last("subject"),
        from_,
        sender,
        reply_to,
        addresses("to"),
        addresses("cc"),
        addresses("bcc"),
        last("in-reply-to"),
        last("message-id"),
    ]


def _params(params: list[tuple[str, str]]) -> Value:
    if not params:
        return None
    out: list[Value] = []
    for key, value in params:
        out += [key, value]
    return out


def _disposition(part: Part) -> Value:
    raw = part.header("content-disposition")
    if raw is None:
        return None
    value, params = parse_params(raw)
    if not value:
        return None
    return [value, _params(params)]


def _language(part: Part) -> Value:
    raw = part.header("content-language")
    if raw is None:
        return None
    langs: list[Value] = [x.strip() for x in raw.decode("utf-8", "replace").split(",") if x.strip()]
    return langs or None  # always a list, even of one (as Dovecot answers)


def body_structure(part: Part, extended: bool) -> list[Value]:
    """BODYSTRUCTURE (``extended``) or BODY of an entity."""
    if part.is_multipart:
        out: list[Value] = [body_structure(c, extended) for c in part.children]
        if not part.children:
            out.append(_empty_text(extended))
        out.append(part.subtype)
        if extended:
            out += [
                _params(part.params),
                _disposition(part),
                _language(part),
                _nstr(part.header("content-location")),
            ]
        return out
    params = part.params
    if part.ctype.lower() == "text" and not any(k.lower() == "charset" for k, _ in params):
        params = [("charset", "us-ascii"), *params]  # the RFC 2045 default, as Dovecot shows
    encoding = part.header("content-transfer-encoding")
    # Dovecot counts line ends: a last line without one does not count.
    lines = part.lines
    out = [
        part.ctype,
        part.subtype,
        _params(params),
        _nstr(part.header("content-id")),
        _nstr(part.header("content-description")),
        encoding.decode("utf-8", "replace") if encoding else "7bit",
        part.end - part.body,
    ]
    if part.message is not None:
        out += [envelope(part.message), body_structure(part.message, extended), lines]
    elif part.ctype.lower() == "text":
        out.append(lines)
    if extended:
        out += [
            _nstr(part.header("content-md5")),
            _disposition(part),
            _language(part),
            _nstr(part.header("content-location")),
        ]
    return out


def _empty_text(extended: bool) -> list[Value]:
    out: list[Value] = ["text", "plain", ["charset", "us-ascii"], None, None, "7bit", 0, 0]
    if extended:
        out += [None, None, None, None]
    return out


def _section_part(root: Part, section: Section) -> Part | None:
    """The part whose bytes ``section`` names (the enclosed message for HEADER/TEXT of a
    message/rfc822 part); None when it does not exist."""
    part = root.sub(section.part) if section.part else root
    if part is None:
        return None
    if section.part and section.text in ("HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT"):
        return part.message
    return part


def section_range(root: Part, section: Section) -> tuple[tuple[int, int], int] | None:
    """For a section that is a plain range of the file (the whole message, a body, a
    part), its file range and CRLF length (``mime.body.iter_crlf``); None for a section
    made from a header (HEADER, HEADER.FIELDS, MIME) or one that does not exist."""
    part = _section_part(root, section)
    if part is None or section.text not in ("", "TEXT"):
        return None
    if section.text == "" and not section.part:
        return message_range(root)
    return body_range(part)


def section_bytes(
    f: BinaryIO, root: Part, section: Section, window: tuple[int, int] | None = None
) -> bytes:
    """The bytes of ``BODY[section]`` (empty when the part does not exist), read from the
    message file ``f``; only ``window`` (offset, length) of them when given."""
    whole = section_range(root, section)
    if whole is not None:
        return read_crlf(f, *whole, window)
    part = _section_part(root, section)
    if part is None:
        return b""
    text = section.text
    header = header_bytes(f, part)
    if text in ("MIME", "HEADER"):
        out = header
    else:
        exclude = text == "HEADER.FIELDS.NOT"
        out = filter_headers(header, set(section.fields), exclude)
        if exclude and not header.endswith(b"\r\n\r\n"):
            out = out[:-2]  # Dovecot adds no blank line a header-only message lacks
    if window is None:
        return out
    start, length = window
    return out[start : start + length]


def filter_headers(header: bytes, names: set[str], exclude: bool) -> bytes:
    """The header lines whose names are (not) in ``names``, plus the blank line."""
    out: list[bytes] = []
    keep = False
    for line in header.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t"):
            if keep:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].strip().decode("latin-1").upper()
        keep = (name in names) != exclude
        if keep:
            out.append(line)
    return b"".join(x + b"\r\n" for x in out) + b"\r\n"

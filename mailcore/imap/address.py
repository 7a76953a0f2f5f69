"""RFC 5322 address lists -> IMAP ENVELOPE address structures, and back to text.

Encoded words stay as they are (Dovecot does the same); groups become the
``(NIL NIL "name" NIL) ... (NIL NIL NIL NIL)`` markers of RFC 3501.
``address_text`` writes a parsed list back in a normal form (comments and
folding gone), which is what SEARCH FROM/TO/CC/BCC compare with.
"""

from __future__ import annotations

MISSING_MAILBOX, MISSING_DOMAIN = b"MISSING_MAILBOX", b"MISSING_DOMAIN"
Addr = tuple[bytes | None, bytes | None, bytes | None, bytes | None]
_MISSING: Addr = (None, None, MISSING_MAILBOX, MISSING_DOMAIN)


def _tokens(text: bytes) -> list[tuple[str, bytes]]:
    """Lex into ("q", quoted), ("a", word), ("s", special) and ("c", comment) tokens."""
    out: list[tuple[str, bytes]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i : i + 1]
        if c in (b" ", b"\t", b"\r", b"\n"):
            i += 1
        elif c == b"(":
            depth = 0
            start = i
            while i < n:
                ch = text[i : i + 1]
                if ch == b"\\":
                    i += 1
                elif ch == b"(":
                    depth += 1
                elif ch == b")":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
            out.append(("c", text[start + 1 : i - 1].strip()))
        elif c == b'"':
            i += 1
            buf = bytearray()
            while i < n and text[i : i + 1] != b'"':
                if text[i : i + 1] == b"\\" and i + 1 < n:
                    i += 1
                buf += text[i : i + 1]
                i += 1
            if i >= n:
                out.append(("err", b""))  # unterminated quote: the rest is unparsable
                return out
            i += 1
            out.append(("q", bytes(buf)))
        elif c in b"<>@,;:" and c:
            out.append(("s", c))
            i += 1
        else:
            start = i
            while i < n and text[i : i + 1] not in (
                b" ",
                b"\t",
                b"\r",
                b"\n",
                b"(",
                b'"',
                b"<",
                b">",
                b"@",
                b",",
                b";",
                b":",
            ):
                i += 1
            out.append(("a", text[start:i]))
    return out


def _join_words(words: list[tuple[str, bytes]]) -> bytes:
    return b" ".join(w for _, w in words)


def _addr_spec(words: list[tuple[str, bytes]]) -> tuple[bytes | None, bytes | None]:
    """(mailbox, host) from the tokens of local@domain (no spaces between dots)."""
    if not words:
        return None, None
    local: list[bytes] = []
    host: list[bytes] = []
    target = local
    for kind, value in words:
        if kind == "s" and value == b"@":
            target = host
            continue
        if kind == "q":
            target.append(b'"' + value + b'"' if target is local and len(words) > 1 else value)
        else:
            target.append(value)
    mailbox = b"".join(local) or None
    return mailbox, (b"".join(host) or None)


def parse_address_list(raw: bytes | None) -> list[Addr] | None:
    """The ENVELOPE address list of a header value, None for an absent/empty one."""
    if raw is None:
        return None
    tokens = _tokens(raw)
    out: list[Addr] = []
    group_open = after_group = False
    current: list[tuple[str, bytes]] = []

    def flush() -> None:
        if current:
            addr = _mailbox(current)
            if addr is not None:
                out.append(addr)
            current.clear()

    for kind, value in tokens:
        if kind == "err":
            # Like Dovecot: keep what parsed, one placeholder for the broken rest.
            current.clear()
            out.append(_MISSING)
            break
        if kind == "s" and value == b",":
            if not any(k != "c" for k, _ in current) and not group_open and not after_group:
                out.append(_MISSING)  # an empty list element
            after_group = False
            flush()
        elif (
            kind == "s"
            and value == b":"
            and not group_open
            and b"<" not in b"".join(v for k, v in current if k == "s")
        ):
            out.append((None, None, _join_words(current) or None, None))
            current.clear()
            group_open = True
        elif kind == "s" and value == b";" and group_open:
            flush()
            out.append((None, None, None, None))
            group_open, after_group = False, True
        else:
            current.append((kind, value))
    flush()
    if group_open:
        out.append((None, None, None, None))
    return out or None


def _mailbox(all_tokens: list[tuple[str, bytes]]) -> Addr | None:
    """One mailbox: ``name <addr>``, ``<addr>`` or ``addr (comment as name)``."""
    # Only a comment inside or after an addr-spec names it (Dovecot's last_comment
    # is reset where the addr-spec starts): "(note) a@b" has no name.
    start = next((i for i, (k, _) in enumerate(all_tokens) if k != "c"), len(all_tokens))
    comments = [v for k, v in all_tokens[start:] if k == "c" and v]
    tokens = [t for t in all_tokens if t[0] != "c"]
    opens = [i for i, (k, v) in enumerate(tokens) if k == "s" and v == b"<"]
    if opens:
        i = opens[0]
        close = next(
            (j for j in range(i + 1, len(tokens)) if tokens[j] == ("s", b">")), len(tokens)
        )
        inner = tokens[i + 1 : close]
        adl: bytes | None = None
        colon = next((j for j, t in enumerate(inner) if t == ("s", b":")), None)
        if colon is not None:  # obsolete source route @a,@b:
            adl = b"".join(v for _, v in inner[:colon]) or None
            inner = inner[colon + 1 :]
        name = _join_words(tokens[:i]) or None
        mailbox, host = _addr_spec(inner)
        return (name, adl, mailbox or MISSING_MAILBOX, host or MISSING_DOMAIN)
    if not tokens:
        return None
    mailbox, host = _addr_spec(tokens)
    name = comments[-1] if comments else None
    return (name, None, mailbox or MISSING_MAILBOX, host or MISSING_DOMAIN)


_ATEXT = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"
)


def _phrase(text: bytes) -> bytes:
    """A display or group name as written back: as is when it is all atext or holds an
    encoded word (which must not be quoted, RFC 2047 5), else quoted."""
    if b"=?" in text or all(c in _ATEXT for c in text):
        return text
    return b'"' + text.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def address_text(addrs: list[Addr]) -> bytes:
    """An address list written back as Dovecot's ``message_address_write`` does, so a
    SEARCH FROM/TO/CC/BCC substring matches what it matches there: no comments or
    folds, ``Name <mailbox@host>`` (``"Two Words" <...>``), ``<mailbox@host>`` without
    a name, groups as ``name: a, b;``, joined with ``", "``."""
    out = bytearray()
    first, in_group = True, False
    for name, adl, mailbox, host in addrs:
        if first:
            first = False
        else:
            out += b", "
        if host is None:  # a group's start (its name in mailbox) or end marker
            if not in_group:
                out += (_phrase(mailbox) if mailbox else b'""') + b": "
                first = True
            else:
                del out[-2:]  # the ", " (or ": " of an empty group), as Dovecot cuts it
                out += b";"
            in_group = not in_group
            continue
        if name:
            out += _phrase(name) + b" "
        out += b"<" + (adl + b":" if adl else b"") + (mailbox or b"") + b"@" + host + b">"
    return bytes(out)

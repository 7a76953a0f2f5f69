"""RFC 5256 SORT and RFC 5957 SORT=DISPLAY: criteria grammar, base subject, keys.

Pure: the handler (``mailcore.imap.sort_cmd``) selects the messages with the
SEARCH evaluator and orders them here. Strings compare as Dovecot compares
them: titlecased (for ASCII: upper-cased, so ``_`` sorts after ``Z``) and
decomposed, then by code point; an absent header sorts as "" (first).
"""

from __future__ import annotations

import datetime
import email.utils
import re
import unicodedata
from collections.abc import Callable

from mailcore import mime
from mailcore.imap.address import parse_address_list
from mailcore.imap.lexer import Cursor, ParseError
from mailcore.imap.search import Candidate

SORT_KEYS = frozenset(
    {"ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO"}
)
Criterion = tuple[str, bool]  # (key, reverse)
SortValue = str | float | int


def sort_criteria(c: Cursor) -> list[Criterion]:
    """``"(" sort-criterion *(SP sort-criterion) ")"``, each ``["REVERSE" SP] sort-key``."""
    c.expect(b"(", "( before the sort criteria")
    out: list[Criterion] = []
    while True:
        word = c.atom("sort key").upper()
        reverse = word == "REVERSE"
        if reverse:
            c.sp()
            word = c.atom("sort key").upper()
        if word not in SORT_KEYS:
            raise ParseError(f"unknown sort key {word}")
        out.append((word, reverse))
        if c.accept(b")"):
            return out
        c.sp()


# RFC 5256 2.1, ABNF of the base subject (strings in ABNF are case-insensitive).
_BLOB = r"\[[^\[\]]*\] *"  # subj-blob = "[" *BLOBCHAR "]" *WSP
_LEADER = re.compile(rf"(?:{_BLOB})*(?:re|fwd?) *(?:{_BLOB})?:| +", re.IGNORECASE)
_BLOB_RE = re.compile(_BLOB)
_WSP = re.compile(r"[ \t\r\n]+")


def base_subject(subject: str) -> str:
    """The base subject of an (already RFC 2047-decoded) subject, RFC 5256 2.1."""
    return subject_info(subject)[0]


def subject_info(subject: str) -> tuple[str, bool]:
    """(base subject, whether it is a reply or forward): RFC 5256 2.1 and the "Re:"
    test of THREAD=REFERENCES step 5, true when a "(fwd)" trailer, a subj-refwd or a
    "[fwd: ...]" wrapper was removed."""
    s = _WSP.sub(" ", subject)  # (1) tabs and continuations to one space
    reply = False
    while True:
        t = _strip_trailers(s)  # (2) trailing "(fwd)" and white space
        reply = reply or t.rstrip(" ") != s.rstrip(" ")
        s, changed = t, True
        while changed:  # (5) repeat (3) and (4) until nothing changes
            changed = False
            while (m := _LEADER.match(s)) and m.end():  # (3) subj-leader
                reply = reply or m.group().endswith(":")
                s, changed = s[m.end() :], True
            m = _BLOB_RE.match(s)
            if m and s[m.end() :]:  # (4) a subj-blob that leaves a non-empty base
                s, changed = s[m.end() :], True
        # (6) "[fwd:" ... "]" around the whole subject: unwrap and start over at (2)
        if s[:5].lower() == "[fwd:" and s.endswith("]"):
            s, reply = s[5:-1], True
            continue
        return s, reply


def _strip_trailers(s: str) -> str:
    while True:
        t = s.rstrip(" ")
        if t[-5:].lower() == "(fwd)":
            t = t[:-5]
        if t == s:
            return s
        s = t


def collate(text: str) -> str:
    """A string as it is compared: titlecased and decomposed (as Dovecot's
    ``uni_utf8_to_decomposed_titlecase``; i;ascii-casemap for ASCII)."""
    return unicodedata.normalize("NFKD", text.upper())


def _first_address(c: Candidate, header: str) -> tuple[str, str, str]:
    """(display name decoded, mailbox, host) of the first address of ``header``."""
    raw = c.header(header)
    addrs = parse_address_list(raw) if raw is not None else None
    if not addrs:
        return "", "", ""
    name, _adl, mailbox, host = addrs[0]
    text = [v.decode("utf-8", "replace") if v else "" for v in (name, mailbox, host)]
    return mime.decode_words(text[0]), text[1], text[2]


def _display(c: Candidate, header: str) -> str:
    """RFC 5957: the decoded display name, else the addr-spec (mailbox@host)."""
    name, mailbox, host = _first_address(c, header)
    if name:
        return name
    return f"{mailbox}@{host}" if host else mailbox


def sent_date(c: Candidate) -> float:
    """The Date header as an instant; the INTERNALDATE when it is missing or cannot be
    parsed (RFC 5256 3, DATE)."""
    raw = c.header("date")
    if raw is not None:
        try:
            when = email.utils.parsedate_to_datetime(raw.decode("ascii", "replace"))
        except (ValueError, TypeError, IndexError):
            pass
        else:
            if when.tzinfo is None:  # "-0000": the time is UTC (RFC 5322 3.3)
                when = when.replace(tzinfo=datetime.UTC)
            return when.timestamp()
    return c.rec.internaldate


def message_subject(c: Candidate) -> tuple[str, bool]:
    """``subject_info`` of the message's decoded Subject (("", False) without one)."""
    raw = c.header("subject")
    return subject_info(mime.decode_words(raw.decode("utf-8", "replace"))) if raw else ("", False)


_VALUES: dict[str, Callable[[Candidate], SortValue]] = {
    "ARRIVAL": lambda c: c.rec.internaldate,
    "SIZE": lambda c: c.rec.size,
    "DATE": sent_date,
    "SUBJECT": lambda c: collate(message_subject(c)[0]),
    "CC": lambda c: collate(_first_address(c, "cc")[1]),
    "FROM": lambda c: collate(_first_address(c, "from")[1]),
    "TO": lambda c: collate(_first_address(c, "to")[1]),
    "DISPLAYFROM": lambda c: collate(_display(c, "from")),
    "DISPLAYTO": lambda c: collate(_display(c, "to")),
}


def sort_messages(found: list[Candidate], criteria: list[Criterion]) -> list[Candidate]:
    """``found`` ordered by ``criteria``; exact ties keep mailbox order (RFC 5256 3),
    also under REVERSE, which reverses only its own criterion."""
    values = {id(c): [_VALUES[key](c) for key, _ in criteria] for c in found}
    out = sorted(found, key=lambda c: c.seq)
    # Stable sorts from the last criterion to the first give the lexicographic order;
    # ``reverse=True`` keeps equal elements in their order, so ties stay ascending.
    for i in range(len(criteria) - 1, -1, -1):
        out.sort(key=lambda c: values[id(c)][i], reverse=criteria[i][1])
    return out

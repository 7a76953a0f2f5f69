"""Hypothesis strategies that speak each listener's grammar, slightly wrong.

Byte soup mostly dies at the first parser check; these build commands that
are well formed up to one chosen place (an address with a quote, a sequence
set past 2^32, a literal where an atom goes), so the fuzzers reach the code
behind the parsers. Each strategy yields whole command lines without CRLF
(IMAP literals carry their own). Shared by tests/test_hostile_*.py.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

# -- pieces -------------------------------------------------------------------

NUMBER = st.one_of(
    st.integers(0, 5).map(str),
    st.sampled_from(["-1", "4294967295", "4294967296", "99999999999999999999", "1e3", "0x10"]),
)
WORDISH = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=12)
DOMAIN = st.sampled_from(
    ["example.be", "Example.BE", "other.example", "remote.example", "localhost", "a", ""]
)
LOCAL = st.one_of(
    st.sampled_from(["alice", "bob", "info", "postmaster", "nobody", "Alice", "a.b", ""]),
    st.sampled_from(['"a b"', '"alice@other"', "a%b", "a!b", '"', "\\", "é", "a..b"]),
    WORDISH,
)
DOMAIN_PART = st.one_of(
    DOMAIN,
    st.sampled_from(["[IPv6", "[IPv6:::1]", "[127.0.0.1]", "[", "]", "example.be.", "ü.example"]),
)
ADDRESS = st.one_of(
    st.builds(lambda lo, do: f"{lo}@{do}", LOCAL, DOMAIN_PART),
    st.sampled_from(["", "postmaster", "@a:b@c", "@example.be:alice@example.be", "<", ">"]),
)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()


def _sasl_plain(authz: str, authc: str, password: str) -> str:
    return _b64("\0".join((authz, authc, password)))


# -- SMTP (inbound and submission) ---------------------------------------------

_SMTP_PARAM = st.one_of(
    st.builds(lambda n: f"SIZE={n}", NUMBER),
    st.sampled_from(
        ["BODY=8BITMIME", "BODY=BINARYMIME", "BODY=7BIT", "BODY=", "SMTPUTF8", "AUTH=<>"]
    ),
    st.sampled_from(["RET=HDRS", "ENVID=x", "NOTIFY=NEVER", "ORCPT=rfc822;a@b", "=", "X=Y=Z"]),
)
_SMTP_PARAMS = st.lists(_SMTP_PARAM, max_size=3).map(lambda ps: "".join(" " + p for p in ps))
_ANGLE = st.one_of(
    ADDRESS.map(lambda a: f"<{a}>"),
    ADDRESS,
    ADDRESS.map(lambda a: f"<{a}"),
    ADDRESS.map(lambda a: f" <{a}> "),
)
_AUTH = st.one_of(
    st.builds(
        lambda z, c, p: f"AUTH PLAIN {_sasl_plain(z, c, p)}",
        st.sampled_from(["", "alice@example.be"]),
        ADDRESS,
        WORDISH,
    ),
    st.sampled_from(["AUTH PLAIN", "AUTH PLAIN =", "AUTH PLAIN !!", "AUTH LOGIN", "AUTH"]),
    st.builds(lambda u: f"AUTH LOGIN {_b64(u)}", ADDRESS),
    st.sampled_from(["AUTH CRAM-MD5", "AUTH XOAUTH2 abc", "AUTH plain *"]),
)
SMTP_COMMAND = st.one_of(
    st.builds(lambda v, h: f"{v} {h}", st.sampled_from(["EHLO", "HELO", "ehlo"]), DOMAIN_PART),
    st.builds(lambda a, p: f"MAIL FROM:{a}{p}", _ANGLE, _SMTP_PARAMS),
    st.builds(lambda a, p: f"RCPT TO:{a}{p}", _ANGLE, _SMTP_PARAMS),
    st.builds(lambda a: f"VRFY {a}", _ANGLE),
    st.builds(lambda a: f"EXPN {a}", _ANGLE),
    st.builds(lambda w: f"HELP {w}", WORDISH),
    st.builds(lambda n: f"BDAT {n}", NUMBER),
    st.sampled_from(["RSET", "NOOP", "NOOP x", "MAIL", "RCPT", "MAIL FROM:", "RCPT TO:"]),
    st.sampled_from(["XCLIENT ADDR=1.2.3.4", "ETRN example.be", "TURN", "SEND FROM:<a@b>"]),
    _AUTH,
)


# -- IMAP -------------------------------------------------------------------------


def literal(text: str, plus: bool = False) -> str:
    """``{n}`` / ``{n+}`` followed by CRLF and the text (n counted in UTF-8 bytes)."""
    return f"{{{len(text.encode('utf-8', 'surrogatepass'))}{'+' if plus else ''}}}\r\n{text}"


_SEQ = st.one_of(
    st.sampled_from(["1", "2", "*", "1:*", "1:2", "2,1", "0", "1:", ":1", "4294967296", "3:1"]),
    st.lists(NUMBER, min_size=1, max_size=3).map(",".join),
)
_MAILBOX = st.one_of(
    st.sampled_from(["INBOX", "inbox", "Trash", "Sent", '"a b"', "&Jjo-", "&Jjo", '""', "~"]),
    st.sampled_from(['"../x"', '"INBOX/sub"', '"INBOX."', "NIL", "%", "*", '"\\\\"']),
    WORDISH.map(lambda w: json.dumps(w, ensure_ascii=False)),
    WORDISH.map(literal),
)
_SECTION = st.sampled_from(
    [
        "",
        "HEADER",
        "TEXT",
        "1",
        "1.MIME",
        "2.1.TEXT",
        "HEADER.FIELDS (Subject)",
        "HEADER.FIELDS.NOT (From To)",
        "0",
        "99",
        "1.2.3.4.5.6",
    ]
)
_FETCH_ATT = st.one_of(
    st.sampled_from(
        [
            "FLAGS",
            "UID",
            "RFC822.SIZE",
            "ENVELOPE",
            "BODYSTRUCTURE",
            "BODY",
            "INTERNALDATE",
            "RFC822",
            "RFC822.HEADER",
            "ALL",
            "FAST",
            "FULL",
            "MODSEQ",
            "X-UNKNOWN",
        ]
    ),
    st.builds(
        lambda kind, sec, part: f"{kind}[{sec}]{part}",
        st.sampled_from(["BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE"]),
        _SECTION,
        st.sampled_from(["", "<0.10>", "<5>", "<0.0>", "<4294967296.1>", "<1.>"]),
    ),
)
_FETCH_ATTS = st.one_of(
    _FETCH_ATT, st.lists(_FETCH_ATT, max_size=4).map(lambda a: "(" + " ".join(a) + ")")
)
_FLAGS = st.lists(
    st.sampled_from(["\\Seen", "\\Deleted", "\\Flagged", "\\Recent", "\\Bogus", "$Label", "("]),
    max_size=3,
).map(lambda f: "(" + " ".join(f) + ")")
_SEARCH_KEY = st.one_of(
    st.sampled_from(
        [
            "ALL",
            "SEEN",
            "UNSEEN",
            "NEW",
            "OLD",
            "DELETED",
            "LARGER 10",
            "SMALLER 0",
            "SINCE 1-Jan-2020",
            "BEFORE 32-Foo-99",
            "ON 1-Jan-2020",
            "UID 1:*",
            "NOT ALL",
            "OR SEEN UNSEEN",
            "HEADER Subject one",
            "BODY x",
            "TEXT é",
            "KEYWORD $x",
            "CHARSET UTF-8 SUBJECT one",
            "CHARSET KOI8 ALL",
            "MODSEQ 1",
            "(",
            ")",
        ]
    ),
    st.builds(lambda w: f"SUBJECT {literal(w)}", WORDISH),
    st.builds(lambda w: f"FROM {json.dumps(w, ensure_ascii=False)}", WORDISH),
    _SEQ,
)
_APPEND_BODY = st.sampled_from(
    ["Subject: x\r\n\r\nbody\r\n", "", "no header", "Subject: \u00e9\r\n\r\n\u00e9", "\0"]
)
IMAP_COMMAND = st.one_of(
    st.builds(lambda u, p: f"LOGIN {u} {p}", ADDRESS.map(json.dumps), WORDISH.map(json.dumps)),
    st.builds(lambda c: f"AUTHENTICATE PLAIN {_sasl_plain('', c, 'x')}", ADDRESS),
    st.sampled_from(["AUTHENTICATE PLAIN =", "AUTHENTICATE CRAM-MD5", "AUTHENTICATE"]),
    st.sampled_from(["CAPABILITY", "NOOP", "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "NAMESPACE"]),
    st.sampled_from(['ID ("name" "fuzz")', "ID NIL", "ID (", "ENABLE CONDSTORE", "ENABLE X"]),
    st.sampled_from(["IDLE\r\nDONE", "IDLE\r\nNOPE\r\nDONE"]),
    st.builds(
        lambda v, m: f"{v} {m}",
        st.sampled_from(["SELECT", "EXAMINE", "CREATE", "SUBSCRIBE", "UNSUBSCRIBE"]),
        _MAILBOX,
    ),
    st.builds(lambda m: f"DELETE {m}", _MAILBOX.filter(lambda m: m.upper() != "INBOX")),
    st.builds(lambda a, b: f"RENAME {a} {b}", _MAILBOX, _MAILBOX),
    st.builds(lambda r, p: f"LIST {r} {p}", _MAILBOX, _MAILBOX),
    st.builds(lambda r, p: f"LSUB {r} {p}", _MAILBOX, _MAILBOX),
    st.builds(
        lambda m, it: f"STATUS {m} ({it})",
        _MAILBOX,
        st.sampled_from(["MESSAGES", "UIDNEXT UNSEEN", "RECENT UIDVALIDITY", "BOGUS", ""]),
    ),
    st.builds(
        lambda m, f, d, b, more: f"APPEND {m} {f} {d}{literal(b)}{more}",
        _MAILBOX,
        _FLAGS,
        st.sampled_from(["", '"01-Jan-2020 00:00:00 +0000" ', '"31-Feb-2020 99:00:00 +9999" ']),
        _APPEND_BODY,
        # MULTIAPPEND (RFC 3502): more messages, one of them possibly empty or malformed
        st.lists(_APPEND_BODY.map(lambda b: " " + literal(b)), max_size=2).map("".join),
    ),
    st.builds(
        lambda u, s, a: f"{u}FETCH {s} {a}", st.sampled_from(["", "UID "]), _SEQ, _FETCH_ATTS
    ),
    st.builds(
        lambda u, s, op, f: f"{u}STORE {s} {op} {f}",
        st.sampled_from(["", "UID "]),
        _SEQ,
        st.sampled_from(["FLAGS", "+FLAGS", "-FLAGS.SILENT", "+FLAGS.SILENT", "X"]),
        _FLAGS,
    ),
    st.builds(
        lambda u, r, k: f"{u}SEARCH {r}{' '.join(k)}",
        st.sampled_from(["", "UID "]),
        # ESEARCH (RFC 4731) result options, some unknown or unterminated
        st.sampled_from(
            ["", "RETURN () ", "RETURN (MIN MAX ALL COUNT) ", "RETURN (SAVE) ", "RETURN ("]
        ),
        st.lists(_SEARCH_KEY, max_size=3),
    ),
    st.builds(
        lambda u, v, s, m: f"{u}{v} {s} {m}",
        st.sampled_from(["", "UID "]),
        st.sampled_from(["COPY", "MOVE"]),
        _SEQ,
        _MAILBOX,
    ),
    st.builds(lambda s: f"UID EXPUNGE {s}", _SEQ),
    st.builds(
        lambda u, c, cs, k: f"{u}SORT {c} {cs} {' '.join(k)}",
        st.sampled_from(["", "UID "]),
        st.sampled_from(["(SUBJECT)", "(REVERSE DATE FROM)", "(DISPLAYTO SIZE)", "()", "(X)"]),
        st.sampled_from(["UTF-8", "us-ascii", "X-NONE", '""']),
        st.lists(_SEARCH_KEY, max_size=2),
    ),
    st.builds(
        lambda u, a, k: f"{u}THREAD {a} UTF-8 {' '.join(k)}",
        st.sampled_from(["", "UID "]),
        st.sampled_from(["REFERENCES", "ORDEREDSUBJECT", "X"]),
        st.lists(_SEARCH_KEY, max_size=2),
    ),
    st.builds(lambda w: f"X{w}", WORDISH),
)


# -- webmail ---------------------------------------------------------------------

WEB_PATHS = [
    "/",
    "/login",
    "/mail",
    "/msg",
    "/part",
    "/raw",
    "/compose",
    "/action",
    "/folders",
    "/send",
    "/static/pmemail.css",
    "/static/..%2f..%2fetc%2fpasswd",
    "/static/.x",
    "/.well-known/autoconfig/mail/config-v1.1.xml",
    "/mail/config-v1.1.xml",
    "/autodiscover/autodiscover.xml",
    "/favicon.ico",
    "//mail",
    "/mail/",
    "/%00",
    "/%zz",
    "/msg;x",
    "/" + "a" * 3000,
]
# The real routes with their methods (most requests), then anything on any path.
WEB_ROUTES = [
    ("GET", "/mail"),
    ("GET", "/msg"),
    ("GET", "/part"),
    ("GET", "/raw"),
    ("GET", "/compose"),
    ("POST", "/action"),
    ("POST", "/folders"),
    ("POST", "/send"),
    ("POST", "/login"),
    ("GET", "/login"),
    ("GET", "/.well-known/autoconfig/mail/config-v1.1.xml"),
    ("POST", "/autodiscover/autodiscover.xml"),
]
WEB_KEYS = [
    "f",
    "uid",
    "n",
    "inline",
    "q",
    "page",
    "expired",
    "reply",
    "forward",
    "all",
    "draft",
    "emailaddress",
    "op",
    "dest",
    "back",
    "name",
    "to",
    "cc",
    "subject",
    "body",
    "address",
    "password",
]
WEB_VALUE = st.one_of(
    NUMBER,
    st.sampled_from(["INBOX", "Trash", "../..", "//evil.example", "1", "", "\0", "é", "&Jjo-"]),
    st.sampled_from(["read", "unread", "delete", "move", "bogus", "https://evil.example/"]),
    WORDISH,
    ADDRESS,
)
WEB_FIELDS = st.lists(st.tuples(st.sampled_from(WEB_KEYS), WEB_VALUE), max_size=6)
WEB_METHOD = st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"])
WEB_TARGET = st.one_of(
    st.sampled_from(WEB_ROUTES), st.tuples(WEB_METHOD, st.sampled_from(WEB_PATHS))
)


# -- control socket ------------------------------------------------------------------

JSON_VALUE: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | WORDISH,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(WORDISH, inner, max_size=3),
    max_leaves=8,
)
CONTROL_CMD = st.sampled_from(["status", "ping", "queue_retry", "Status", "", "stop ", "x"])
CONTROL_REQUEST = st.one_of(
    st.builds(
        lambda cmd, extra: json.dumps({"cmd": cmd, **extra}),
        CONTROL_CMD,
        st.dictionaries(
            st.sampled_from(["id", "all", "cmd2", "json", "x"]), JSON_VALUE, max_size=3
        ),
    ),
    JSON_VALUE.map(json.dumps),
    st.builds(lambda cmd: '{"cmd": ' + json.dumps(cmd), CONTROL_CMD),  # truncated
)

"""The IMAP capabilities pmemail advertises: only extensions it implements completely
(each is tested against the RFC text and Dovecot's answers).

Before login, ``ImapSession.capabilities`` adds STARTTLS and AUTH=PLAIN or
LOGINDISABLED. LITERAL+ covers LITERAL- (RFC 7888), so only LITERAL+ is listed.
"""

from __future__ import annotations

BASE_CAPS = [
    "IMAP4rev1",
    "LITERAL+",
    "SASL-IR",
    "ID",
    "ENABLE",
    "IDLE",
    "NAMESPACE",
    "UIDPLUS",
    "MOVE",
    "UNSELECT",
    "CHILDREN",
    "SPECIAL-USE",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "MULTIAPPEND",
    "BINARY",
    "SORT",
    "SORT=DISPLAY",
    "THREAD=ORDEREDSUBJECT",
    "THREAD=REFERENCES",
]

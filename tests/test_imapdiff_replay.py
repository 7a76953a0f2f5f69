"""Mail clients' command sequences replayed on pmemail and Dovecot, answers compared.

The scripts are written from what these clients are known to send (their IMAP
logs): Thunderbird desktop with CONDSTORE, K-9 (Thunderbird for Android) / Apple
Mail on iOS with QRESYNC, Apple Mail on macOS with CONDSTORE, Outlook without.
Each runs on fresh servers over the delivered corpus (``open_sides``); every
command's answer is summarized by ``Transcript`` (``test_imapdiff_transcript``:
messages by name, server-own numbers as present) and the two servers' summaries
must be equal, command by command. A step is a
command line (``<uid NAME>``-style placeholders take each server's own numbers),
or one of:

- ``Idle(message)``: IDLE; the message is delivered meanwhile; DONE once EXISTS came
  (``Idle(other=Other(...), until=b"FETCH")``: another session's change instead);
- ``Other([...])``: another session changes the INBOX (only its status is checked);
- ``LOGOUT``: the session ends, the next step starts a new one.

The special-use folders are subscribed first: pmemail keeps its subscriptions in
its own file, which the Dovecot copy of the Maildir leaves out.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.imap_support import PASSWORD, USER
from tests.test_imapdiff_clients import _name
from tests.test_imapdiff_harness import SKIP_WITHOUT_DOVECOT, Side, open_sides
from tests.test_imapdiff_transcript import Transcript

pytestmark = SKIP_WITHOUT_DOVECOT


@dataclass(frozen=True)
class Other:
    """Commands of another session on the INBOX, between two of the client's."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Idle:
    """IDLE while ``message`` is delivered or ``other`` runs, until ``* n <until>``."""

    message: bytes | None = None
    other: Other | None = None
    until: bytes = b"EXISTS"


Step = str | Idle | Other


def _message(n: int, subject: str, extra: str = "") -> bytes:
    return (
        f"From: Replay <replay@example.be>\r\nTo: {USER}\r\nSubject: {subject}\r\n"
        f"Date: Fri, 5 May 2023 1{n}:00:00 +0200\r\nMessage-ID: <replay-{n}@example.be>\r\n"
        f"{extra}\r\nReplayed message {n}.\r\n"
    ).encode()


def literal(data: bytes) -> str:
    """A LITERAL+ literal (RFC 7888) holding ``data`` (ASCII)."""
    return f"{{{len(data)}+}}\r\n{data.decode()}"


SENT = _message(1, "Sent copy", "In-Reply-To: <plain-1@example.org>\r\n")
DRAFT = _message(2, "Draft")
NEW = [_message(3, "Arrives during IDLE"), _message(4, "Arrives during IDLE too")]
PLAIN = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
SUBSCRIBE = [f"SUBSCRIBE {box}" for box in ("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive")]
TB_HEADERS = (
    "From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups "
    "In-Reply-To Content-Type Reply-To"
)
K9_HEADERS = (
    "date subject from content-type to cc reply-to message-id references in-reply-to "
    "X-K9mail-Identity Chat-Version"
)

THUNDERBIRD: list[Step] = [
    "CAPABILITY",
    f"AUTHENTICATE PLAIN {PLAIN}",
    "CAPABILITY",
    'ID ("name" "Thunderbird" "version" "115.6.0")',
    *SUBSCRIBE,
    'LIST (SUBSCRIBED) "" "*" RETURN (SPECIAL-USE)',
    'LIST "" "INBOX"',
    'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN RECENT) SPECIAL-USE)',
    'SELECT "INBOX" (CONDSTORE)',
    "UID FETCH 1:* (FLAGS)",
    f"UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS ({TB_HEADERS})])",
    "UID FETCH <uid 03-attachment.eml> (UID RFC822.SIZE BODY.PEEK[])",
    "UID STORE <uid 03-attachment.eml> +FLAGS (\\Seen)",
    "UID FETCH <uid 12-mixed-pdf.eml> (UID RFC822.SIZE BODYSTRUCTURE)",
    "UID FETCH <uid 12-mixed-pdf.eml> (UID BODY.PEEK[HEADER] BODY.PEEK[1.MIME] BODY.PEEK[1])",
    "UID FETCH <uid 12-mixed-pdf.eml> (UID BODY.PEEK[2]<0.2048>)",
    'UID SEARCH CHARSET UTF-8 SUBJECT "invoice"',
    "UID SEARCH UNSEEN UNDELETED",
    Other(("UID STORE <uid 01-plain.eml> +FLAGS (\\Flagged)",)),
    "NOOP",
    "UID FETCH 1:* (FLAGS) (CHANGEDSINCE <modseq>)",
    Idle(NEW[0]),
    Idle(
        other=Other(("UID STORE <uid 07-group-and-comments.eml> +FLAGS (\\Seen)",)), until=b"FETCH"
    ),
    # flagged, then told (NOOP), then expunged during IDLE: one change per step, or
    # what IDLE shows would depend on when each server looked
    Other(("UID STORE <uid 10-plain-qp.eml> +FLAGS.SILENT (\\Deleted)",)),
    "NOOP",
    Idle(other=Other(("UID EXPUNGE <uid 10-plain-qp.eml>",)), until=b"EXPUNGE"),
    f"UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS ({TB_HEADERS})])",
    f'APPEND "Sent" (\\Seen) {literal(SENT)}',
    "UID MOVE <uid 05-8bit.eml> Trash",
    "UID STORE <uid 06-malformed.eml> +FLAGS (\\Deleted)",
    "UID EXPUNGE <uid 06-malformed.eml>",
    'STATUS "Trash" (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)',
    'STATUS "Sent" (MESSAGES UNSEEN)',
    'EXAMINE "Sent"',
    "FETCH 1:* (UID FLAGS ENVELOPE)",
    "CLOSE",
    "LOGOUT",
]

APPLE_K9: list[Step] = [
    "CAPABILITY",
    f'LOGIN "{USER}" "{PASSWORD}"',
    'ID ("name" "com.fsck.k9" "version" "8.0")',
    "ENABLE QRESYNC",
    *SUBSCRIBE,
    "NAMESPACE",
    'LIST "" "*" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE)',
    'LIST "" "%" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ))',
    "SELECT INBOX",
    "UID SEARCH 1:* NOT DELETED",
    "UID SEARCH RETURN (ALL COUNT) UNDELETED",
    "UID SEARCH RETURN (MIN MAX COUNT) UNSEEN",
    f"UID FETCH <uid 20-broken-boundary.eml>:* (UID INTERNALDATE RFC822.SIZE FLAGS "
    f"BODY.PEEK[HEADER.FIELDS ({K9_HEADERS})])",
    "UID FETCH <uid 13-nested-mixed.eml> (UID RFC822.SIZE BODYSTRUCTURE)",
    "UID FETCH <uid 13-nested-mixed.eml> (UID BODY.PEEK[1]<0.4096>)",
    "UID FETCH <uid 26-single-base64.eml> (BINARY.PEEK[1] BINARY.SIZE[1])",
    "UID FETCH <uid 02-alternative.eml> (BINARY.PEEK[1]<0.100> BINARY.PEEK[2])",
    "UID SORT (REVERSE ARRIVAL) UTF-8 ALL",
    "UID SORT (SUBJECT DATE) UTF-8 UNDELETED",
    "UID SORT (DISPLAYFROM) US-ASCII NOT SEEN",
    "UID THREAD REFERENCES UTF-8 ALL",
    "THREAD ORDEREDSUBJECT UTF-8 ALL",
    "UID SEARCH RETURN (ALL COUNT) OR FROM example SUBJECT invoice",
    "UID STORE <uids 01-plain.eml,04-rfc822.eml> +FLAGS.SILENT (\\Seen $Important)",
    "UID FETCH <uids 01-plain.eml,04-rfc822.eml> (UID FLAGS)",
    f"APPEND Drafts (\\Draft \\Seen) {literal(DRAFT)}",
    f"APPEND Archive (\\Seen) {literal(NEW[0])} (\\Flagged) {literal(NEW[1])}",
    "UID MOVE <uids 07-group-and-comments.eml,08-crlf.eml> Archive",
    "UID STORE <uid 10-plain-qp.eml> +FLAGS.SILENT (\\Deleted)",
    "UID EXPUNGE <uid 10-plain-qp.eml>",
    Idle(NEW[1]),
    f"UID FETCH <uid {_name(NEW[1])}> (UID FLAGS RFC822.SIZE)",  # delivered now: no date
    "NOOP",
    "UNSELECT",
    "LOGOUT",
    # the phone comes back: others changed the INBOX meanwhile; a QRESYNC re-sync
    f'LOGIN "{USER}" "{PASSWORD}"',
    "ENABLE QRESYNC",
    Other(
        (
            "UID STORE <uid 11-alternative-related.eml> +FLAGS (\\Answered)",
            "UID STORE <uid 14-forward-multipart.eml> +FLAGS (\\Deleted)",
            "UID EXPUNGE <uid 14-forward-multipart.eml>",
        )
    ),
    "SELECT INBOX (QRESYNC (<uidvalidity> <modseq>))",
    "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
    'EXAMINE "Archive"',
    "UID FETCH 1:* (UID FLAGS RFC822.SIZE)",
    "LOGOUT",
]


APPLE_MAIL: list[Step] = [
    f"AUTHENTICATE PLAIN {PLAIN}",
    'ID ("name" "Mac OS X Mail" "version" "16.0 (3731.500.231)" "os" "Mac OS X")',
    "ENABLE CONDSTORE",
    *SUBSCRIBE,
    'LIST "" ""',
    'LSUB "" "*"',
    'LIST (SUBSCRIBED) "" "*" RETURN (STATUS (MESSAGES UNSEEN) SPECIAL-USE)',
    "STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)",
    "GETQUOTAROOT INBOX",
    "SELECT INBOX",
    "UID SEARCH UID 1:* NOT DELETED",
    "UID SEARCH UID <uid 10-plain-qp.eml>:* OR UNSEEN FLAGGED",
    "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
    "UID FETCH <uid 11-alternative-related.eml>:* (INTERNALDATE UID RFC822.SIZE FLAGS "
    "BODY.PEEK[HEADER.FIELDS (date subject from to cc message-id in-reply-to references "
    "x-priority x-uniform-type-identifier x-universally-unique-identifier)])",
    "UID FETCH <uid 11-alternative-related.eml> (BODYSTRUCTURE)",
    "UID FETCH <uid 11-alternative-related.eml> (BODY.PEEK[1.MIME] BODY.PEEK[1]<0.10240>)",
    "UID FETCH <uid 04-rfc822.eml> (BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.10240>)",
    "UID FETCH <uid 04-rfc822.eml> (BODY.PEEK[2.HEADER] BODY.PEEK[2.1] ENVELOPE)",
    "UID FETCH <uid 21-long-headers.eml> (BODY.PEEK[HEADER.FIELDS.NOT (Received DKIM-Signature)])",
    "UID STORE <uid 02-alternative.eml> (UNCHANGEDSINCE 1) +FLAGS (\\Flagged)",
    "UID STORE <uid 02-alternative.eml> +FLAGS (\\Flagged \\Seen)",
    "UID COPY <uids 02-alternative.eml,03-attachment.eml> Archive",
    "STATUS Archive (MESSAGES UNSEEN)",
    "UID STORE <uid 03-attachment.eml> +FLAGS.SILENT (\\Deleted)",
    "EXPUNGE",
    "CHECK",
    "UID FETCH 1:* (FLAGS) (CHANGEDSINCE <modseq>)",
    "CLOSE",
    "SELECT Archive (CONDSTORE)",
    "FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])",
    "LOGOUT",
]

OUTLOOK: list[Step] = [
    "CAPABILITY",
    f'LOGIN "{USER}" "{PASSWORD}"',
    *SUBSCRIBE,
    'LIST "" "*"',
    'LSUB "" "*"',
    "SELECT INBOX",
    "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS "
    "(DATE FROM SUBJECT CONTENT-TYPE X-MS-TNEF-Correlator CONTENT-CLASS IMPORTANCE "
    "PRIORITY X-PRIORITY THREAD-TOPIC REPLY-TO)])",
    "UID FETCH <uid 05-8bit.eml> (UID RFC822.SIZE BODY.PEEK[])",
    "UID STORE <uid 05-8bit.eml> +FLAGS.SILENT (\\Seen)",
    "UID STORE <uids 15-latin1-html.eml,16-utf8-8bit.eml> +FLAGS.SILENT (\\Deleted)",
    "UID SEARCH DELETED",
    "EXPUNGE",
    "UID SEARCH SINCE 1-Apr-2023 NOT SEEN",
    'SEARCH CHARSET UTF-8 TEXT "r\u00e9sum\u00e9"',
    "UID FETCH 1:* (UID FLAGS)",
    Idle(NEW[0]),
    "NOOP",
    f'APPEND "Drafts" (\\Draft) "05-May-2023 10:00:00 +0200" {literal(DRAFT)}',
    'SELECT "Drafts"',
    "FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)",
    "LOGOUT",
]


# Thunderbird's folder pane: new folders and subfolders, rename, empty Trash, delete.
FOLDERS: list[Step] = [
    f"AUTHENTICATE PLAIN {PLAIN}",
    *SUBSCRIBE,
    'CREATE "Projects"',
    'SUBSCRIBE "Projects"',
    'CREATE "Projects.2024"',
    'SUBSCRIBE "Projects.2024"',
    'CREATE "Projects.2024.Q1"',
    'LIST "" "Projects*"',
    'LIST "" "Projects.%"',
    'LIST (SUBSCRIBED RECURSIVEMATCH) "" "*" RETURN (CHILDREN)',
    'LSUB "" "%"',
    'LIST "" ("INBOX" "Projects")',
    "SELECT INBOX",
    "UID MOVE <uids 01-plain.eml,02-alternative.eml> Projects.2024",
    "UID COPY <uid 03-attachment.eml> Projects.2024.Q1",
    'STATUS "Projects.2024" (MESSAGES UNSEEN RECENT)',
    'RENAME "Projects.2024" "Projects.Archive-2024"',
    'LIST "" "Projects*" RETURN (STATUS (MESSAGES))',
    'UNSUBSCRIBE "Projects"',
    'LIST (SUBSCRIBED) "" "Projects*"',
    'SELECT "Projects.Archive-2024.Q1"',
    "UID FETCH 1:* (UID FLAGS RFC822.SIZE)",
    "UID MOVE 1:* Trash",
    "SELECT Trash",
    "UID STORE 1:* +FLAGS.SILENT (\\Deleted)",
    "EXPUNGE",
    "UNSELECT",
    'DELETE "Projects.Archive-2024.Q1"',
    'DELETE "Projects.Archive-2024"',  # children first: see test_delete_with_children
    'DELETE "Projects"',
    'LIST "" "*"',
    'LSUB "" "*"',
    "LOGOUT",
]


def _other(side: Side, t: Transcript, other: Other) -> None:
    client = side.connect()
    assert side.raw("SELECT INBOX", client)[0] == b"OK"
    for line in other.lines:
        status, text, _ = side.raw(t.fill(line), client)
        assert status == b"OK", (side.label, line, text)
    client.logout()


def replay(side: Side, script: list[Step]) -> list[list[Any]]:
    """Each step's summary on one server."""
    t = Transcript(side)
    out: list[list[Any]] = []
    try:
        for step in script:
            if isinstance(step, Idle):
                if step.message is not None:
                    during = functools.partial(side.deliver, step.message)
                else:
                    assert step.other is not None
                    during = functools.partial(_other, side, t, step.other)
                out.append(t.idle(during, step.until))
            elif isinstance(step, Other):
                _other(side, t, step)
                out.append(["other session", *step.lines])
            elif step == "LOGOUT":
                out.append(t.logout())
            else:
                out.append(t.command(step))
    finally:
        t.client.shutdown()
    return out


# Dovecot may miss a delivery made just as IDLE starts until its next check (30 s by
# default): checking every second keeps the replay within the client's timeout.
DOVECOT_IDLE = "mailbox_idle_check_interval = 1 secs"


def _compare(tmp: Path, script: list[Step]) -> None:
    with open_sides(tmp, dovecot_config=DOVECOT_IDLE) as (ours, theirs):
        answers = [replay(side, script) for side in (ours, theirs)]
    differ = [(a, b) for a, b in zip(*answers, strict=True) if a != b]
    assert not differ, "\n".join(f"pmemail {a}\ndovecot {b}" for a, b in differ)


def test_thunderbird(tmp_path: Path) -> None:
    """Thunderbird desktop: CONDSTORE sync, headers, read, flag, IDLE, save, move, delete."""
    _compare(tmp_path, THUNDERBIRD)


def test_apple_mail_and_k9(tmp_path: Path) -> None:
    """K-9 / iOS Mail: QRESYNC, ESEARCH, SORT, THREAD, BINARY, MULTIAPPEND, MOVE,
    UID EXPUNGE, IDLE, and a QRESYNC re-sync after another session's changes."""
    _compare(tmp_path, APPLE_K9)


def test_names_are_known() -> None:
    """The messages the scripts write are told apart from the corpus and each other."""
    names = {_name(m) for m in (SENT, DRAFT, *NEW)}
    assert len(names) == 4 and all(n.startswith("other-") for n in names)


def test_apple_mail(tmp_path: Path) -> None:
    """Apple Mail (macOS): CONDSTORE sync, LIST/LSUB/STATUS, parts fetched piecewise,
    UNCHANGEDSINCE, COPY, EXPUNGE, an unknown command (GETQUOTAROOT)."""
    _compare(tmp_path, APPLE_MAIL)


def test_outlook(tmp_path: Path) -> None:
    """Outlook (no CONDSTORE): header sync, read, delete and EXPUNGE, searches, IDLE,
    APPEND of a draft with a date."""
    _compare(tmp_path, OUTLOOK)


def test_thunderbird_folders(tmp_path: Path) -> None:
    """Thunderbird's folder pane: create, subscribe, LIST-EXTENDED, rename with
    children, empty Trash, delete."""
    _compare(tmp_path, FOLDERS)


def test_delete_with_children(tmp_path: Path) -> None:
    """DELETE of a selectable mailbox that has a child: OK, the child stays. (What the
    parent then is differs: RFC 3501 6.3.4 makes it \\Noselect, as pmemail does;
    Dovecot's Maildir++ keeps it selectable and empty. Only the child is compared.)"""
    _compare(
        tmp_path,
        [
            f"AUTHENTICATE PLAIN {PLAIN}",
            'CREATE "Projects"',
            'CREATE "Projects.2024"',
            'DELETE "Projects"',
            'LIST "" "Projects.%"',
            'SELECT "Projects.2024"',
            "LOGOUT",
        ],
    )

"""Replaying a client's command sequence on both servers, and what is compared of it.

(No tests in here: ``test_imapdiff_replay`` holds the clients' scripts; named
``test_*`` like ``test_imapdiff_harness`` for this area's file ownership.)

A ``Transcript`` is one client's sessions on one server. Each command line is sent
as is, after its placeholders are filled in with this server's own numbers:
``<uid NAME>`` (the UID of message NAME in the selected mailbox), ``<uids NAME,NAME>``,
``<uidvalidity>`` and ``<modseq>`` (the UIDVALIDITY and the highest mod-sequence this
client saw in INBOX, as a QRESYNC client keeps them). The answer is then summarized so
that two servers' answers compare equal when they mean the same thing (``summarize``):
messages by name (``test_imapdiff_clients._name``: corpus file, or a hash of the
bytes), never by sequence number or UID; UIDVALIDITY, MODSEQ, HIGHESTMODSEQ and
UIDNEXT as present; greeting texts, ``* OK`` texts and ``ID`` values left out;
CAPABILITY and ENABLED only as far as the replayed clients use them (and not before
login, where Dovecot lists less); a tagged ``[CAPABILITY ...]`` as an untagged one;
the lines of one answer as a sorted list (their order is the server's choice), the
numbers inside SORT and THREAD in order.
"""

from __future__ import annotations

import imaplib
import re
from typing import Any

from tests.imap_parse import parse_fetch
from tests.test_imapdiff_clients import _name
from tests.test_imapdiff_esearch import _members
from tests.test_imapdiff_harness import NORMALIZERS, Side, read_response_line

# what the replayed clients look for in CAPABILITY (both servers advertise them all;
# SPECIAL-USE is left out: Dovecot runs here without a special-use config)
CLIENT_CAPS = frozenset(
    [
        "IMAP4REV1",
        "ID",
        "ENABLE",
        "IDLE",
        "SORT",
        "SORT=DISPLAY",
        "THREAD=REFERENCES",
        "THREAD=ORDEREDSUBJECT",
        "MULTIAPPEND",
        "UNSELECT",
        "UIDPLUS",
        "LIST-EXTENDED",
        "LIST-STATUS",
        "CONDSTORE",
        "QRESYNC",
        "ESEARCH",
        "BINARY",
        "MOVE",
        "LITERAL+",
        "NAMESPACE",
        "CHILDREN",
    ]
)
_PLACEHOLDER = re.compile(r"<(uid|uids|uidvalidity|modseq)(?: ([^>]*))?>")
_CODE = re.compile(rb"^\[([A-Z0-9.+=-]+)[^\]]*\]")
_NUMBERED = re.compile(rb"^\* (\d+) (EXISTS|RECENT|EXPUNGE|FETCH)\b ?(.*)$", re.DOTALL)
_STATUS = re.compile(rb"^\* STATUS (.+?) \((.*)\)$")
_LIST = re.compile(rb'^\* (LIST|LSUB) \(([^)]*)\) (?:"[^"]*"|NIL) (.+?)(?: \((.*)\))?$')
# LIST attributes compared: Dovecot runs without a special-use config here, so
# \Sent... are pmemail's alone, and \HasChildren/\HasNoChildren are optional.
_LIST_ATTRS = {"\\noselect", "\\noinferiors", "\\subscribed", "\\nonexistent"}
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_MODSEQ = re.compile(rb"\[HIGHESTMODSEQ (\d+)\]|MODSEQ \((\d+)\)")
_EXISTS = re.compile(rb"\* \d+ EXISTS$")
_CONDSTORE_ON = re.compile(r"CONDSTORE|QRESYNC|MODSEQ|CHANGEDSINCE", re.IGNORECASE)
_UNCOMPARED = ("UIDVALIDITY", "HIGHESTMODSEQ", "UIDNEXT", "MODSEQ")


class Transcript:
    """One client's sessions on one server, summarized command by command."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.client = connect_plain(side)
        self.box = ""  # the selected mailbox
        self.names: list[str] = []  # its messages, by sequence number
        self.known: dict[str, dict[int, str]] = {}  # mailbox -> uid -> name, all sessions
        self.saved: dict[str, dict[str, int]] = {}  # mailbox -> uidvalidity, modseq
        self._is_uid = False  # the numbers of the answer being summarized are UIDs
        self.logged_in = False
        self.condstore = False  # the client has used CONDSTORE (or QRESYNC)

    @property
    def uids(self) -> dict[int, str]:
        """UID -> name in the selected mailbox (kept across sessions: QRESYNC)."""
        return self.known.setdefault(self.box, {})

    # -- sending

    def fill(self, line: str) -> str:
        """The line with this server's numbers in place of the placeholders."""
        by_name = {name: uid for uid, name in self.uids.items()}

        def one(m: re.Match[str]) -> str:
            kind, arg = m[1], m[2]
            if kind == "uid":
                return str(by_name[arg])
            if kind == "uids":
                return ",".join(str(by_name[a]) for a in arg.split(","))
            return str(self.saved[arg or "INBOX"][kind])

        return _PLACEHOLDER.sub(one, line)

    def command(self, line: str) -> list[Any]:
        """Send one command (its literals as LITERAL+); its summary."""
        tag = self.client._new_tag()
        self.client.send(tag + b" " + self.fill(line).encode() + b"\r\n")
        return self.finish(tag, line)

    def idle(self, during: Any, until: bytes = b"EXISTS") -> list[Any]:
        """IDLE; ``during()`` (a delivery, another session's change) once it is accepted;
        DONE once a ``* n <until>`` line came."""
        tag = self.client._new_tag()
        self.client.send(tag + b" IDLE\r\n")
        lines = []
        while not (got := read_response_line(self.client)).startswith(b"+"):
            lines.append(got)
        during()
        awaited = re.compile(rb"\* \d+ " + until)
        try:
            while not awaited.match(got := read_response_line(self.client)):
                lines.append(got)
        except TimeoutError:
            raise AssertionError(f"{self.side.label}: no {until!r} in IDLE: {lines}") from None
        lines.append(got)
        self.client.send(b"DONE\r\n")
        return self.finish(tag, "IDLE", lines)

    def finish(self, tag: bytes, line: str, untagged: list[bytes] | None = None) -> list[Any]:
        """Read up to the tagged answer; the command's summary."""
        untagged = untagged or []
        while not (got := read_response_line(self.client)).startswith(tag + b" "):
            untagged.append(got)
        status, _, text = got[len(tag) + 1 :].partition(b" ")
        code = _CODE.match(text)
        if code and code[1] == b"CAPABILITY":  # the same as an untagged CAPABILITY
            untagged.append(b"* " + text[1 : text.index(b"]")])
            code = None
        verb = line.split(" ")
        selecting = verb[0].upper() in ("SELECT", "EXAMINE")
        if selecting:
            self.box, self.names = verb[1].strip('"'), []
        self._remember([*untagged, text])
        lines = self._numbered_first(untagged)
        if verb[0].upper() in ("LOGIN", "AUTHENTICATE") and status == b"OK":
            self.logged_in = True
        if _CONDSTORE_ON.search(line) and status == b"OK":
            self.condstore = True
        if selecting or any(_EXISTS.match(u) for u in untagged):
            self.learn()
        self._is_uid = verb[0].upper() == "UID"
        head = [line.split("\r\n")[0], status.decode(), code[1].decode() if code else None]
        summaries = (self.summarize(u) for u in lines)
        return [*head, *sorted(repr(x) for x in summaries if x is not None)]

    def _remember(self, lines: list[bytes]) -> None:
        """The UIDVALIDITY and the highest mod-sequence seen (HIGHESTMODSEQ codes and
        MODSEQ of FETCH), per mailbox, as a client keeps them for QRESYNC."""
        saved = self.saved.setdefault(self.box, {})
        for u in lines:
            if m := _UIDVALIDITY.search(u):
                saved["uidvalidity"] = int(m[1])
            for m in _MODSEQ.finditer(u):
                saved["modseq"] = max(saved.get("modseq", 0), int(m[1] or m[2]))

    def learn(self) -> None:
        """Name the selected mailbox's messages (an extra FETCH, the same on both sides)."""
        tag = self.client._new_tag()
        self.client.send(tag + b" FETCH 1:* (UID BODY.PEEK[])\r\n")
        names: dict[int, str] = {}
        while not (got := read_response_line(self.client)).startswith(tag + b" "):
            if (m := _NUMBERED.match(got)) and m[2] == b"FETCH":
                fields = parse_fetch([m[1] + b" " + m[3]])[int(m[1])]
                names[int(m[1])] = _name(fields["BODY[]"])
                self.uids[int(fields["UID"])] = names[int(m[1])]
        self.names = [names[n] for n in sorted(names)]

    def _numbered_first(self, untagged: list[bytes]) -> list[Any]:
        """Untagged lines, EXPUNGE and VANISHED turned into names against the mailbox
        as it was before them (in order: each one renumbers the rest)."""
        out: list[Any] = []
        for u in untagged:
            m = _NUMBERED.match(u)
            if m and m[2] == b"EXPUNGE":
                n = int(m[1])
                out.append(("EXPUNGE", self.names.pop(n - 1) if n <= len(self.names) else "?"))
            elif u.startswith(b"* VANISHED"):
                earlier = u.startswith(b"* VANISHED (EARLIER)")
                gone = [self.uids.get(n, "?") for n in _members(u.rsplit(b" ", 1)[1].decode())]
                self.names = [n for n in self.names if n not in gone]
                out.append(("VANISHED", earlier, sorted(gone)))
            else:
                out.append(u)
        return out

    def logout(self) -> list[Any]:
        """LOGOUT (its BYE kept) and a new connection for the next session."""
        summary = self.command("LOGOUT")
        self.client.shutdown()
        self.logged_in = self.condstore = False
        self.client = connect_plain(self.side)
        return summary

    # -- summarizing

    def summarize(self, u: Any) -> Any:
        """One untagged line as compared (see the module docstring)."""
        if not isinstance(u, bytes):
            return u
        if m := _NUMBERED.match(u):
            seq, what = int(m[1]), m[2].decode()
            if what == "FETCH":
                return self._fetch(seq, m[3])
            if what == "RECENT":
                # not compared: Dovecot also tells a new count after expunging a recent
                # message, pmemail only with new mail (\Recent is gone from IMAP4rev2)
                return None
            return (what, seq) if what == "EXISTS" else (what,)
        words = u.split(b" ", 2)
        kind = words[1].decode() if len(words) > 1 else ""
        rest = words[2] if len(words) > 2 else b""
        if kind == "OK":
            return self._ok_code(rest)
        if kind == "CAPABILITY" and not self.logged_in:
            return (kind,)  # before login a server may list less (Dovecot does)
        if kind in ("CAPABILITY", "ENABLED"):
            return (kind, sorted(CLIENT_CAPS & set(rest.decode().upper().split())))
        if kind == "FLAGS":
            return (kind, sorted(rest.decode().strip("()").split()))
        if kind in ("SEARCH", "SORT"):
            numbers = rest.split(b" (MODSEQ")[0].split()
            return (kind, [self._by(int(n)) for n in numbers], b"(MODSEQ" in rest)
        if kind == "ESEARCH":
            return self._esearch(rest)
        if kind == "THREAD":
            return (kind, re.sub(rb"\d+", lambda n: self._by(int(n[0])).encode(), rest))
        if kind == "STATUS" and (m := _STATUS.match(u)):
            return ("STATUS", m[1], self._pairs(m[2]))
        if kind in ("LIST", "LSUB") and (m := _LIST.match(u)):
            attrs = sorted(set(m[2].decode().lower().split()) & _LIST_ATTRS)
            return (kind, m[3], attrs, m[4])
        return (kind,)  # ID, BYE, NAMESPACE, untagged NO/BAD: the kind is compared

    def _by(self, n: int) -> str:
        if self._is_uid:
            return self.uids.get(n, f"uid?{n}")
        return self.names[n - 1] if 0 < n <= len(self.names) else f"seq?{n}"

    def _ok_code(self, rest: bytes) -> Any:
        code = _CODE.match(rest)
        if not code:
            return ("OK",)
        name = code[1].decode()
        if name == "HIGHESTMODSEQ" and not self.condstore:
            # RFC 7162 3.1.2.1 has a CONDSTORE server send it in every SELECT; Dovecot
            # sends it only once the client has used CONDSTORE. Both are fine.
            return None
        if name in ("PERMANENTFLAGS",):
            return (name, sorted(rest[len(name) + 2 :].split(b"]")[0].decode().strip("()").split()))
        if name == "UNSEEN":
            return (name, self._by(int(rest.split(b" ")[1].rstrip(b"]"))))
        return (name,)

    def _pairs(self, text: bytes) -> list[tuple[str, Any]]:
        words = text.decode().split()
        pairs = zip(words[::2], words[1::2], strict=True)
        return sorted((k, "present" if k in _UNCOMPARED else int(v)) for k, v in pairs)

    def _esearch(self, rest: bytes) -> Any:
        words = re.sub(rb'^\(TAG "[^"]*"\) ?', b"", rest).decode().split()
        uid = self._is_uid = words[:1] == ["UID"]
        words = words[1:] if uid else words
        out: dict[str, Any] = {"UID": uid}
        for key, value in zip(words[::2], words[1::2], strict=True):
            if key in ("MIN", "MAX"):
                out[key] = self._by(int(value))
            elif key == "ALL":
                out[key] = sorted(self._by(n) for n in _members(value))
            else:
                out[key] = "present" if key in _UNCOMPARED else int(value)
        return ("ESEARCH", sorted(out.items()))

    def _fetch(self, seq: int, text: bytes) -> Any:
        fields = parse_fetch([b"%d " % seq + text.replace(b"~{", b"{")])[seq]
        name = self.uids.get(int(fields.pop("UID")), "?") if "UID" in fields else self._by(seq)
        out: dict[str, Any] = {}
        for key, value in fields.items():
            if key == "FLAGS":
                out[key] = sorted({str(f) for f in value} - {"\\Recent"})
            elif key in _UNCOMPARED:
                out[key] = "present"
            elif key in NORMALIZERS:
                out[key] = NORMALIZERS[key](value)
            else:
                out[key] = value
        return ("FETCH", name, sorted(out.items(), key=lambda kv: kv[0]))


def connect_plain(side: Side) -> imaplib.IMAP4:
    """A new connection, not logged in (the replayed clients log in themselves)."""
    return imaplib.IMAP4("127.0.0.1", side.port, timeout=10)

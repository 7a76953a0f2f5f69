"""Parse one complete IMAP command into a typed ``Command``.

Pure: bytes in, dataclasses out, ``ParseError`` (-> tagged BAD) for anything
outside the grammar. Mailbox names stay in their wire form (modified UTF-7);
the session decodes them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from mailcore.imap.esearch import RETURN_OPTIONS
from mailcore.imap.grammar import FetchItem, SearchKey, SeqSet, fetch_items, search_program
from mailcore.imap.grammar import seq_set as parse_seq_set
from mailcore.imap.lexer import MONTHS, Cursor, ParseError
from mailcore.imap.qresync import QresyncParams, fetch_modifier, select_params
from mailcore.imap.sort import Criterion, sort_criteria
from mailcore.imap.thread import ALGORITHMS as THREAD_ALGORITHMS

_TAG_EXCLUDE = b"+"
NO_ARGS = {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "CHECK", "CLOSE", "UNSELECT", "EXPUNGE"}
NO_ARGS |= {"IDLE", "NAMESPACE"}
MAILBOX_ARG = {"SELECT", "EXAMINE", "CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE"}
# RFC 5258 (LIST-EXTENDED) selection and return options, with RFC 6154 SPECIAL-USE.
LIST_SELECT = {"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"}
LIST_RETURN = {"SUBSCRIBED", "CHILDREN", "SPECIAL-USE"}
STATUS_ITEMS = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE", "HIGHESTMODSEQ"}


class CommandError(ParseError):
    """A parse error for which the tag is known (so the BAD can be tagged)."""

    def __init__(self, tag: str, message: str) -> None:
        super().__init__(message)
        self.tag = tag


@dataclass
class AppendMessage:
    """One message of APPEND: its flags, internal date, and bytes or spool file."""

    flags: list[str]
    date: datetime.datetime | None
    data: bytes = b""
    file: Path | None = None  # the spooled message (then ``data`` is empty)
    literal8: bool = False  # sent as ``~{n}`` (RFC 3516 4.4)


@dataclass
class Command:
    """A parsed command; only the fields of its kind are set."""

    tag: str
    name: str
    uid: bool = False
    mailbox: str = ""
    mailbox2: str = ""
    user: bytes = b""
    password: bytes = b""
    mechanism: str = ""  # AUTHENTICATE's mechanism, THREAD's algorithm
    initial: bytes | None = None
    seqset: SeqSet | None = None
    fetch: list[FetchItem] = field(default_factory=list)
    search: SearchKey | None = None
    charset: str = ""
    store_mode: str = ""
    silent: bool = False
    flags: list[str] = field(default_factory=list)
    messages: list[AppendMessage] = field(default_factory=list)  # APPEND (MULTIAPPEND: several)
    items: list[str] = field(default_factory=list)
    id_params: dict[str, str | None] | None = None
    modseq: int | None = None  # CONDSTORE: FETCH (CHANGEDSINCE n) / STORE (UNCHANGEDSINCE n)
    qresync: QresyncParams | None = None  # SELECT/EXAMINE (QRESYNC (...)), RFC 7162 3.2.5
    # LIST/LSUB: the patterns; ``items`` holds the selection options, ``flags`` the
    # RETURN options; ``extended`` when any RFC 5258 syntax was used.
    patterns: list[str] = field(default_factory=list)
    extended: bool = False
    status_items: list[str] = field(default_factory=list)  # RETURN (STATUS (...)), RFC 5819
    search_return: list[str] | None = None  # SEARCH RETURN (...): answer ESEARCH (RFC 4731)
    sort: list[Criterion] = field(default_factory=list)  # SORT criteria, RFC 5256


def parse_tag(data: bytes) -> str:
    """The tag of a (possibly unparsable) command, or ``*`` when there is none."""
    c = Cursor(data)
    raw = c.read_while(extra=b"]")
    if not raw or _TAG_EXCLUDE in raw:
        return "*"
    return raw.decode("ascii")


def parse_command(data: bytes, spooled: dict[int, Path] | None = None) -> Command:
    """Parse ``data`` (one command without its final CRLF; ``spooled`` literals as
    described in ``mailcore.imap.reader.RawCommand``).

    Raises:
        ParseError: no usable tag.
        CommandError: the tag is known but the rest is wrong.
    """
    tag = parse_tag(data)
    if tag == "*":
        raise ParseError("missing or invalid tag")
    c = Cursor(data, spooled)
    c.pos = len(tag)
    try:
        c.sp()
        name = c.atom("command name").upper()
        cmd = Command(tag, name)
        if name == "UID":
            c.sp()
            sub = c.atom("UID command").upper()
            if sub not in ("FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE", "SORT", "THREAD"):
                raise ParseError(f"unknown UID command {sub}")
            cmd.name, cmd.uid = sub, True
        _parse_args(c, cmd)
        c.end()
        return cmd
    except ParseError as exc:
        raise CommandError(tag, str(exc)) from None


def _mailbox(c: Cursor) -> str:
    raw = c.astring("mailbox name")
    return c.text(raw, "mailbox name")


def _parse_args(c: Cursor, cmd: Command) -> None:
    name = cmd.name
    if name in NO_ARGS and not cmd.uid:
        return
    if name in MAILBOX_ARG:
        c.sp()
        cmd.mailbox = _mailbox(c)
        if name in ("SELECT", "EXAMINE") and c.peek() == 0x20:
            c.sp()
            cmd.items, cmd.qresync = select_params(c)
    elif name == "LOGIN":
        c.sp()
        cmd.user = c.astring("user name")
        c.sp()
        cmd.password = c.astring("password")
    elif name == "AUTHENTICATE":
        c.sp()
        cmd.mechanism = c.atom("mechanism").upper()
        if c.peek() == 0x20:
            c.sp()
            cmd.initial = b"" if c.accept(b"=") else c.atom("initial response").encode()
    elif name == "RENAME":
        c.sp()
        cmd.mailbox = _mailbox(c)
        c.sp()
        cmd.mailbox2 = _mailbox(c)
    elif name in ("LIST", "LSUB"):
        _parse_list(c, cmd)
    elif name == "STATUS":
        c.sp()
        cmd.mailbox = _mailbox(c)
        c.sp()
        cmd.items = _status_items(c)
    elif name == "APPEND":
        _parse_append(c, cmd)
    elif name == "SEARCH":
        c.sp()
        if c.accept(b"RETURN "):  # RFC 4731 3.1: before CHARSET, as RFC 4466 2.6.1 puts it
            cmd.search_return = _search_return(c)
            c.sp()
        if c.accept(b"CHARSET "):
            cmd.charset = c.text(c.astring("charset"), "charset").upper()
            c.sp()
        cmd.search = search_program(c)
    elif name in ("SORT", "THREAD"):  # RFC 5256: the charset is not optional here
        c.sp()
        if name == "SORT":
            cmd.sort = sort_criteria(c)
        else:
            cmd.mechanism = c.atom("thread algorithm").upper()
            if cmd.mechanism not in THREAD_ALGORITHMS:
                raise ParseError(f"unknown thread algorithm {cmd.mechanism}")
        c.sp()
        cmd.charset = c.text(c.astring("charset"), "charset").upper()
        c.sp()
        cmd.search = search_program(c)
    elif name == "FETCH":
        c.sp()
        cmd.seqset = parse_seq_set(c)
        c.sp()
        cmd.fetch = fetch_items(c)
        if c.peek() == 0x20:
            c.sp()
            cmd.modseq, cmd.items = fetch_modifier(c)  # items: ["VANISHED"] or []
    elif name == "STORE":
        _parse_store(c, cmd)
    elif name in ("COPY", "MOVE"):
        c.sp()
        cmd.seqset = parse_seq_set(c)
        c.sp()
        cmd.mailbox = _mailbox(c)
    elif name == "EXPUNGE":  # UID EXPUNGE
        c.sp()
        cmd.seqset = parse_seq_set(c)
    elif name == "ENABLE":
        while c.peek() == 0x20:
            c.sp()
            cmd.items.append(c.atom("capability").upper())
        if not cmd.items:
            raise ParseError("ENABLE needs at least one capability")
    elif name == "ID":
        c.sp()
        cmd.id_params = _parse_id(c)
    else:
        raise ParseError(f"unknown command {name}")


def _parse_list(c: Cursor, cmd: Command) -> None:
    """LIST/LSUB, with RFC 5258's selection options, pattern list and RETURN options."""
    c.sp()
    if cmd.name == "LIST" and c.peek() == 0x28:
        cmd.items = _options(c, LIST_SELECT, "selection")
        # RFC 5258 3: RECURSIVEMATCH alone (or with REMOTE only) MUST get BAD.
        if "RECURSIVEMATCH" in cmd.items and not {"SUBSCRIBED", "SPECIAL-USE"} & set(cmd.items):
            raise ParseError("RECURSIVEMATCH needs another selection option")
        cmd.extended = True
        c.sp()
    cmd.mailbox = _mailbox(c)
    c.sp()
    if cmd.name == "LIST" and c.peek() == 0x28:
        c.pos += 1
        cmd.patterns.append(_list_pattern(c))
        while not c.accept(b")"):
            c.sp()
            cmd.patterns.append(_list_pattern(c))
        cmd.extended = True
    else:
        cmd.patterns.append(_list_pattern(c))
    if c.peek() == 0x20 and cmd.name == "LIST":
        c.sp()
        c.expect(b"RETURN ", "RETURN")
        _return_options(c, cmd)
        cmd.extended = True


def _return_options(c: Cursor, cmd: Command) -> None:
    """``(CHILDREN SUBSCRIBED STATUS (MESSAGES UNSEEN) ...)``: RFC 5258 and RFC 5819."""
    c.expect(b"(", "(")
    while not c.accept(b")"):
        if cmd.flags or cmd.status_items:
            c.sp()
        option = c.atom("RETURN option").upper()
        if option == "STATUS":
            c.sp()
            cmd.status_items = _status_items(c)
        elif option in LIST_RETURN:
            cmd.flags.append(option)
        else:
            raise ParseError(f"unknown LIST RETURN option {option}")


def _search_return(c: Cursor) -> list[str]:
    """``(MIN MAX ALL COUNT)`` in any order, ``()`` meaning ALL; anything else is BAD."""
    options = [o.decode("ascii", "replace").upper() for o in c.list_of("astring")]
    unknown = [o for o in options if o not in RETURN_OPTIONS]
    if unknown:
        raise ParseError(f"unknown SEARCH return option {unknown[0]}")
    return options


def _status_items(c: Cursor) -> list[str]:
    items = [i.decode("ascii", "replace").upper() for i in c.list_of("astring")]
    bad = [i for i in items if i not in STATUS_ITEMS]
    if bad or not items:
        raise ParseError(f"bad STATUS item {bad[0] if bad else '(empty)'}")
    return items


def _list_pattern(c: Cursor) -> str:
    raw = c.string() if c.peek() in (0x22, 0x7B) else c.read_while(extra=b"%*]")
    return c.text(raw, "list pattern")


def _options(c: Cursor, known: set[str], what: str) -> list[str]:
    """A parenthesized option list; an unknown option is a BAD (RFC 5258 3)."""
    options = [i.decode("ascii", "replace").upper() for i in c.list_of("astring")]
    unknown = [o for o in options if o not in known]
    if unknown:
        raise ParseError(f"unknown LIST {what} option {unknown[0]}")
    return options


def _parse_store(c: Cursor, cmd: Command) -> None:
    c.sp()
    cmd.seqset = parse_seq_set(c)
    c.sp()
    if c.peek() == 0x28:
        cmd.modseq = _modifier(c, b"UNCHANGEDSINCE")
        c.sp()
    word = c.atom("store item").upper()
    mode = {"FLAGS": "set", "+FLAGS": "add", "-FLAGS": "remove"}
    base, _, silent = word.partition(".")
    if base not in mode or silent not in ("", "SILENT"):
        raise ParseError(f"bad store item {word}")
    cmd.store_mode, cmd.silent = mode[base], bool(silent)
    c.sp()
    cmd.flags = _flag_list(c)


def _modifier(c: Cursor, name: bytes) -> int:
    """``(CHANGEDSINCE n)`` / ``(UNCHANGEDSINCE n)`` (RFC 7162)."""
    c.expect(b"(", "(")
    if not c.accept(name + b" "):
        raise ParseError(f"expected {name.decode()}")
    value = c.number("mod-sequence")
    c.expect(b")", ")")
    return value


def _flag_list(c: Cursor) -> list[str]:
    if c.peek() == 0x28:
        return [f.decode() for f in c.list_of("flag")]
    flags = [c.flag()]
    while c.peek() == 0x20:
        c.sp()
        flags.append(c.flag())
    return flags


def _parse_append(c: Cursor, cmd: Command) -> None:
    """``APPEND mailbox [(flags)] ["date"] literal`` and, for MULTIAPPEND (RFC 3502),
    more ``[(flags)] ["date"] literal`` groups after it, each after one space."""
    c.sp()
    cmd.mailbox = _mailbox(c)
    while c.peek() == 0x20:
        c.sp()
        flags: list[str] = []
        date = None
        if c.peek() == 0x28:
            flags = [f.decode() for f in c.list_of("flag")]
            c.sp()
        if c.peek() == 0x22:
            date = parse_datetime(c.quoted())
            c.sp()
        literal8 = c.accept(b"~")  # RFC 3516 4.4
        message = c.literal_or_file()
        if isinstance(message, Path):
            cmd.messages.append(AppendMessage(flags, date, file=message, literal8=literal8))
        else:
            cmd.messages.append(AppendMessage(flags, date, data=message, literal8=literal8))
    if not cmd.messages:
        raise ParseError("missing argument")


def parse_datetime(raw: bytes) -> datetime.datetime:
    """``"dd-Mon-yyyy hh:mm:ss +zzzz"`` (day may be space-padded)."""
    text = raw.decode("ascii", "replace").strip()
    try:
        date, time, zone = text.split(" ")
        day, mon, year = date.split("-")
        hh, mm, ss = (int(x) for x in time.split(":"))
        sign = -1 if zone[0] == "-" else 1
        if zone[0] not in "+-" or len(zone) != 5:
            raise ValueError(zone)
        offset = sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        return datetime.datetime(
            int(year),
            MONTHS.index(mon.capitalize()) + 1,
            int(day),
            hh,
            mm,
            ss,
            tzinfo=datetime.timezone(offset),
        )
    except (ValueError, IndexError):
        raise ParseError('bad date-time (expected "17-Jul-1996 02:44:25 -0700")') from None


def _parse_id(c: Cursor) -> dict[str, str | None] | None:
    if c.accept(b"NIL"):
        return None
    c.expect(b"(", "(")
    out: dict[str, str | None] = {}
    while not c.accept(b")"):
        if out:
            c.sp()
        key = c.text(c.string(), "ID key")
        c.sp()
        value = c.nstring()
        out[key] = None if value is None else value.decode("utf-8", "replace")
        if len(out) > 30:
            raise ParseError("too many ID parameters")
    return out

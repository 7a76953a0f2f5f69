"""LIST and LSUB: RFC 3501 6.3.8-6.3.9 with LIST-EXTENDED (RFC 5258), CHILDREN
(RFC 3348), SPECIAL-USE (RFC 6154) and LIST-STATUS (RFC 5819).

The answer is computed over two sets of names: the folders that exist and the
subscription list, which may name folders deleted since. A parent that is not
itself listed is still answered (``\\Noselect``, or ``\\NonExistent`` in the
extended syntax) when a pattern reaches it but hides the descendant that made
it interesting, as RFC 3501 asks of LSUB and RFC 5258 of RECURSIVEMATCH.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

from mailcore.imap.errors import No
from mailcore.imap.mailbox_cmds import mailbox_name, send_status
from mailcore.mailstore import DELIMITER, INBOX, Mailbox
from mailcore.mailstore.names import mutf7_encode

if TYPE_CHECKING:
    from mailcore.imap.commands import Command
    from mailcore.imap.session import Handler, ImapSession


def _pattern(reference: str, pattern: str) -> re.Pattern[str]:
    full = reference + pattern
    if full.upper().startswith(INBOX):  # INBOX is case-insensitive
        full = INBOX + full[len(INBOX) :]
    regex = "".join(".*" if ch == "*" else r"[^.]*" if ch == "%" else re.escape(ch) for ch in full)
    return re.compile(regex + r"\Z")


def _ancestors(name: str) -> list[str]:
    parts = name.split(DELIMITER)
    return [DELIMITER.join(parts[:i]) for i in range(1, len(parts))]


async def cmd_list(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """LIST / LSUB."""
    assert s.mailbox is not None
    lsub = cmd.name == "LSUB"
    if cmd.patterns == [""] and not cmd.extended:
        # RFC 3501 6.3.8: an empty pattern asks for the delimiter and the root.
        if not lsub:
            s.send(f'* LIST (\\Noselect) "{DELIMITER}" ""\r\n'.encode())
        return f"{cmd.name} completed", ""
    for wire, attrs, childinfo in _answer(s.mailbox, cmd):
        line = f'* {cmd.name} ({" ".join(attrs)}) "{DELIMITER}" '.encode() + mailbox_name(wire)
        if childinfo:
            line += b' (CHILDINFO ("SUBSCRIBED"))'
        s.send(line + b"\r\n")
        if cmd.status_items and "\\NonExistent" not in attrs and "\\Noselect" not in attrs:
            # RFC 5819: a STATUS after the LIST line of each selectable mailbox; one
            # that vanished meanwhile is skipped rather than failing the LIST.
            with contextlib.suppress(No):
                await send_status(s, wire, cmd.status_items)
    return f"{cmd.name} completed", ""


def _answer(box: Mailbox, cmd: Command) -> list[tuple[str, list[str], bool]]:
    """(wire name, attributes, CHILDINFO SUBSCRIBED) for each mailbox to answer."""
    lsub = cmd.name == "LSUB"
    matchers = [_pattern(cmd.mailbox, p) for p in cmd.patterns if p]

    def matches(wire: str) -> bool:
        return any(m.match(wire) for m in matchers)

    folders = {info.name: info for info in box.list_folders()}
    subscribed = box.subscriptions()
    by_subscription = lsub or "SUBSCRIBED" in cmd.items
    selected = subscribed if by_subscription else set(folders)
    if "SPECIAL-USE" in cmd.items:
        selected = {n for n in selected if n in folders and folders[n].special_use}
    has_children = set().union(*(_ancestors(n) for n in folders))
    # Parents answered for a hidden descendant: LSUB always (RFC 3501 6.3.9), LIST
    # with RECURSIVEMATCH (RFC 5258 3.5), and plain LIST for the implied parents
    # of existing folders (a ``%`` must show the level that holds them). Special-use
    # folders are all top-level, so only subscriptions ever make such parents and
    # CHILDINFO always says "SUBSCRIBED".
    hidden_parents: set[str] = set()
    if lsub or "RECURSIVEMATCH" in cmd.items:
        for name in selected:
            if not matches(mutf7_encode(name)):
                hidden_parents.update(_ancestors(name))
    candidates = selected | hidden_parents
    if not by_subscription and "SPECIAL-USE" not in cmd.items:
        candidates |= set(folders) | has_children
    show_subscribed = not lsub and (by_subscription or "SUBSCRIBED" in cmd.flags)
    out = []
    for name in sorted(candidates, key=lambda n: (n != INBOX, n)):
        wire = mutf7_encode(name)
        if not matches(wire):
            continue
        info = folders.get(name)
        attrs = []
        if lsub:
            if name not in subscribed:
                attrs.append("\\Noselect")  # RFC 3501 6.3.9: listed only for its child
        elif info is None:
            # RFC 5258 3: \NonExistent (which implies \Noselect) in the extended syntax
            attrs.append("\\NonExistent" if cmd.extended else "\\Noselect")
        if show_subscribed and name in subscribed:
            attrs.append("\\Subscribed")
        if not lsub or info is not None:
            attrs.append("\\HasChildren" if name in has_children else "\\HasNoChildren")
        if info is not None and info.special_use and not lsub:
            attrs.append(info.special_use)
        # RFC 5258 4: CHILDINFO says a descendant matches the selection criteria; with
        # RECURSIVEMATCH it is told for every mailbox answered, hidden parent or not
        # (as Dovecot: a subscribed "a" with a subscribed "a.b" gets it too).
        childinfo = not lsub and (
            name in hidden_parents
            or (
                "RECURSIVEMATCH" in cmd.items
                and any(n.startswith(name + DELIMITER) for n in selected)
            )
        )
        out.append((wire, attrs, childinfo))
    return out


HANDLERS: dict[str, Handler] = {"LIST": cmd_list, "LSUB": cmd_list}

"""RFC 5256 THREAD=ORDEREDSUBJECT and THREAD=REFERENCES over SEARCH's candidates.

Pure: ``ordered_subject``/``references`` build a forest of ``Node``s (a node
without a message is a "dummy"), ``render`` writes the ``* THREAD`` data.
"Sent date" is the DATE sort key with ties in mailbox order (RFC 5256 2.2);
subjects are base subjects compared as SORT compares them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from mailcore.imap.search import Candidate
from mailcore.imap.sort import collate, message_subject, sent_date

ALGORITHMS = frozenset({"ORDEREDSUBJECT", "REFERENCES"})
_MSG_ID = re.compile(rb"<([^<>@\s]+@[^<>\s]+)>")


class Node:
    """A message (``cand``) or a dummy (``cand`` None) and its children."""

    __slots__ = ("cand", "children", "parent")

    def __init__(self, cand: Candidate | None = None) -> None:
        self.cand = cand
        self.parent: Node | None = None
        self.children: list[Node] = []


def _date(c: Candidate) -> tuple[float, int]:
    return sent_date(c), c.seq


def _subject(c: Candidate) -> str:
    return collate(message_subject(c)[0])


def ordered_subject(found: list[Candidate]) -> list[Node]:
    """Group by base subject; in each group the earliest message is the parent of all
    the others, which are siblings; threads in the order of their first message."""
    ordered = sorted(found, key=lambda c: (_subject(c), *_date(c)))
    roots = []
    for _, group in itertools.groupby(ordered, key=_subject):
        first, *rest = group
        root = Node(first)
        root.children = [Node(c) for c in rest]
        roots.append(root)
    roots.sort(key=lambda n: _date(n.cand))  # type: ignore[arg-type]
    return roots


def _ids(raw: bytes | None) -> list[str]:
    return [m.decode("utf-8", "replace") for m in _MSG_ID.findall(raw or b"")]


def _is_ancestor(node: Node, of: Node) -> bool:
    """Whether ``node`` is ``of`` or one of its ancestors (a link would make a loop)."""
    walk: Node | None = of
    while walk is not None:
        if walk is node:
            return True
        walk = walk.parent
    return False


def _link(parent: Node, child: Node) -> None:
    if child.parent is not None:
        child.parent.children.remove(child)
    child.parent = parent
    parent.children.append(child)


def references(found: list[Candidate]) -> list[Node]:
    """RFC 5256 THREAD=REFERENCES, steps 1 to 6."""
    table: dict[str, Node] = {}
    nodes: list[Node] = []
    for c in found:  # (1) link by Message-ID and References / In-Reply-To
        own = _ids(c.header("message-id"))[:1]
        node = table.get(own[0]) if own else None
        if node is None or node.cand is not None:  # new, or a duplicate id: unique
            node = Node()
            if own and own[0] not in table:
                table[own[0]] = node
        node.cand = c
        nodes.append(node)
        refs = _ids(c.header("references")) or _ids(c.header("in-reply-to"))[:1]
        prev: Node | None = None
        for ref in refs:  # (1B) each reference the child of the one before it
            cur = table.setdefault(ref, Node())
            if prev is not None and cur.parent is None and not _is_ancestor(cur, prev):
                _link(prev, cur)
            prev = cur
        # (1C) the message is the child of its last reference: a parent that other
        # messages' References gave it is broken first, even when the new link is then
        # refused for making a loop, and also when it has no references (as Dovecot)
        if node.parent is not None and node.parent is not prev:
            node.parent.children.remove(node)
            node.parent = None
        if prev is not None and not _is_ancestor(node, prev):
            _link(prev, node)
    everything = {id(n): n for n in (*table.values(), *nodes)}
    roots = [n for n in everything.values() if n.parent is None]  # (2)
    roots = _prune(roots)  # (3)
    _sort_tree(roots)  # (4) top level by sent date (and the rest already, as (6) will)
    roots = _merge_subjects(roots)  # (5)
    _sort_tree(roots)  # (6) every set of siblings by sent date
    return roots


def _prune(roots: list[Node]) -> list[Node]:
    """(3) Dummies go: without children deleted, with children replaced by them,
    except a dummy at the top with more than one child. Without recursion: a thread
    can be thousands of replies deep."""
    for n in reversed(_preorder(roots)):  # children before their parents
        kept: list[Node] = []
        for child in n.children:
            if child.cand is None:
                kept.extend(child.children)  # already pruned: no dummies among them
            else:
                kept.append(child)
        n.children = kept
        for child in kept:
            child.parent = n
    out: list[Node] = []
    for n in roots:
        if n.cand is None and len(n.children) != 1 and n.children:
            out.append(n)
        elif n.cand is None:
            out.extend(n.children)
        else:
            out.append(n)
    return out


def _preorder(roots: list[Node]) -> list[Node]:
    out: list[Node] = []
    stack = list(roots)
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def _sort_tree(roots: list[Node]) -> None:
    """Every set of siblings by sent date; a dummy's date is its first child's."""
    dates: dict[int, tuple[float, int]] = {}
    for n in reversed(_preorder(roots)):
        n.children.sort(key=lambda child: dates[id(child)])
        first = n.cand if n.cand is not None else n.children[0].cand
        assert first is not None
        dates[id(n)] = _date(first)
    roots.sort(key=lambda n: dates[id(n)])


def _info(n: Node) -> tuple[str, bool]:
    c = n.cand if n.cand is not None else n.children[0].cand
    assert c is not None
    base, reply = message_subject(c)
    return collate(base), reply


def _merge_subjects(roots: list[Node]) -> list[Node]:
    """(5) Top-level threads of the same base subject become one."""
    table: dict[str, Node] = {}
    for n in roots:  # (5B) which container stands for each subject
        subject, reply = _info(n)
        if not subject:
            continue
        old = table.get(subject)
        if (
            old is None
            or (n.cand is None and old.cand is not None)
            or (old.cand is not None and n.cand is not None and _info(old)[1] and not reply)
        ):
            table[subject] = n
    gone: set[int] = set()
    stands_for: dict[int, Node] = {}
    for n in roots:  # (5C) merge each other container into the table's one
        subject, reply = _info(n)
        old = table.get(subject) if subject else None
        if old is None or old is n or id(n) in stands_for:
            continue  # a container already wrapped in a dummy is in it
        gone.add(id(n))
        if old.cand is None and n.cand is None:
            old.children.extend(n.children)
        elif old.cand is None or (reply and not _info(old)[1]):
            old.children.append(n)  # into the dummy, or a "Re:" under its original
        else:  # both alike: siblings under a new dummy, which takes old's place
            dummy = Node()
            dummy.children = [old, n]
            stands_for[id(old)] = dummy
            table[subject] = dummy
    return [stands_for.get(id(n), n) for n in roots if id(n) not in gone]


def render(roots: list[Node], number: Callable[[Candidate], int]) -> bytes:
    """The thread-list data of ``* THREAD`` (RFC 5256 4): a chain is ``(1 2 3)``, a
    parent of several ``(1 (2)(3))``, a dummy's children stand without a parent."""
    return b"".join(b"(" + _members(n, number) + b")" for n in roots)


def _members(root: Node, number: Callable[[Candidate], int]) -> bytes:
    """One thread's members, without recursion (a thread can be very deep)."""
    out = bytearray()
    stack: list[Node | bytes] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, bytes):
            out += item
            continue
        if item.cand is not None:
            out += b"%d" % number(item.cand)
            if item.children:
                out += b" "
        if len(item.children) == 1:  # a chain goes on without parentheses
            stack.append(item.children[0])
            continue
        for child in reversed(item.children):
            stack += [b")", child, b"("]
    return bytes(out)

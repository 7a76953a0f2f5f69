"""THREAD (RFC 5256) from the RFC text: the thread-list syntax of section 4, the
ORDEREDSUBJECT and REFERENCES algorithms of section 3 on small hand-made mailboxes."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from mailcore import mime
from mailcore.imap.commands import CommandError, parse_command
from mailcore.imap.search import Candidate
from mailcore.imap.sort import subject_info
from mailcore.imap.thread import Node, ordered_subject, references, render
from mailcore.mailstore import MessageRecord


def _mailbox(*messages: tuple[str, str, int, str]) -> list[Candidate]:
    """Candidates numbered 1.. from (message-id, subject, day of May 2023, extra headers)."""
    out = []
    for seq, (mid, subject, day, extra) in enumerate(messages, 1):
        raw = (
            (f"Message-ID: {mid}\n" if mid else "")
            + f"Subject: {subject}\nDate: {day:02d} May 2023 12:00:00 +0000\n{extra}\nbody\n"
        ).encode()
        rec = MessageRecord(seq, f"cur/{seq}", frozenset(), len(raw), 1_700_000_000.0 + seq)
        part = mime.parse_bytes(raw)
        load = functools.partial(_same, part)
        out.append(Candidate(seq, rec, len(messages), len(messages), load, Path))
    return out


def _same(part: mime.Part) -> mime.Part:
    return part


def _seq(c: Candidate) -> int:
    return c.seq


def test_thread_list_syntax() -> None:
    """RFC 5256 4: the example ``(2)(3 6 (4 23)(44 7 96))``."""

    def node(n: int, *children: Node) -> Node:
        got = Node(_mailbox(*[("", "s", 1, "")] * 96)[n - 1])
        got.children = list(children)
        return got

    roots = [node(2), node(3, node(6, node(4, node(23)), node(44, node(7, node(96)))))]
    assert render(roots, _seq) == b"(2)(3 6 (4 23)(44 7 96))"
    dummy = Node()
    dummy.children = [node(1), node(2)]
    assert render([dummy], _seq) == b"((1)(2))"


def test_reply_or_forward_subjects() -> None:
    """The "Re:" test of REFERENCES step 5: a subj-refwd, "(fwd)" or "[fwd: ]" removed."""
    assert subject_info("Re: x") == ("x", True)
    assert subject_info("x (fwd)") == ("x", True)
    assert subject_info("[fwd: x]") == ("x", True)
    assert subject_info("[tag] x") == ("x", False)
    assert subject_info("x") == ("x", False)


def test_ordered_subject() -> None:
    """Grouped by base subject; the earliest is the parent of the others (siblings);
    threads ordered by their first message's sent date."""
    box = _mailbox(
        ("", "Re: b", 4, ""),
        ("", "b", 3, ""),
        ("", "a", 5, ""),
        ("", "B", 6, ""),
        ("", "Re: a", 1, ""),
    )
    assert render(ordered_subject(box), _seq) == b"(5 3)(2 (1)(4))"


def test_references_links_prunes_and_merges() -> None:
    """Step 1 links by References (or In-Reply-To), step 3 drops a dummy parent with one
    child, a dummy at the top with two stays, step 5 puts a "Re:" thread under the
    thread of its base subject, and siblings are ordered by sent date."""
    box = _mailbox(
        ("<a@x>", "Plan", 1, ""),
        ("<b@x>", "Re: Plan", 3, "References: <a@x>\n"),
        ("<c@x>", "Re: Plan", 2, "In-Reply-To: <a@x>\n"),
        ("<d@x>", "Re: Lost", 4, "References: <gone@x>\n"),
        ("<e@x>", "Re: Plan", 5, "References: <nowhere@x>\n"),
        ("<f@x>", "Two", 6, "References: <ghost@x>\n"),
        ("<g@x>", "Three", 7, "References: <ghost@x>\n"),
    )
    assert render(references(box), _seq) == b"(1 (3)(2)(5))(4)((6)(7))"


def test_references_loop_and_duplicate_id() -> None:
    """A message's own References decide its parent: the link another message's
    References made is broken first (step 1C), and a link to itself is never made, so
    the loop g <-> h ends with both at the top; a duplicate Message-ID counts as none
    (the first message keeps it)."""
    box = _mailbox(
        ("<g@x>", "Loop", 1, "References: <h@x> <g@x>\n"),
        ("<h@x>", "Other", 2, "References: <g@x> <h@x>\n"),
        ("<g@x>", "Dup", 3, ""),
        ("<i@x>", "Child", 4, "References: <g@x>\n"),
    )
    assert render(references(box), _seq) == b"(1 4)(2)(3)"


def test_thread_grammar() -> None:
    """``THREAD algorithm charset search``; an unknown algorithm is BAD."""
    cmd = parse_command(b"a UID THREAD references UTF-8 SUBJECT x")
    assert (cmd.name, cmd.uid, cmd.mechanism, cmd.charset) == (
        "THREAD",
        True,
        "REFERENCES",
        "UTF-8",
    )
    for bad in [b"a THREAD X UTF-8 ALL", b"a THREAD REFERENCES ALL", b"a THREAD REFERENCES UTF-8"]:
        with pytest.raises(CommandError):
            parse_command(bad)


def test_a_very_deep_thread() -> None:
    """A chain of 3,000 replies (deeper than Python's recursion limit) is threaded and
    written as one chain (no RecursionError, so no BAD)."""
    n = 3000
    box = _mailbox(
        *[
            (f"<m{i}@x>", "Re: deep", 1, f"In-Reply-To: <m{i - 1}@x>\n" if i > 1 else "")
            for i in range(1, n + 1)
        ]
    )
    expected = b"(" + b" ".join(b"%d" % i for i in range(1, n + 1)) + b")"
    assert render(references(box), _seq) == expected
    assert render(ordered_subject(box), _seq).startswith(b"(1 (2)(3)")

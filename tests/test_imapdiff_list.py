"""Differential tests of subscriptions and LIST-EXTENDED (RFC 3501 6.3.6-6.3.9,
RFC 5258), pmemail vs Dovecot.

Same setup as ``test_imapdiff_mailboxes`` (``test_imapdiff_harness``). The
tests run in file order on one pair of servers and use names under ``d`` only:
pmemail subscribes the folders it makes itself (INBOX, Sent...), Dovecot here
has none. Every level of the hierarchy is created explicitly, since Dovecot
leaves the parents a CREATE implies as \\NonExistent where pmemail makes folders.
Compared: the names, the selection attributes (\\Noselect, \\NonExistent,
\\Subscribed, children when asked for) and the extended data (CHILDINFO).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.test_imapdiff_harness import SKIP_WITHOUT_DOVECOT, Side, open_sides

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
_LINE = re.compile(rb'^(?:LIST|LSUB) \((?P<attrs>[^)]*)\) "\." (?P<name>\S+)(?P<ext> \(.*\))?$')
_COMPARED = {"\\noselect", "\\nonexistent", "\\subscribed"}
_CHILDREN = {"\\haschildren", "\\hasnochildren"}


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    """Fresh servers: this module changes the mailboxes."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-list")) as pair:
        yield pair


def _answer(side: Side, line: str, children: bool = False) -> tuple[bytes, list[tuple[str, ...]]]:
    status, _, untagged = side.raw(line)
    out = []
    for got in untagged:
        m = _LINE.match(got.removeprefix(b"* "))
        if m is None:
            continue  # EXISTS/FETCH from the corpus selection
        keep = _COMPARED | (_CHILDREN if children else set())
        attrs = sorted(a for a in m["attrs"].decode().lower().split() if a in keep)
        out.append((m["name"].decode(), " ".join(attrs), (m["ext"] or b"").decode().strip()))
    return status, sorted(out)


def _same(sides: Sides, line: str, children: bool = False) -> list[tuple[str, ...]]:
    ours, theirs = (_answer(side, line, children) for side in sides)
    assert ours == theirs, line
    return ours[1]


def _both(sides: Sides, *lines: str) -> None:
    for line in lines:
        for side in sides:
            status, text, _ = side.raw(line)
            assert status == b"OK", (side.label, line, text)


def test_create_does_not_subscribe(sides: Sides) -> None:
    """Dovecot subscribes nothing on CREATE; neither the folder nor its parents."""
    _both(sides, "CREATE d", "CREATE d.e", "CREATE d.e.f", "CREATE d.g")
    assert _same(sides, 'LSUB "" d*') == []
    assert _same(sides, 'LIST (SUBSCRIBED) "" d*') == []


def test_lsub_percent_parent(sides: Sides) -> None:
    """RFC 3501 6.3.9: the unsubscribed parent of a hidden subscribed child, \\Noselect."""
    _both(sides, "SUBSCRIBE d.e.f")
    assert _same(sides, 'LSUB "" d.%') == [("d.e", "\\noselect", "")]
    assert _same(sides, 'LSUB "" d%') == [("d", "\\noselect", "")]
    assert _same(sides, 'LSUB "" d*') == [("d.e.f", "", "")]


def test_recursivematch(sides: Sides) -> None:
    """RFC 5258 3.5: CHILDINFO ("SUBSCRIBED") on a parent hiding a subscribed child."""
    got = _same(sides, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" d.%')
    assert got == [("d.e", "", '(CHILDINFO ("SUBSCRIBED"))')]
    _same(sides, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" d*')
    _same(sides, 'LIST (SUBSCRIBED) "" d.%')


def test_recursivematch_on_a_matching_parent(sides: Sides) -> None:
    """RFC 5258 4: CHILDINFO on a subscribed parent too, when a subscribed descendant
    exists (found by the Thunderbird folder replay, ``test_imapdiff_replay``)."""
    _both(sides, "CREATE r", "CREATE r.s", "SUBSCRIBE r", "SUBSCRIBE r.s")
    got = _same(sides, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" r*')
    assert got == [("r", "\\subscribed", '(CHILDINFO ("SUBSCRIBED"))'), ("r.s", "\\subscribed", "")]
    _both(sides, "UNSUBSCRIBE r", "UNSUBSCRIBE r.s")


def test_multiple_patterns_and_return(sides: Sides) -> None:
    """RFC 5258 3: a pattern list; RETURN (SUBSCRIBED) and RETURN (CHILDREN)."""
    assert len(_same(sides, 'LIST "" (d.g d.e*)')) == 3
    _same(sides, 'LIST "" d.% RETURN (SUBSCRIBED)')
    _same(sides, 'LIST "" d* RETURN (CHILDREN)', children=True)
    _same(sides, 'LIST (SUBSCRIBED) "" d* RETURN (CHILDREN)', children=True)


def test_deleted_stays_subscribed(sides: Sides) -> None:
    """RFC 3501 6.3.6: DELETE leaves the subscription; RFC 5258: \\NonExistent."""
    _both(sides, "DELETE d.e.f")
    assert _same(sides, 'LIST (SUBSCRIBED) "" d*') == [("d.e.f", "\\nonexistent \\subscribed", "")]
    assert _same(sides, 'LSUB "" d*') == [("d.e.f", "", "")]
    _same(sides, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" d.%')
    _both(sides, "UNSUBSCRIBE d.e.f")
    assert _same(sides, 'LSUB "" d*') == []


@pytest.mark.parametrize(
    "line",
    [
        'LIST (RECURSIVEMATCH) "" %',
        'LIST (REMOTE RECURSIVEMATCH) "" %',
        'LIST (BOGUS) "" %',
        'LIST "" % RETURN (BOGUS)',
        'LIST "" (d',
    ],
)
def test_bad_options(sides: Sides, line: str) -> None:
    """RFC 5258 3: unknown options and RECURSIVEMATCH alone are BAD on both."""
    assert [side.raw(line)[0] for side in sides] == [b"BAD", b"BAD"]


def test_list_status(sides: Sides) -> None:
    """RFC 5819: the same STATUS answers, each after its mailbox's LIST line."""
    answers = []
    for side in sides:
        status, _, untagged = side.raw('LIST "" (INBOX d*) RETURN (STATUS (MESSAGES UNSEEN))')
        assert status == b"OK", side.label
        lines = [u for u in untagged if u.startswith((b"* LIST", b"* STATUS"))]
        # pairs of (LIST name, the STATUS line following it, if any)
        pairs = []
        for i, line in enumerate(lines):
            if line.startswith(b"* LIST"):
                nxt = lines[i + 1] if i + 1 < len(lines) else b""
                name = line.rsplit(b" ", 1)[1]
                pairs.append((name, nxt if nxt.startswith(b"* STATUS") else b""))
        answers.append(sorted(pairs))
    assert answers[0] == answers[1]
    assert any(b"MESSAGES" in st and b"INBOX" in st for _, st in answers[0])

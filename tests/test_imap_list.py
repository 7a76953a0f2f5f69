"""LIST / LSUB and subscriptions, from the text of RFC 3501 (6.3.6, 6.3.8, 6.3.9)
and RFC 5258 (LIST-EXTENDED), on a real server over loopback.

Each test uses its own top-level name so the module's one server can be shared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailcore.mailstore.index import Index
from tests.config_factory import make_config
from tests.imap_support import IMAP, USER, ServerThread

_LINE = re.compile(rb'^\* (?:LIST|LSUB) \((?P<attrs>[^)]*)\) "\." (?P<name>\S+)(?P<ext> \(.*\))?$')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module."""
    srv = ServerThread(make_config(tmp_path_factory.mktemp("imap-list"), IMAP).config).start()
    yield srv
    srv.stop()


@pytest.fixture
def client(server: ServerThread) -> Iterator[Any]:
    """A logged-in imaplib client."""
    c = server.connect()
    yield c
    c.logout()


def raw(client: Any, line: str) -> tuple[bytes, list[bytes]]:
    """Send ``line``: (tagged status, untagged lines)."""
    tag = client._new_tag()
    client.send(tag + b" " + line.encode() + b"\r\n")
    untagged: list[bytes] = []
    while True:
        got = client._get_line()
        if got.startswith(tag + b" "):
            return got[len(tag) + 1 :].split(b" ", 1)[0], untagged
        untagged.append(got)


def listed(client: Any, line: str) -> dict[str, tuple[set[str], str]]:
    """The answer to a LIST/LSUB: name -> (attributes, extended data)."""
    status, untagged = raw(client, line)
    assert status == b"OK", (line, untagged)
    out = {}
    for got in untagged:
        m = _LINE.match(got)
        assert m, got
        attrs = set(m["attrs"].decode().split())
        out[m["name"].decode()] = (attrs, (m["ext"] or b"").decode().strip())
    return out


def ok(client: Any, *lines: str) -> None:
    """Run commands that must each succeed."""
    for line in lines:
        status, untagged = raw(client, line)
        assert status == b"OK", (line, untagged)


def test_create_subscribes_nothing(client: Any) -> None:
    """RFC 3501 6.3.3/6.3.6: CREATE does not subscribe, nor do the parents it makes."""
    ok(client, "CREATE c1.b.c")
    assert listed(client, 'LSUB "" c1*') == {}
    assert listed(client, 'LIST (SUBSCRIBED) "" c1*') == {}


def test_lsub_percent_returns_noselect_parent(client: Any) -> None:
    """RFC 3501 6.3.9: "foo/bar" subscribed, "foo" not: LSUB with % returns foo, \\Noselect."""
    ok(client, "CREATE l1.bar", "SUBSCRIBE l1.bar")
    got = listed(client, 'LSUB "" l%')
    assert "\\Noselect" in got["l1"][0]
    assert "l1.bar" not in got
    assert "\\Noselect" not in listed(client, 'LSUB "" l1.%')["l1.bar"][0]
    # "*" shows the subscribed child itself, so the parent is not needed
    assert set(listed(client, 'LSUB "" l1*')) == {"l1.bar"}


def test_subscription_outlives_delete(client: Any) -> None:
    """RFC 3501 6.3.6: DELETE leaves the name subscribed; RFC 5258: \\NonExistent."""
    ok(client, "CREATE s1.gone", "SUBSCRIBE s1.gone", "DELETE s1.gone")
    attrs, _ = listed(client, 'LIST (SUBSCRIBED) "" s1*')["s1.gone"]
    assert {"\\Subscribed", "\\NonExistent"} <= attrs
    assert "s1.gone" in listed(client, 'LSUB "" s1*')
    assert "s1.gone" not in listed(client, 'LIST "" s1*')
    ok(client, "UNSUBSCRIBE s1.gone")  # a gone folder can still be unsubscribed
    assert listed(client, 'LSUB "" s1*') == {}


def test_multiple_patterns(client: Any) -> None:
    """RFC 5258 3: a parenthesized list of patterns; each mailbox answered once."""
    ok(client, "CREATE m1", "CREATE m2.x", "CREATE m3")
    assert set(listed(client, 'LIST "" (m1 m2* m1)')) == {"m1", "m2", "m2.x"}


def test_recursivematch_childinfo(client: Any) -> None:
    """RFC 5258 3.5: a parent that matches, with a subscribed child the pattern hides,
    gets CHILDINFO ("SUBSCRIBED"); \\NonExistent when the child's folder is gone too."""
    ok(client, "CREATE r1.kid", "SUBSCRIBE r1.kid")
    got = listed(client, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" r%')
    assert got["r1"][1] == '(CHILDINFO ("SUBSCRIBED"))'
    assert "\\Subscribed" not in got["r1"][0]
    got = listed(client, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" r1*')
    assert got == {"r1.kid": ({"\\Subscribed", "\\HasNoChildren"}, "")}
    assert "r1" not in listed(client, 'LIST (SUBSCRIBED) "" r%')


def test_nonexistent_parent(client: Any, server: ServerThread) -> None:
    """RFC 5258 3: a parent that is no mailbox is \\NonExistent in an extended LIST,
    \\Noselect in a plain one (a Maildir++ ``.p1.kid`` without ``.p1``)."""
    ok(client, "CREATE p1.kid", "SUBSCRIBE p1.kid")
    local, domain = USER.split("@")
    root = server.paths.maildirs / domain / local
    (root / ".p1").rename(root / "p1-aside")  # the parent folder disappears
    try:
        assert "\\Noselect" in listed(client, 'LIST "" p%')["p1"][0]
        got = listed(client, 'LIST "" p% RETURN (CHILDREN SUBSCRIBED)')["p1"][0]
        assert got == {"\\NonExistent", "\\HasChildren"}
    finally:
        (root / "p1-aside").rename(root / ".p1")


@pytest.mark.parametrize(
    "line",
    [
        'LIST (RECURSIVEMATCH) "" %',
        'LIST (REMOTE RECURSIVEMATCH) "" %',
        'LIST (BOGUS) "" %',
        'LIST "" % RETURN (BOGUS)',
        'LIST "" % RETURN (STATUS (BOGUS))',
        'LIST "" % RETURN (STATUS ())',
        'LIST "" (a b',
    ],
)
def test_bad_list_options(client: Any, line: str) -> None:
    """RFC 5258 3/3.1: unknown options and RECURSIVEMATCH alone are BAD (RFC 5819:
    STATUS takes a non-empty list of STATUS items)."""
    assert raw(client, line)[0] == b"BAD"


def test_recursivematch_with_special_use(client: Any) -> None:
    """RFC 5258 3: RECURSIVEMATCH with another selection option than REMOTE is valid."""
    got = listed(client, 'LIST (SPECIAL-USE RECURSIVEMATCH) "" %')
    assert "\\Sent" in got["Sent"][0]
    assert all(ext == "" for _, ext in got.values())


def test_return_subscribed(client: Any) -> None:
    """RFC 5258 4: RETURN (SUBSCRIBED) marks subscribed mailboxes in a plain selection."""
    ok(client, "CREATE t1", "CREATE t2", "SUBSCRIBE t2")
    got = listed(client, 'LIST "" t% RETURN (SUBSCRIBED)')
    assert "\\Subscribed" not in got["t1"][0]
    assert "\\Subscribed" in got["t2"][0]


def test_old_index_keeps_its_subscriptions(tmp_path: Path) -> None:
    """An index from before the subscription list keeps what its folders said."""
    index = Index(tmp_path)
    index._db.execute("DROP TABLE subscriptions")
    index._db.execute(
        "INSERT INTO folders (name, uidvalidity, uidnext, subscribed) VALUES "
        "('kept', 1, 1, 1), ('dropped', 2, 1, 0)"
    )
    index.close()
    assert Index(tmp_path).subscriptions() == {"kept"}


def test_list_status(client: Any, server: ServerThread) -> None:
    """RFC 5819: LIST-STATUS advertised; a STATUS after the LIST line of each
    selectable mailbox, none for a \\NonExistent one."""
    assert b" LIST-STATUS " in raw(client, "CAPABILITY")[1][0] + b" "
    ok(client, "CREATE ls1.kid", "APPEND ls1.kid {5+}\r\nHi!\r\n")
    local, domain = USER.split("@")
    root = server.paths.maildirs / domain / local
    (root / ".ls1").rename(root / "ls1-aside")
    try:
        status, untagged = raw(client, 'LIST "" (ls1*) RETURN (STATUS (MESSAGES UNSEEN))')
    finally:
        (root / "ls1-aside").rename(root / ".ls1")
    assert status == b"OK"
    assert untagged == [
        b'* LIST (\\NonExistent \\HasChildren) "." ls1',
        b'* LIST (\\HasNoChildren) "." ls1.kid',
        b"* STATUS ls1.kid (MESSAGES 1 UNSEEN 1)",
    ]


def test_delete_with_children_leaves_a_noselect_name(client: Any) -> None:
    """RFC 3501 6.3.4: deleting a name with inferiors removes its messages and the
    name acquires \\Noselect; the child keeps its own messages."""
    ok(client, "CREATE d1", "CREATE d1.kid")
    client.append("d1", None, None, b"Subject: parent\r\n\r\nx\r\n")
    client.append("d1.kid", None, None, b"Subject: child\r\n\r\ny\r\n")
    ok(client, "DELETE d1")
    got = listed(client, 'LIST "" d1*')
    assert "\\Noselect" in got["d1"][0] and "\\Noselect" not in got["d1.kid"][0]
    typ, _ = client.select("d1")
    assert typ == "NO"
    typ, data = client.select("d1.kid")
    assert typ == "OK" and data == [b"1"]

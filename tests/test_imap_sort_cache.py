"""SORT and THREAD read each message's headers once, through the shared MessageCache.

The cache's statistics (``MessageCache.stats``) count what it read from message
files: a header block per message on the first SORT, nothing on the next SORT or
THREAD of the same folder, from the same session or another one, and never a
whole file (no MIME tree scan) for the header keys of SORT/THREAD, nor for the
header keys of SEARCH (read from the header block, not kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.imap.fetch import CacheStats
from tests.config_factory import make_config
from tests.imap_support import IMAP, ServerThread, sample_message

COUNT = 100  # more than the tree cache keeps (64): a hit cannot come from it


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A server whose INBOX holds ``COUNT`` messages with bodies of a few KB."""
    thread = ServerThread(make_config(tmp_path, IMAP).config).start()
    c = thread.connect()
    try:
        for n in range(COUNT):
            msg = sample_message(f"Re: topic {n % 7}", f"line {n}\r\n" * 400)
            assert c.append("INBOX", None, None, msg)[0] == "OK"
    finally:
        c.logout()
    try:
        yield thread
    finally:
        thread.stop()


def _stats(server: ServerThread) -> CacheStats:
    assert server.service is not None
    stats = server.service.settings.cache.stats
    return CacheStats(stats.tree_scans, stats.header_reads)


def _command(server: ServerThread, *lines: str) -> None:
    c = server.connect()
    try:
        assert c.select("INBOX")[0] == "OK"
        for line in lines:
            name, *args = line.split(" ", 1)
            typ, data = c._simple_command(name, *args)
            assert typ == "OK", (line, data)
    finally:
        c.logout()


def test_second_sort_reads_no_file(server: ServerThread) -> None:
    """First SORT: one header block per message and no whole file; a second SORT, a
    THREAD and a SORT from another session: no read at all."""
    before = _stats(server)
    _command(server, "SORT (SUBJECT DATE) UTF-8 ALL")
    first = _stats(server)
    assert first.header_reads - before.header_reads == COUNT
    assert first.tree_scans == before.tree_scans  # headers only: no body streamed

    _command(server, "SORT (REVERSE FROM DISPLAYTO CC) UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL")
    _command(
        server, "UID THREAD ORDEREDSUBJECT UTF-8 ALL", "SORT (DATE) UTF-8 SENTSINCE 1-Jan-2020"
    )
    assert _stats(server) == first


def test_header_search_keys_read_no_body(server: ServerThread) -> None:
    """SEARCH, SORT and THREAD with header keys (SUBJECT, FROM, HEADER) read header
    blocks, never a whole file; a body key (TEXT) does scan."""
    before = _stats(server)
    _command(
        server,
        "SEARCH SUBJECT topic",
        "SORT (DATE) UTF-8 OR FROM alice HEADER Message-ID x",
        "THREAD REFERENCES UTF-8 NOT TO nobody",
    )
    after = _stats(server)
    assert after.tree_scans == before.tree_scans
    assert after.header_reads > before.header_reads
    _command(server, "SEARCH TEXT line")
    assert _stats(server).tree_scans > after.tree_scans


def test_deleted_folder_forgets_its_headers(server: ServerThread) -> None:
    """A folder deleted and re-created reads its new messages' headers afresh (the
    cache is keyed by UIDVALIDITY and dropped on DELETE)."""
    c = server.connect()
    try:
        assert c.create("box")[0] == "OK"
        assert c.append("box", None, None, sample_message("old"))[0] == "OK"
        c.select("box")
        typ, data = c._simple_command("SORT", "(SUBJECT)", "UTF-8", "ALL")
        assert typ == "OK"
        c.select("INBOX")
        assert c.delete("box")[0] == "OK"
        assert c.create("box")[0] == "OK"
        assert c.append("box", None, None, sample_message("new"))[0] == "OK"
        c.select("box")
        typ, data = c._simple_command("THREAD", "ORDEREDSUBJECT", "UTF-8", "SUBJECT", "new")
        assert typ == "OK"
        _, lines = c._untagged_response(typ, data, "THREAD")
        assert lines == [b"(1)"], lines
    finally:
        c.logout()

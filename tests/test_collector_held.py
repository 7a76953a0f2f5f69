"""Unroutable multi-drop messages: routed on TOP, held by UIDL, assigned or dropped (Dovecot).

Dovecot pop3d logs each session's counters at logout (``top=N/bytes,
retr=N/bytes``): the tests read them to prove that a held message is only
ever read as headers, once (``tests.collector_dovecot.pop_counters``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailcore.collector import Collector, build_collector
from pmemail.cli.main import main
from tests.collector_dovecot import (
    IspMailbox,
    collecting,
    local_office,
    msg,
    pop_counters,
    subjects,
)
from tests.config_factory import write_config

BIG = 5 * 1024 * 1024


def big_unroutable() -> bytes:
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n"
    return msg("for nobody", "To: nobody@far.test\r\n") + line * (BIG // len(line))


def cli(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), "collector", *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def test_unroutable_held_by_headers_then_assigned(
    tmp_path: Path, isp: IspMailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """5 MB for nobody: one TOP, no RETR, held once; assigned, delivered and deleted."""
    isp.put("a-big", big_unroutable())
    isp.put("b-ok", msg("ok", "To: bob@example.be\r\n"))
    setup = write_config(tmp_path, collecting(isp, multidrop=True, deliver_to=""))
    async with local_office(tmp_path) as (paths, users, delivery):
        collector = build_collector(setup.config, paths, users, delivery)
        assert isinstance(collector, Collector)
        for _ in range(3):
            assert await collector.run_once() == (1 if _ == 0 else 0)
        tops, retrs, retr_bytes = pop_counters(isp)
        assert (tops, retrs) == (2, 1)  # each message's headers once; only "ok" in full
        assert retr_bytes < 64 * 1024
        assert isp.remaining() == ["a-big"]
        assert subjects(paths, "bob@example.be") == ["ok"]
        [held] = collector.status()["held"]
        assert held["sender"] == "someone@far.test" and held["subject"] == "for nobody"
        assert held["size"] > BIG and held["decided"] == ""
        assert collector.status()["last_error"] == ""

        code, out, _ = cli(capsys, setup.path, "held", "--json")
        assert code == 0
        [listed] = json.loads(out)["held"]
        assert listed["uidl"] == held["uidl"]
        code, _, err = cli(capsys, setup.path, "assign", held["uidl"], "nobody@example.be")
        assert code == 1 and "nobody@example.be" in err
        code, _, err = cli(capsys, setup.path, "drop", "no-such-uidl")
        assert code == 1 and "no-such-uidl" in err
        code, out, _ = cli(capsys, setup.path, "assign", held["uidl"], "sales@example.be")
        assert code == 0 and held["uidl"] in out
        code, out, _ = cli(capsys, setup.path, "held")
        assert "next collector run" in out

        assert await collector.run_once() == 1
        assert subjects(paths, "bob@example.be") == ["for nobody", "ok"]  # sales -> bob
        assert isp.remaining() == []
        assert collector.status()["held"] == []
        assert pop_counters(isp)[1] == 2  # the one RETR of the big message: after assign
        code, out, _ = cli(capsys, setup.path, "held", "--json")
        assert json.loads(out) == {"held": []}


async def test_dropped_message_is_deleted_unread(
    tmp_path: Path, isp: IspMailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """drop deletes the held message at the ISP without downloading it; a restart keeps it held."""
    isp.put("a", msg("spam", "To: nobody@far.test\r\n"))
    setup = write_config(tmp_path, collecting(isp, multidrop=True, deliver_to=""))
    async with local_office(tmp_path) as (paths, users, delivery):
        first = build_collector(setup.config, paths, users, delivery)
        assert first is not None
        assert await first.run_once() == 0
        again = build_collector(setup.config, paths, users, delivery)  # a restart
        assert again is not None
        assert await again.run_once() == 0
        assert len(again.status()["held"]) == 1
        uidl = again.status()["held"][0]["uidl"]
        code, _, _ = cli(capsys, setup.path, "drop", uidl)
        assert code == 0
        assert await again.run_once() == 0
        assert isp.remaining() == []
        assert again.status()["held"] == []
        assert pop_counters(isp)[:2] == (1, 0)  # one TOP, never a RETR

"""``keep`` / ``keep_days``: messages left at the ISP, fetched once by UIDL (Dovecot pop3d)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailcore.collector import Collector, build_collector
from mailcore.collector.state import state_file
from tests.collector_dovecot import (
    CRASHING_RUN,
    USER,
    IspMailbox,
    Office,
    collecting,
    msg,
    pop_counters,
    subjects,
)
from tests.config_factory import make_config

ROOT = Path(__file__).parent.parent


def _collector(tmp_path: Path, office: Office, isp: IspMailbox, **mailbox: object) -> Collector:
    paths, users, delivery = office
    built = build_collector(
        make_config(tmp_path, collecting(isp, **mailbox)).config, paths, users, delivery
    )
    assert isinstance(built, Collector)
    return built


async def test_keep_fetches_each_message_once_across_restarts(
    tmp_path: Path, isp: IspMailbox, office: Office
) -> None:
    """With keep the ISP keeps every message; a restarted collector fetches only new ones."""
    isp.put("a", msg("one"))
    isp.put("b", msg("two"))
    assert await _collector(tmp_path, office, isp, keep=True).run_once() == 2
    assert isp.remaining() == ["a", "b"]
    restarted = _collector(tmp_path, office, isp, keep=True)
    assert await restarted.run_once() == 0
    isp.put("c", msg("three"))
    assert await restarted.run_once() == 1
    assert await restarted.run_once() == 0
    assert subjects(office[0], "alice@example.be") == ["one", "three", "two"]
    assert isp.remaining() == ["a", "b", "c"]
    assert pop_counters(isp)[1] == 3  # one RETR per message, ever


async def test_keep_days_deletes_after_the_delay(
    tmp_path: Path, isp: IspMailbox, office: Office
) -> None:
    """keep_days = 3: kept while younger, deleted (never fetched again) once older."""
    isp.put("a", msg("old"))
    collector = _collector(tmp_path, office, isp, keep=True, keep_days=3)
    assert await collector.run_once() == 1
    assert await collector.run_once() == 0
    assert isp.remaining() == ["a"]
    path = state_file(office[0].state, "127.0.0.1", isp.port, USER)
    state = json.loads(path.read_text())
    state["delivered"] = {uid: time.time() - 4 * 86400 for uid in state["delivered"]}
    path.write_text(json.dumps(state))  # as if delivered four days ago
    assert await collector.run_once() == 0
    assert isp.remaining() == []
    assert subjects(office[0], "alice@example.be") == ["old"]
    assert json.loads(path.read_text())["delivered"] == {}


async def test_default_deletes_after_delivery(
    tmp_path: Path, isp: IspMailbox, office: Office
) -> None:
    """Without keep (the default) a delivered message is deleted at the ISP at once."""
    isp.put("a", msg("gone"))
    assert await _collector(tmp_path, office, isp).run_once() == 1
    assert isp.remaining() == []


@pytest.mark.parametrize("step", ["pending", "delivered", "recorded"])
async def test_keep_after_kill_neither_loses_nor_duplicates(
    tmp_path: Path, isp: IspMailbox, office: Office, step: str
) -> None:
    """SIGKILL at each step of the 2nd message with keep; the reruns deliver each one once."""
    names = [f"m{i}" for i in range(3)]
    for name in names:
        isp.put(name, msg(name))
    config = make_config(tmp_path, collecting(isp, keep=True)).config
    mailbox = vars(config.collector.mailboxes[0])
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN, str(office[0].root), json.dumps(mailbox), step, "2"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    restarted = _collector(tmp_path, office, isp, keep=True)
    await restarted.run_once()
    assert await restarted.run_once() == 0
    assert subjects(office[0], "alice@example.be") == names  # each exactly once
    assert isp.remaining() == names

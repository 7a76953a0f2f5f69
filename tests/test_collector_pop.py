"""The POP collector against Dovecot pop3d playing the ISP (root, dovecot-pop3d)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mailcore.collector import Collector, build_collector
from mailcore.delivery import MaildirDelivery, maildir_path
from mailcore.users import UserStore
from pmemail.app.collector_held import last_error_text
from tests.collector_dovecot import (
    CRASHING_RUN,
    IspMailbox,
    Office,
    collecting,
    msg,
    subjects,
)
from tests.config_factory import make_config

ROOT = Path(__file__).parent.parent


async def test_single_drop(tmp_path: Path, isp: IspMailbox, office: Office) -> None:
    """Every message goes to deliver_to, then is deleted at the ISP; a rerun fetches nothing."""
    paths, users, delivery = office
    for i in range(3):
        isp.put(f"m{i}", msg(f"s{i}"))
    collector = build_collector(
        make_config(tmp_path, collecting(isp)).config, paths, users, delivery
    )
    assert isinstance(collector, Collector)
    assert await collector.run_once() == 3
    assert subjects(paths, "alice@example.be") == ["s0", "s1", "s2"]
    assert isp.remaining() == []
    assert await collector.run_once() == 0
    status = collector.status()
    assert status["fetched"] == 3 and status["last_error"] == "" and status["runs"] == 2
    raw = next((maildir_path(paths, "alice@example.be") / "new").iterdir()).read_bytes()
    assert raw.startswith(b"Received: from 127.0.0.1 by ")


async def test_multi_drop_routing(tmp_path: Path, isp: IspMailbox, office: Office) -> None:
    """Delivered-To, then X-Original-To, then To/Cc pick local users; else the fallback."""
    paths, users, delivery = office
    isp.put("a", msg("delivered-to", "Delivered-To: bob@example.be\r\nTo: alice@example.be\r\n"))
    isp.put("b", msg("original-to", "X-Original-To: sales@example.be\r\nTo: x@far.test\r\n"))
    isp.put("c", msg("to-cc", "To: Alice <alice@example.be>\r\nCc: bob@example.be\r\n"))
    isp.put("d", msg("unknown", "To: nobody@example.be, other@far.test\r\n"))
    mailbox = collecting(isp, multidrop=True, deliver_to="", fallback="alice@example.be")
    config = make_config(tmp_path, mailbox).config
    collector = build_collector(config, paths, users, delivery)
    assert collector is not None
    assert await collector.run_once() == 4
    assert subjects(paths, "bob@example.be") == ["delivered-to", "original-to", "to-cc"]
    assert subjects(paths, "alice@example.be") == ["to-cc", "unknown"]
    assert isp.remaining() == []


async def test_unroutable_stays_at_isp(tmp_path: Path, isp: IspMailbox, office: Office) -> None:
    """Multi-drop without fallback never deletes what it could not deliver."""
    paths, users, delivery = office
    isp.put("a", msg("lost", "To: nobody@far.test\r\n"))
    isp.put("b", msg("ok", "To: bob@example.be\r\n"))
    config = make_config(tmp_path, collecting(isp, multidrop=True, deliver_to="")).config
    collector = build_collector(config, paths, users, delivery)
    assert collector is not None
    assert await collector.run_once() == 1
    assert isp.remaining() == ["a"]
    assert subjects(paths, "bob@example.be") == ["ok"]


def test_disabled_collector_is_not_built(tmp_path: Path) -> None:
    """No collector service when collector.enabled is false."""
    setup = make_config(tmp_path)
    config, paths = setup.config, setup.paths
    assert (
        build_collector(
            config, paths, UserStore(paths.users_db, ["example.be"]), MaildirDelivery(paths)
        )
        is None
    )


async def test_bad_password_is_reported(tmp_path: Path, isp: IspMailbox, office: Office) -> None:
    """A login failure shows in status()['last_error'] and touches nothing."""
    paths, users, delivery = office
    isp.put("a", msg("kept"))
    collector = build_collector(
        make_config(tmp_path, collecting(isp, password="wrong")).config, paths, users, delivery
    )
    assert collector is not None
    assert await collector.run_once() == 0
    assert "127.0.0.1" in str(collector.status()["last_error"])
    errors = collector.status()["errors"]
    assert [e["code"] for e in errors] == ["server_said"]
    french = last_error_text(errors, "", "fr")
    assert "@127.0.0.1 : le serveur POP a répondu : -ERR" in french
    assert isp.remaining() == ["a"]


@pytest.mark.parametrize("step", ["pending", "delivered", "recorded", "deleted"])
async def test_kill_mid_run_neither_loses_nor_duplicates(
    tmp_path: Path, isp: IspMailbox, office: Office, step: str
) -> None:
    """SIGKILL of the collector at each step of the 2nd message; the next run completes."""
    paths, users, delivery = office
    names = [f"m{i}" for i in range(4)]
    for name in names:
        isp.put(name, msg(name))
    config = make_config(tmp_path, collecting(isp)).config
    mailbox = vars(config.collector.mailboxes[0])
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN, str(paths.root), json.dumps(mailbox), step, "2"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert isp.remaining() == names  # no QUIT: the ISP deleted nothing
    collector = build_collector(config, paths, users, delivery)
    assert collector is not None
    await collector.run_once()
    assert subjects(paths, "alice@example.be") == names  # each exactly once
    assert isp.remaining() == []
    assert await collector.run_once() == 0

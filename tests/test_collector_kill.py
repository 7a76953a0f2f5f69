"""``kill -9`` of ``pmemail serve`` mid-fetch of a large ISP message: no leftover after restart.

Dovecot pop3d plays the ISP (root, dovecot-pop3d). The first server is
killed while the message streams into the collector's spool; the restarted
one removes that file at start (its writer's pid is gone), fetches the
message again and delivers it once.
"""

from __future__ import annotations

from pathlib import Path

from mailcore.delivery import maildir_path
from mailcore.users import UserStore
from pmemail.config.paths import DataPaths
from tests.collector_dovecot import collecting, dovecot_pop3
from tests.serve_support import DOMAIN, Server, ServeSetup

ALICE = f"alice@{DOMAIN}"
SIZE = 40 * 1024 * 1024


def _files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_kill_9_mid_fetch_leaves_nothing_after_restart(tmp_path: Path) -> None:
    """The half-fetched spool file goes at restart; the message arrives once; tmp/ is empty."""
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n"
    content = b"From: plotter@isp.test\r\nSubject: plans\r\n\r\n" + line * (SIZE // len(line))
    with dovecot_pop3() as isp:
        isp.put("big", content)
        once = {**collecting(isp, deliver_to=ALICE)["collector"], "interval": 3600.0}
        fetching = {"collector": once}  # one run per start
        setup = ServeSetup(tmp_path, overrides=fetching)
        setup.write()
        UserStore(setup.data / "users.sqlite3", [DOMAIN]).add_user(ALICE, "not-used-here-1")
        paths = DataPaths(setup.data)
        spool = paths.state / "collector" / "spool"
        box = maildir_path(paths, ALICE)

        first = Server(setup)
        try:
            first.until(
                "mid-fetch", lambda: any(p.stat().st_size > 1024 * 1024 for p in _files(spool))
            )
        finally:
            first.kill()
        assert [p.name.startswith(".fetch-") for p in _files(spool)] == [True]
        assert isp.remaining() == ["big"]

        second = Server(setup)
        try:
            second.wait_ready()
            second.until("delivered", lambda: isp.remaining() == [])
        finally:
            code, stderr = second.terminate()
        assert code == 0, stderr
    assert _files(spool) == []
    assert _files(box / "tmp") == []
    [copy] = _files(box / "new") + _files(box / "cur")
    assert copy.read_bytes().endswith(content)
    log = paths.log_file.read_text()
    assert "unfinished file(s)" in log and "left by an earlier crash" in log

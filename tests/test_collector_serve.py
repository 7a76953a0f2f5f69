"""The held-message path through ``pmemail serve``: log, ``status --json``, CLI (Dovecot pop3d)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from pmemail.config.paths import DataPaths
from pmemail.serve.control import query_control_sync
from tests.collector_dovecot import collecting, dovecot_pop3, msg
from tests.serve_support import DOMAIN, Server, ServeSetup, pmemail


def _collector(setup: ServeSetup) -> dict[str, object]:
    answer = query_control_sync(setup.socket, {"cmd": "status"}, timeout=5)
    return next(s for s in answer["services"] if s["name"] == "collector")


def _ran(setup: ServeSetup, runs: int) -> bool:
    return _collector(setup)["runs"] == runs


def test_held_once_in_log_and_status_then_dropped(tmp_path: Path) -> None:
    """A warning at start; the stray message logged once over four runs, listed, dropped.

    The interval is an hour: every run after the first is asked for on the
    control socket (``collector-run``), as ``pmemail collector drop`` does.
    """
    with dovecot_pop3() as isp:
        isp.put("stray", msg("stray", f"To: nobody@{DOMAIN}\r\n"))
        multidrop = collecting(isp, multidrop=True, deliver_to="")
        rarely = {**multidrop["collector"], "interval": 3600.0}  # runs: the start, then wakes
        setup = ServeSetup(tmp_path, overrides={"collector": rarely})
        setup.write()
        server = Server(setup)
        try:
            server.wait_ready()
            for runs in (1, 2, 3):  # the first run, then two more asked for
                server.until(f"run {runs}", functools.partial(_ran, setup, runs))
                query_control_sync(setup.socket, {"cmd": "collector-run"}, timeout=5)
            done = pmemail(setup, "status", "--json")
            assert done.returncode == 0, done.stderr
            [collector] = [
                s for s in json.loads(done.stdout)["services"] if s["name"] == "collector"
            ]
            [held] = collector["held"]
            assert held["subject"] == "stray" and held["to"] == f"nobody@{DOMAIN}"
            assert collector["last_error"] == ""
            assert f"held {1}" in pmemail(setup, "status").stdout.split("collector", 1)[1]

            server.until("run 4", lambda: _collector(setup)["runs"] == 4)
            dropped = pmemail(setup, "collector", "drop", held["uidl"], "--json")
            assert json.loads(dropped.stdout) == {"uidl": held["uidl"], "dropped": True}
            # carried out at once: the CLI woke the collector (the interval is an hour)
            server.until("dropped", lambda: isp.remaining() == [])
            server.until("no longer held", lambda: _collector(setup)["held"] == [])
        finally:
            code, stderr = server.terminate()
        assert code == 0, stderr
    log = DataPaths(setup.data).log_file.read_text()
    assert log.count("has multidrop and no fallback") == 1
    assert log.count("has no local recipient: held at the ISP") == 1

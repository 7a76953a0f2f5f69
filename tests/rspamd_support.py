"""rspamd started by the tests on loopback, with its own minimal config (never the system's).

The config loads no rule modules: nothing that fetches maps or asks DNS
blocklists, so no packet leaves loopback (its DNS server is a port on
127.0.0.1 that answers nothing). rspamd's core still scores the test
patterns (``enable_test_patterns``): GTUBE = reject (score 15), the "YJS"
variant = add header (score 6), which is how the tests reach each verdict.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.config_factory import free_port

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
GTUBE_JUNK = "YJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
_START_TIMEOUT = 120.0  # rspamd compiles its TLD list at start (~10 s on a busy machine)

_CONFIG = """
options {{
  pidfile = "{root}/rspamd.pid";
  dbdir = "{root}/db";
  tempdir = "{root}/tmp";
  enable_test_patterns = true;
  dns {{ nameserver = ["127.0.0.1:1"]; timeout = 0.2s; retransmits = 1; }}
}}
logging {{ type = "file"; filename = "{root}/rspamd.log"; level = "notice"; }}
actions {{ reject = 15; add_header = 6; greylist = 4; }}
worker "normal" {{ bind_socket = "127.0.0.1:{port}"; count = 1; }}
"""


def rspamd_available() -> bool:
    """Whether Debian's rspamd is installed (``scripts/debian-packages.txt``)."""
    return shutil.which("rspamd") is not None


def rspamd_argv(root: Path, port: int) -> list[str]:
    """Write the minimal config under ``root`` (worker on 127.0.0.1:``port``); the command line.

    The router lab runs it in a namespace of its own (``Lab.spawn``); :func:`running_rspamd`
    runs it here.
    """
    for sub in ("db", "tmp", "local"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    conf = root / "rspamd.conf"
    conf.write_text(_CONFIG.format(root=root, port=port))
    argv = ["rspamd", "-f", "-c", str(conf), "--var", f"LOCAL_CONFDIR={root}/local"]
    if os.geteuid() == 0:
        argv.append("-i")  # the test's own private dirs: no service account to drop to
    return argv


@contextlib.contextmanager
def running_rspamd(root: Path) -> Iterator[str]:
    """An rspamd normal worker on a free loopback port; yields its URL."""
    port = free_port()
    argv = rspamd_argv(root, port)
    with open(root / "stdout.log", "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, root)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (root / "stdout.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"rspamd exited with {proc.returncode}: {log}")
        try:
            with _DIRECT.open(url + "/ping", timeout=2) as reply:
                if reply.read().strip() == b"pong":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("rspamd did not answer /ping in time")

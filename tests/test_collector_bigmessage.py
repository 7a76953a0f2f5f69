"""A 20 MB message from Dovecot pop3d is streamed, not held in memory (root, dovecot-pop3d).

The collector runs in a subprocess that reports its own peak RSS (VmHWM
from /proc) before and after the fetch: poplib's ``retr`` would hold the
message as a list of lines (more than its size again in Python objects).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from mailcore.delivery import maildir_path
from tests.collector_dovecot import collecting, dovecot_pop3, local_office
from tests.config_factory import make_config

ROOT = Path(__file__).parent.parent
SIZE = 20 * 1024 * 1024
HWM_GROWTH_LIMIT_KB = 12 * 1024  # well under the message's 20 MB

_RUN = """
import asyncio, json, sys
from pathlib import Path
from mailcore.collector.service import Collector
from mailcore.delivery import MaildirDelivery
from mailcore.users import UserStore
from pmemail.config.collector import CollectorConfig, CollectorMailbox
from pmemail.config.paths import DataPaths

def hwm_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

paths = DataPaths(Path(sys.argv[1]))
config = CollectorConfig(enabled=True, timeout=30,
                         mailboxes=[CollectorMailbox(**json.loads(sys.argv[2]))])

async def main():
    delivery = MaildirDelivery(paths)
    collector = Collector(config, paths, UserStore(paths.users_db, ["example.be"]), delivery,
                          "mail.example.be")
    before = hwm_kb()
    fetched = await collector.run_once()
    await delivery.aclose()
    print(json.dumps({"before": before, "after": hwm_kb(), "fetched": fetched,
                      "error": collector.last_error}))

asyncio.run(main())
"""


def big_message() -> bytes:
    """~20 MB: base64-like lines, dot-stuffing cases and lines longer than poplib's 2048."""
    head = (
        b"From: plotter@isp.test\r\nTo: alice@example.be\r\nSubject: drawing\r\n"
        b"\r\n.leading dot\r\n..two dots\r\n.\r\n"
    )
    long_lines = b"x" * 100_000 + b"\r\n" + b"y" * (64 * 1024 - 1) + b"\r\r\n"
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"
    body = line * ((SIZE - len(head) - len(long_lines)) // len(line))
    return head + long_lines + body + b".last line with dot\r\n"


async def test_20mb_message_is_streamed(tmp_path: Path) -> None:
    """Delivered byte for byte (un-dot-stuffed, long lines intact) with a low memory peak."""
    content = big_message()
    with dovecot_pop3() as isp:
        isp.put("big", content)
        async with local_office(tmp_path) as (paths, _, _):
            mailbox = vars(make_config(tmp_path, collecting(isp)).config.collector.mailboxes[0])
            proc = subprocess.run(
                [sys.executable, "-c", _RUN, str(paths.root), json.dumps(mailbox)],
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
                timeout=120,
            )
            assert proc.returncode == 0, proc.stderr
            result = json.loads(proc.stdout)
            remaining = isp.remaining()
    assert result["fetched"] == 1 and result["error"] == "", result
    assert remaining == []
    [delivered] = list((maildir_path(paths, "alice@example.be") / "new").iterdir())
    raw = delivered.read_bytes()
    header_end = raw.index(b"From: plotter@isp.test")
    assert hashlib.sha256(raw[header_end:]).digest() == hashlib.sha256(content).digest()
    growth = result["after"] - result["before"]
    print(f"collector peak RSS {result['after']} kB, growth during the fetch {growth} kB")
    assert growth < HWM_GROWTH_LIMIT_KB, result

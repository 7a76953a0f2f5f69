"""Dovecot's pop3d as the ISP's POP server, started on loopback with its own config.

Needs the Debian package ``dovecot-pop3d`` (the system service is never
started: the test runs its own ``dovecot -F`` with ``base_dir`` in tmp).
Dovecot refuses mail access as root, so the mailbox belongs to ``nobody``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "office", "isp-secret"
_UID = _GID = 65534  # nobody / nogroup

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
login_trusted_networks = 127.0.0.0/8
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class IspMailbox:
    """The running Dovecot and the Maildir behind its one account."""

    root: Path
    port: int

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / USER

    def put(self, name: str, content: bytes) -> None:
        """Drop a message into the ISP mailbox (as if the ISP's MX had delivered it)."""
        path = self.maildir / "new" / name
        path.write_bytes(content)
        os.chown(path, _UID, _GID)

    def remaining(self) -> list[str]:
        """Names of the messages still at the ISP (by our file name prefix)."""
        return sorted(p.name.split(":")[0] for d in ("new", "cur")
                      for p in (self.maildir / d).iterdir())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dovecot_pop3() -> Iterator[IspMailbox]:
    """Start Dovecot pop3d on 127.0.0.1 (skips the test when it is not installed).

    Its files live in a fresh directory directly under /tmp: Dovecot's
    unprivileged processes need +x on every parent, which pytest's 0700
    tmp_path does not give.
    """
    if not Path(DOVECOT).exists() or not Path("/usr/lib/dovecot/pop3").exists():
        pytest.skip("Dovecot pop3d missing (Debian package dovecot-pop3d)")
    if os.geteuid() != 0:
        pytest.skip("the Dovecot test server needs root (it switches to 'nobody')")
    root = Path(tempfile.mkdtemp(prefix="pmemail-isp-"))
    os.chmod(root, 0o755)
    port = _free_port()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port, uid=_UID, gid=_GID))
    box = IspMailbox(root, port)
    for sub in ("", "new", "cur", "tmp"):
        (box.maildir / sub).mkdir(parents=True, exist_ok=True)
    for d in (root / "mail", box.maildir, *(box.maildir / s for s in ("new", "cur", "tmp"))):
        os.chown(d, _UID, _GID)
    (root / "home").mkdir()
    os.chown(root / "home", _UID, _GID)
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log")
                    raise RuntimeError("dovecot did not start: " + (
                        proc.stderr.read().decode() if proc.stderr else "") + (
                        log.read_text() if log.exists() else "")) from None
                time.sleep(0.05)
        yield box
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
        shutil.rmtree(root, ignore_errors=True)

"""Start a throw-away Dovecot (Debian dovecot-imapd) on a loopback port over a Maildir.

Everything lives in one temporary directory (config, sockets, state, log);
the process runs in the foreground (``dovecot -F``) and is terminated by
``stop()``. Dovecot refuses to access mail as root, so the Maildir (a copy)
is handed to the ``dovecot`` system user and its parent directories opened.
"""

from __future__ import annotations

import ctypes
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
_PR_SET_PDEATHSIG = 1

_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
info_log_path = {tmp}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{maildir}
first_valid_uid = 100
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={tmp}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
# Our temporary directories are root-only (mode 0700): read them as root.
service auth {{
  user = root
}}
service auth-worker {{
  user = root
}}
"""


def _die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, so no Dovecot is left behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def available() -> bool:
    """Whether the Dovecot binary is installed."""
    return Path(DOVECOT).exists()


def free_port() -> int:
    """A currently free loopback port (Dovecot cannot report an ephemeral one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _give_to_dovecot(maildir: Path) -> None:
    for parent in maildir.parents:
        if parent == Path("/tmp") or parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o755)
    for path in [maildir, *maildir.rglob("*")]:
        shutil.chown(path, "dovecot", "dovecot")


class Dovecot:
    """One Dovecot instance serving ``maildir`` to ``user``/``password``."""

    def __init__(self, tmp: Path, maildir: Path, user: str, password: str) -> None:
        self.tmp = tmp
        self.port = free_port()
        for sub in ("run", "state", "home"):
            (tmp / sub).mkdir(parents=True, exist_ok=True)
        (tmp / "passwd").write_text(f"{user}:{{PLAIN}}{password}::::::\n")
        self.conf = tmp / "dovecot.conf"
        self.conf.write_text(_CONF.format(tmp=tmp, maildir=maildir, port=self.port))
        self.proc: subprocess.Popen[bytes] | None = None
        _give_to_dovecot(maildir)


    def start(self, timeout: float = 10.0) -> Dovecot:
        """Run dovecot and wait until the port accepts connections."""
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"dovecot exited: {err}{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        """The instance's log so far."""
        path = self.tmp / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Terminate the instance (and its children, which exit with the master)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None

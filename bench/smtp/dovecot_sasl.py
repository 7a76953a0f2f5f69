"""A private Dovecot that only authenticates: Postfix's SASL backend for the bench.

Postfix has no password store of its own; a stock submission setup hands AUTH
to Dovecot over a Unix socket. This instance runs no IMAP/POP3 at all
(``protocols = none``), checks one account from a passwd-file whose hash is
made by ``doveadm pw`` with its default scheme (what Dovecot's documentation
has an admin run; bcrypt in Dovecot 2.3), and keeps
everything (base_dir, state, log, the socket Postfix connects to) inside one
temporary directory, so a system Dovecot (if any) is never touched.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from bench.method import BenchFailure

DOVECOT = "/usr/sbin/dovecot"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = none
auth_mechanisms = plain
disable_plaintext_auth = no
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
service anvil {{
  chroot =
}}
service auth {{
  unix_listener {socket} {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""


class DovecotSasl:
    """``with DovecotSasl(user, password) as auth:`` → ``auth.socket`` for ``smtpd_sasl_path``."""

    def __init__(self, user: str, password: str) -> None:
        """One account, ``user`` with ``password`` (hashed by ``doveadm pw``)."""
        self.root = Path(tempfile.mkdtemp(prefix="pmemail-bench-dovecot-", dir="/var/tmp"))
        self.socket = self.root / "run" / "auth-postfix"
        self.user, self.password = user, password
        self.proc: subprocess.Popen[bytes] | None = None
        self.scheme = ""

    @property
    def pid(self) -> int:
        """Dovecot's master (its tree: auth, anvil, log, config)."""
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> DovecotSasl:
        if not Path(DOVECOT).exists():
            raise BenchFailure("Dovecot missing (Debian package dovecot-core)")
        self.root.chmod(0o755)  # Postfix's smtpd (user postfix) must reach the socket
        hashed = subprocess.run(
            ["doveadm", "pw", "-p", self.password], capture_output=True, text=True, check=True
        ).stdout.strip()
        prefix, _, rest = hashed.partition("}")
        self.scheme = prefix + "} " + "$".join(rest.split("$")[:3])  # {CRYPT} $2y$05: bcrypt 5
        (self.root / "passwd").write_text(f"{self.user}:{hashed}\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(_CONFIG.format(root=self.root, socket=self.socket))
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
        )
        postfix_uid = pwd.getpwnam("postfix").pw_uid
        deadline = time.monotonic() + 15
        while not (self.socket.exists() and os.stat(self.socket).st_uid == postfix_uid):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = self.log_tail()
                self.__exit__(None, None, None)
                raise BenchFailure(f"Dovecot SASL did not start: {why}")
            time.sleep(0.05)
        return self

    def log_tail(self, lines: int = 20) -> str:
        """Dovecot's stderr (when it died) and the end of its log."""
        err = ""
        if self.proc is not None and self.proc.poll() is not None and self.proc.stderr:
            err = self.proc.stderr.read().decode(errors="replace")
        log = self.root / "dovecot.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return err + "\n".join(text.splitlines()[-lines:])

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()  # the master takes its children down
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            if self.proc is not None and self.proc.stderr:
                self.proc.stderr.close()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

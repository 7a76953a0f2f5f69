"""A throw-away Dovecot (Debian ``dovecot-imapd`` / ``dovecot-pop3d``) for tests.

``run_dovecot()`` starts ``dovecot -F`` with its own config on 127.0.0.1
(one free port per protocol, ``ssl = no`` unless ``tls`` is given, PLAIN
auth against a passwd-file with one user) over a Maildir++ tree (INBOX at the root, folders as
``.Name``) -- optionally a *copy* of a Maildir the test built, so the
original is never touched by Dovecot's index and uidlist files.

Facts that shape it (learned the hard way):

- Dovecot's unprivileged processes need +x on every parent directory and
  pytest's ``tmp_path`` is 0700, so everything lives in a fresh 0755
  directory directly under /tmp, removed afterwards.
- Dovecot refuses mail access as root, so the mail belongs to ``nobody``
  (uid/gid 65534) and the userdb hands out that uid.
- base_dir/state_dir/log go inside the directory: no system paths are used,
  and a running system Dovecot (if any) is not disturbed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.config_factory import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MAIL_UID = MAIL_GID = 65534  # nobody / nogroup
_BINARIES = {"imap": Path("/usr/lib/dovecot/imap"), "pop3": Path("/usr/lib/dovecot/pop3")}
_PACKAGES = {"imap": "dovecot-imapd", "pop3": "dovecot-pop3d"}
# pmemail's own per-user files: Dovecot must not see them in its copy.
_PMEMAIL_FILES = ("pmemail-*",)

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = {protocols}
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain
login_trusted_networks = 127.0.0.0/8
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home
}}
service anvil {{
  chroot =
}}
{listeners}
{extra}
"""

_LISTENER = """\
service {proto}-login {{
  inet_listener {proto} {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener {proto}s {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = {tls_flag}
  }}
}}
"""


def missing(protocols: Sequence[str] = ("imap",)) -> str | None:
    """Why Dovecot cannot run here (a skip reason), or None when it can."""
    if not Path(DOVECOT).exists():
        return "Dovecot missing (Debian package dovecot-core)"
    for proto in protocols:
        if not _BINARIES[proto].exists():
            return f"Dovecot {proto} missing (Debian package {_PACKAGES[proto]})"
    if os.geteuid() != 0:
        return "the Dovecot test server needs root (it switches to 'nobody')"
    return None


def give_to_mail_user(path: Path) -> None:
    """``chown -R nobody:nogroup path`` (Dovecot will not touch root's mail)."""
    for item in (path, *path.rglob("*")):
        os.chown(item, MAIL_UID, MAIL_GID)


@dataclass
class DovecotServer:
    """A running Dovecot: its directory, ports and the one account's Maildir."""

    root: Path
    ports: dict[str, int]
    user: str
    password: str
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        """The port of the first protocol started."""
        return next(iter(self.ports.values()))

    @property
    def maildir(self) -> Path:
        """The account's Maildir++ root (INBOX)."""
        return self.root / "mail"

    def put(self, name: str, content: bytes, folder: str = "") -> Path:
        """Drop a message into ``new/`` of INBOX (or of ``.folder``), as an MDA would."""
        box = self.maildir / f".{folder}" if folder else self.maildir
        for sub in ("", "new", "cur", "tmp"):
            (box / sub).mkdir(exist_ok=True)
            os.chown(box / sub, MAIL_UID, MAIL_GID)
        path = box / "new" / name
        path.write_bytes(content)
        os.chown(path, MAIL_UID, MAIL_GID)
        return path

    def log(self) -> str:
        """Dovecot's log so far (for failure messages)."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _wait_listening(server: DovecotServer, timeout: float) -> None:
    assert server.proc is not None
    deadline = time.monotonic() + timeout
    pending = set(server.ports.values())
    while pending:
        port = next(iter(pending))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            pending.discard(port)
            continue
        except OSError:
            pass
        if server.proc.poll() is not None or time.monotonic() > deadline:
            err = server.proc.stderr.read().decode() if server.proc.stderr else ""
            raise RuntimeError(f"dovecot did not start: {err}{server.log()}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()  # the master takes its children down with it
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr:
        proc.stderr.close()


def _ssl_settings(tls: tuple[Path, Path] | None) -> str:
    if tls is None:
        return "ssl = no"
    cert, key = tls
    # "<file" makes Dovecot read the PEM at start (as root, before dropping privileges).
    return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"


@contextmanager
def run_dovecot(
    protocols: Sequence[str] = ("imap",),
    *,
    user: str,
    password: str,
    maildir: Path | None = None,
    extra_config: str = "",
    timeout: float = 15.0,
    tls: tuple[Path, Path] | None = None,
) -> Iterator[DovecotServer]:
    """Start Dovecot for one account; skips the test when it cannot run here.

    Args:
        protocols: ``"imap"`` and/or ``"pop3"``; each gets its own loopback port.
        user: the login name (may contain ``@``).
        password: its password (stored in clear in the passwd-file).
        maildir: a Maildir++ tree to serve a copy of (pmemail's own index
            files are left out); an empty Maildir when None.
        extra_config: more dovecot.conf lines (e.g. ``imap_capability``).
        timeout: seconds to wait for the listeners.
        tls: (certificate chain PEM, key PEM): ``ssl = yes`` with STARTTLS/STLS
            on the plain ports and an implicit-TLS listener per protocol,
            reported as ``ports["pop3s"]`` / ``ports["imaps"]``. Dovecot
            counts loopback connections as secure, so a login in clear is
            still accepted: its log line lacks ", TLS" then.
    """
    reason = missing(protocols)
    if reason:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="pmemail-dovecot-"))
    try:
        os.chmod(root, 0o755)
        # chosen here: Dovecot cannot report an ephemeral port it bound
        server = DovecotServer(root, {p: free_port() for p in protocols}, user, password)
        if tls is not None:
            server.ports.update({f"{p}s": free_port() for p in protocols})
        (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}::::::\n")
        if maildir is not None:
            shutil.copytree(maildir, server.maildir, ignore=shutil.ignore_patterns(*_PMEMAIL_FILES))
        for sub in ("new", "cur", "tmp"):
            (server.maildir / sub).mkdir(parents=True, exist_ok=True)
        (root / "home").mkdir()
        give_to_mail_user(server.maildir)
        give_to_mail_user(root / "home")
        listeners = "".join(
            _LISTENER.format(
                proto=p,
                port=server.ports[p],
                tls_port=server.ports.get(f"{p}s", 0),
                tls_flag="yes" if tls else "no",
            )
            for p in protocols
        )
        conf = root / "dovecot.conf"
        conf.write_text(
            _CONFIG.format(
                root=root,
                protocols=" ".join(protocols),
                ssl=_ssl_settings(tls),
                uid=MAIL_UID,
                gid=MAIL_GID,
                listeners=listeners,
                extra=extra_config,
            )
        )
        server.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _wait_listening(server, timeout)
            yield server
        finally:
            _stop(server.proc)
    finally:
        shutil.rmtree(root, ignore_errors=True)

"""The two IMAP servers of the bench, each started on a fresh copy of one Maildir.

* pmemail: ``pmemail serve`` as shipped (:class:`ShippedServer`: every service,
  default logging, default config apart from loopback ports and paths).
* Dovecot: the private instance the tests use (``tests/dovecot_support``), with
  the limits an administrator raises for 110 connections of one user from one
  address (Dovecot refuses an 11th by default), and a password hash as costly
  as pmemail's (a PLAIN password would make every LOGIN free for Dovecot only).

With TLS (the default) both serve the *same* certificate, the one pmemail
generated, and every client session begins with STARTTLS: the shipped config
refuses a password in clear, even on loopback.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

from bench.method import BenchFailure, wait_for
from bench.shipped_server import PASSWORD, USER, ShippedServer
from mailcore.certs.selfsigned import ensure_self_signed
from mailcore.password_hashes import hash_password, verify_password
from tests.dovecot_support import DOVECOT, DovecotServer, missing, run_dovecot

# Raised for the memory test's 110 connections; everything else is Dovecot's default.
# Both servers remember a successful login for an hour (pmemail: mailcore.verified_passwords),
# so a client's reconnections do not each pay the slow password hash.
DOVECOT_LIMITS = """\
auth_cache_size = 10M
auth_cache_ttl = 1 hour
default_process_limit = 1000
default_client_limit = 4000
protocol imap {
  mail_max_userip_connections = 1000
}
"""
BCRYPT_COST = 10  # close to the cost of pmemail's argon2id (both are printed at each run)


def count_messages(maildir: Path) -> int:
    """Message files in ``cur/`` and ``new/`` of an INBOX Maildir (what is really stored)."""
    return sum(1 for sub in ("cur", "new") for p in (maildir / sub).iterdir() if p.is_file())


def _doveadm_seconds(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run(["doveadm", "pw", *args], check=True, capture_output=True)
    return time.perf_counter() - start


def dovecot_password_hash() -> str:
    """``{BLF-CRYPT}$2y$...`` of the bench password, from Dovecot's own tool."""
    done = subprocess.run(
        ["doveadm", "pw", "-s", "BLF-CRYPT", "-r", str(BCRYPT_COST), "-p", PASSWORD],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def password_costs(dovecot_hash: str) -> str:
    """One line: what a LOGIN's password check costs each server (for the report)."""
    encoded = hash_password(PASSWORD)
    start = time.perf_counter()
    verify_password(PASSWORD, encoded)
    pm = time.perf_counter() - start
    # doveadm's own start-up is measured with a PLAIN check and taken off
    dv = _doveadm_seconds("-t", dovecot_hash, "-p", PASSWORD)
    dv -= _doveadm_seconds("-t", "{PLAIN}" + PASSWORD, "-p", PASSWORD)
    return (
        f"password check of a first LOGIN: pmemail argon2id {pm * 1000:.0f} ms, "
        f"Dovecot BLF-CRYPT cost {BCRYPT_COST} {dv * 1000:.0f} ms "
        "(both remember a success for an hour)"
    )


class PmemailSide:
    """``pmemail serve`` as shipped, its INBOX a fresh copy of ``template`` at each start."""

    name = "pmemail"

    def __init__(self, root: Path, template: Path, tls: bool) -> None:
        """Write the config and the user; ``tls=False`` allows LOGIN in clear on loopback."""
        # One client address opens every connection here (100 IDLE + 10 active in the
        # memory part): past the per-address cap (50), as for Dovecot's own limits above.
        # The idle part's 500 IDLE sessions and a writer: past the per-port cap (500) too.
        overrides: dict[str, object] = {
            "server__max_connections_per_address": 1000,
            "server__max_connections": 1000,
        }
        if not tls:
            overrides["security__plaintext_auth_on_loopback"] = True
        self.server = ShippedServer(root, **overrides)
        self.template = template

    @property
    def port(self) -> int:
        """The IMAP port."""
        return self.server.port("imap")

    @property
    def pid(self) -> int:
        """The server process (its tree is measured)."""
        return self.server.pid

    @property
    def maildir(self) -> Path:
        """The INBOX the server serves."""
        return self.server.maildir

    def certificate(self) -> tuple[Path, Path]:
        """The certificate and key pmemail serves (generated on its first start)."""
        return ensure_self_signed(self.server.config, self.server.paths)

    def start(self, fresh: bool = True) -> None:
        """Start it; with ``fresh`` its INBOX (index included) is replaced by the template."""
        if fresh:
            shutil.rmtree(self.maildir, ignore_errors=True)
            shutil.copytree(self.template, self.maildir)
        self.server.start()

    def restart(self) -> None:
        """Stop and start again on the same Maildir (its index on disk kept)."""
        self.server.stop()
        self.server.start()

    def stop(self) -> None:
        """Stop it."""
        self.server.stop()


class DovecotSide:
    """A private Dovecot on loopback serving a fresh copy of ``template`` at each start."""

    name = "dovecot"

    def __init__(self, template: Path, tls: tuple[Path, Path] | None, password_hash: str) -> None:
        """``tls``: certificate and key (STARTTLS offered), or None for ``ssl = no``."""
        reason = missing()
        if reason:
            raise BenchFailure(f"Dovecot cannot run here: {reason}")
        self.template = template
        self.tls = tls
        self.password_hash = password_hash
        self._stack = ExitStack()
        self._server: DovecotServer | None = None

    @property
    def server(self) -> DovecotServer:
        """The running instance."""
        if self._server is None:
            raise BenchFailure("Dovecot is not running")
        return self._server

    @property
    def port(self) -> int:
        """The IMAP port."""
        return self.server.port

    @property
    def pid(self) -> int:
        """The master process (its children serve the connections)."""
        assert self.server.proc is not None
        return self.server.proc.pid

    @property
    def maildir(self) -> Path:
        """The INBOX the server serves (Dovecot's own copy)."""
        return self.server.maildir

    def start(self, fresh: bool = True) -> None:
        """Copy the template and start (``fresh`` is always true: each start copies)."""
        self._server = self._stack.enter_context(
            run_dovecot(
                user=USER,
                password=PASSWORD,
                maildir=self.template,
                extra_config=DOVECOT_LIMITS,
                tls=self.tls,
            )
        )
        # run_dovecot writes the password in clear; passwd-file is re-read when it
        # changes, so the first LOGIN already checks the bcrypt hash.
        (self.server.root / "passwd").write_text(f"{USER}:{self.password_hash}::::::\n")

    def restart(self) -> None:
        """Stop the master and start it again on the same directory (indexes kept)."""
        server = self.server
        assert server.proc is not None
        server.proc.terminate()
        server.proc.wait(30)
        if server.proc.stderr:
            server.proc.stderr.close()
        conf = server.root / "dovecot.conf"
        # run_dovecot's cleanup stops whatever server.proc is then: this new master
        server.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_for(lambda: _answers(server.port), "Dovecot restart", timeout=30)

    def stop(self) -> None:
        """Stop it and remove its directory."""
        self._stack.close()
        self._server = None


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


Side = PmemailSide | DovecotSide

"""The two servers as the SMTP bench sees them, and the Maildir count that stops the clock.

A :class:`Target` is what every measurement needs of a server: its plain and
submission ports, the bench user's Maildir ``new/``, its process tree (for
PSS) and the end of its log (for a failure's cause). The clock of a run stops
when the Maildir holds every message sent: Postfix queues first and delivers
after, so a rate counted at ``250`` would flatter it.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.method import BenchFailure, Measure, alternate
from bench.shipped_server import DOMAIN, PASSWORD, USER, ShippedServer
from bench.smtp.dovecot_sasl import DovecotSasl
from bench.smtp.postfix import PrivatePostfix, Submission
from mailcore.certs.selfsigned import generate_self_signed
from mailcore.password_hashes import ARGON2_LANES, ARGON2_MEMORY_KIB, ARGON2_TIME
from tests.config_factory import free_port

STALL = 30.0  # no new message for this long: the run failed
POLL = 0.02


@dataclass(frozen=True)
class Target:
    """One server under test."""

    name: str
    port: int  # plain SMTP, the port-25 service
    submission: int  # STARTTLS + AUTH
    new: Path  # the bench user's Maildir new/
    pids: Callable[[], list[int]]  # roots of the process trees that are the server
    log_tail: Callable[[], str]
    auth: str  # how a password is checked (costs differ: printed beside submission)

    def count(self) -> int:
        """Messages in ``new/`` now."""
        try:
            return len(os.listdir(self.new))
        except FileNotFoundError:
            return 0

    def clear(self) -> None:
        """Empty ``new/`` so the next round starts from zero (and its listing stays short)."""
        for entry in os.scandir(self.new) if self.new.exists() else ():
            os.unlink(entry.path)

    def wait_delivered(self, expected: int, start: float, why: Callable[[], str]) -> float:
        """Seconds from ``start`` until ``new/`` holds ``expected`` messages, exactly.

        Raises:
            BenchFailure: no progress for :data:`STALL` s, or more messages than
                sent; the cause is ``why()`` (the client's errors) and the log.
        """
        seen, last = self.count(), time.monotonic()
        while seen < expected:
            time.sleep(POLL)
            now, before, seen = time.monotonic(), seen, self.count()
            if seen > before:
                last = now
            elif now - last > STALL:
                raise BenchFailure(
                    f"{self.name}: {seen} of {expected} messages delivered, none for {STALL:g} s\n"
                    f"{why()}\n{self.name} log:\n{self.log_tail()}"
                )
        elapsed = time.monotonic() - start
        if seen != expected:
            raise BenchFailure(f"{self.name}: {seen} messages in the Maildir, {expected} sent")
        return elapsed


def client_check(
    what: str, one: Callable[[], Measure], two: Callable[[], Measure], rounds: int
) -> None:
    """The peer driven by N client processes, then by 2N: print both medians and the verdict.

    If the load generator set the pace, doubling its processes would raise
    the peer's rate; a rise of less than 10 % is taken as no rise.
    """
    result = alternate({"N clients": one, "2N clients": two}, rounds, warmup=False)
    a, b = (statistics.median(result.rates[k]) for k in ("N clients", "2N clients"))
    verdict = "does not raise" if b < a * 1.1 else "RAISES"
    print(
        f"== load generator, {what}: peer median {a:.1f} msg/s with N client processes, "
        f"{b:.1f} with 2N ({b / a:.2f} x): doubling client processes {verdict} the peer's rate",
        flush=True,
    )


def _tail(path: Path, lines: int = 20) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def pmemail_target(root: Path) -> Iterator[tuple[Target, ShippedServer]]:
    """``pmemail serve`` as shipped, running in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    with ShippedServer(root) as server:
        yield (
            Target(
                "pmemail",
                server.port("smtp"),
                server.port("submission"),
                server.maildir / "new",
                lambda: [server.pid],
                lambda: _tail(server.paths.log_file),
                f"argon2id m={ARGON2_MEMORY_KIB} KiB t={ARGON2_TIME} p={ARGON2_LANES}"
                " (its user store)",
            ),
            server,
        )


def _tls_files(directory: Path) -> tuple[Path, Path]:
    """A certificate like the one pmemail generates (same code: ECDSA P-256)."""
    cert_pem, key_pem = generate_self_signed(["bench-postfix.localdomain"])
    cert, key = directory / "cert.pem", directory / "key.pem"
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    key.chmod(0o600)
    return cert, key


@contextmanager
def postfix_target(tls_dir: Path) -> Iterator[Target]:
    """A private Postfix with a submission smtpd backed by a private Dovecot SASL."""
    tls_dir.mkdir(parents=True, exist_ok=True)
    cert, key = _tls_files(tls_dir)
    with DovecotSasl(USER, PASSWORD) as sasl:
        submission = Submission(free_port(), sasl.socket, cert, key)
        local = USER.split("@")[0]
        with PrivatePostfix(free_port(), DOMAIN, local, submission=submission) as postfix:
            yield Target(
                "postfix",
                postfix.port,
                submission.port,
                postfix.maildir / "new",
                lambda: [postfix.pid, sasl.pid],
                lambda: postfix.log_tail() + "\n" + sasl.log_tail(),
                f"Dovecot SASL, passwd-file {sasl.scheme} (doveadm pw's default scheme)",
            )

"""A private, loopback-only Postfix instance for the SMTP benchmark.

Everything lives in one temporary directory: the config directory given to
``postfix -c``, the queue and data directories, and a virtual Maildir base.
Postfix accepts mail for ``DOMAIN`` on ``127.0.0.1:PORT``, queues it (cleanup
fsyncs the queue file before smtpd answers 250) and the ``virtual`` delivery
agent writes it into ``vmail/DOMAIN/USER/new`` (fsynced too), which is the
same durability contract pmemail keeps. No DNS, no outbound mail, no chroot,
and the system's own Postfix (if any) is never touched.

With a :class:`Submission`, a second smtpd listens on its own port the way a
mail provider runs 587: TLS required (``smtpd_tls_security_level=encrypt``),
AUTH through Dovecot's SASL socket, and ``tlsmgr`` for the TLS session cache
and PRNG, as a stock Postfix has it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.method import BenchFailure

MASTER_DIST = Path("/usr/share/postfix/master.cf.dist")
SMTP_SOURCE = "/usr/sbin/smtp-source"
# The services a virtual-Maildir-only instance needs (names from master.cf.dist).
_SERVICES = {
    "cleanup",
    "qmgr",
    "rewrite",
    "bounce",
    "defer",
    "trace",
    "verify",
    "flush",
    "proxymap",
    "proxywrite",
    "error",
    "retry",
    "discard",
    "virtual",
    "anvil",
    "scache",
    "postlog",
    "showq",
    "tlsmgr",
}


def ensure_postfix() -> None:
    """Fail with the fix when Postfix (``postfix``, ``smtp-source``) is missing.

    It is a Debian package of ``scripts/debian-packages.txt``: ``bash dev.sh
    bench smtp`` installs it with the system service kept from starting.
    """
    if not (shutil.which("postfix", path="/usr/sbin") and Path(SMTP_SOURCE).exists()):
        raise BenchFailure("Postfix missing: run as root `bash scripts/install-debian-deps.sh`")


@dataclass(frozen=True)
class Submission:
    """The submission smtpd: its port, Dovecot's auth socket and the TLS files."""

    port: int
    sasl_socket: Path
    cert: Path
    key: Path


def _master_cf(port: int, submission: Submission | None) -> str:
    """master.cf: smtpd on 127.0.0.1:PORT (and submission) plus internal services, no chroot."""
    lines = [f"127.0.0.1:{port} inet n - n - - smtpd"]
    if submission is not None:
        lines += [
            f"127.0.0.1:{submission.port} inet n - n - - smtpd",
            "  -o syslog_name=postfix/submission",
            "  -o smtpd_tls_security_level=encrypt",
            "  -o smtpd_sasl_auth_enable=yes",
            "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject",
        ]
    for raw in MASTER_DIST.read_text().splitlines():
        fields = raw.split()
        if raw[:1] in ("", "#", " ", "\t") or fields[0] not in _SERVICES:
            continue
        fields[4] = "n"  # chroot off: the instance has no chroot jail set up
        lines.append(" ".join(fields))
    return "\n".join(lines) + "\n"


class PrivatePostfix:
    """``with PrivatePostfix(port, "example.be", "bench") as pf:`` → ``pf.maildir``."""

    def __init__(
        self,
        port: int,
        domain: str,
        user: str,
        *,
        processes: int = 100,
        submission: Submission | None = None,
    ) -> None:
        """An instance accepting ``user@domain`` on ``127.0.0.1:port`` (and ``submission``)."""
        self.port, self.domain, self.user = port, domain, user
        self.submission = submission
        self.processes = processes
        self.root = Path(tempfile.mkdtemp(prefix="pmemail-bench-postfix-", dir="/var/tmp"))
        self.config_dir = self.root / "etc"
        self.maildir = self.root / "vmail" / domain / user

    def _main_cf(self) -> dict[str, str]:
        nobody = pwd.getpwnam("nobody").pw_uid
        r = self.root
        return {
            "compatibility_level": "3.6",
            "queue_directory": str(r / "queue"),
            "data_directory": str(r / "data"),
            "maillog_file": str(r / "maillog"),
            "myhostname": "bench-postfix.localdomain",
            "mydomain": "localdomain",
            "mydestination": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtpd_peername_lookup": "no",  # no DNS for the client address
            "smtp_dns_support_level": "disabled",
            "default_transport": "error:benchmark instance sends no mail out",
            "relay_transport": "error:benchmark instance sends no mail out",
            "relayhost": "",
            "alias_maps": "",
            "alias_database": "",
            "biff": "no",
            "smtpd_tls_security_level": "none",
            "virtual_mailbox_domains": self.domain,
            "virtual_mailbox_base": str(r / "vmail"),
            "virtual_mailbox_maps": f"texthash:{self.config_dir / 'vmailbox'}",
            "virtual_uid_maps": f"static:{nobody}",
            "virtual_gid_maps": f"static:{pwd.getpwnam('nobody').pw_gid}",
            "virtual_minimum_uid": str(nobody),
            "default_process_limit": str(self.processes),
            "message_size_limit": str(200 * 2**20),
            "virtual_mailbox_limit": "0",
            **self._submission_cf(),
        }

    def _submission_cf(self) -> dict[str, str]:
        """TLS and Dovecot SASL settings, used by the submission smtpd only."""
        sub = self.submission
        if sub is None:
            return {}
        return {
            "smtpd_tls_chain_files": f"{sub.key}, {sub.cert}",
            "smtpd_tls_session_cache_database": f"btree:{self.root / 'data' / 'smtpd_scache'}",
            "smtpd_sasl_type": "dovecot",
            "smtpd_sasl_path": str(sub.sasl_socket),
            "smtpd_tls_auth_only": "yes",
        }

    def __enter__(self) -> PrivatePostfix:
        etc = self.config_dir
        self.root.chmod(0o755)  # mkdtemp's 0700 would lock the postfix user out
        etc.mkdir(parents=True)
        for sub in ("queue", "data"):
            (self.root / sub).mkdir()
        vmail = self.root / "vmail"
        vmail.mkdir()
        nobody = pwd.getpwnam("nobody")
        os.chown(vmail, nobody.pw_uid, nobody.pw_gid)
        (etc / "main.cf").write_text("")
        (etc / "master.cf").write_text(_master_cf(self.port, self.submission))
        (etc / "vmailbox").write_text(f"{self.user}@{self.domain} {self.domain}/{self.user}/\n")
        settings = [f"{k}={v}" for k, v in self._main_cf().items()]
        subprocess.run(["postconf", "-c", str(etc), "-e", *settings], check=True)
        os.chown(self.root / "data", _postfix_uid(), -1)
        self._postfix("start")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._postfix("stop")
            self._wait_stopped()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def pid(self) -> int:
        """The master process (its tree is the whole instance)."""
        return int((self.root / "queue" / "pid" / "master.pid").read_text().split()[0])

    def log_tail(self, lines: int = 20) -> str:
        """The end of the instance's maillog (for failure messages)."""
        log = self.root / "maillog"
        text = log.read_text(errors="replace") if log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _postfix(self, action: str) -> None:
        subprocess.run(
            ["postfix", "-c", str(self.config_dir), action], check=True, stdout=subprocess.DEVNULL
        )

    def _wait_stopped(self, timeout: float = 20.0) -> None:
        """Postfix's stop returns before master exits; wait for its pid file to go."""
        pid_file = self.root / "queue" / "pid" / "master.pid"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                pid = int(pid_file.read_text().split()[0])
                os.kill(pid, 0)
            except (OSError, ValueError, IndexError):
                return
            time.sleep(0.1)


def _postfix_uid() -> int:
    return pwd.getpwnam("postfix").pw_uid

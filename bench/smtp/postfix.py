"""A private, loopback-only Postfix instance for the SMTP benchmark.

Everything lives in one temporary directory: the config directory given to
``postfix -c``, the queue and data directories, and a virtual Maildir base.
Postfix accepts mail for ``DOMAIN`` on ``127.0.0.1:PORT``, queues it (cleanup
fsyncs the queue file before smtpd answers 250) and the ``virtual`` delivery
agent writes it into ``vmail/DOMAIN/USER/new`` (fsynced too), which is the
same durability contract pmemail keeps. No DNS, no outbound mail, no chroot,
and the system's own Postfix (if any) is never touched.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

MASTER_DIST = Path("/usr/share/postfix/master.cf.dist")
POLICY_RC = Path("/usr/sbin/policy-rc.d")
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
}


def ensure_postfix() -> None:
    """Install Debian's postfix when ``smtp-source`` or ``postfix`` is missing.

    A ``policy-rc.d`` that exits 101 keeps the package from starting the
    system-wide service during the install.
    """
    if shutil.which("postfix", path="/usr/sbin") and Path("/usr/sbin/smtp-source").exists():
        return
    guard = not POLICY_RC.exists()
    if guard:
        POLICY_RC.write_text("#!/bin/sh\nexit 101\n")
        POLICY_RC.chmod(0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(
            ["debconf-set-selections"],
            input=b"postfix postfix/main_mailer_type select No configuration\n",
            check=False,
            env=env,
        )
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "postfix"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    finally:
        if guard:
            POLICY_RC.unlink(missing_ok=True)


def _master_cf(port: int) -> str:
    """master.cf: smtpd on 127.0.0.1:PORT plus the internal services, no chroot."""
    lines = [f"127.0.0.1:{port} inet n - n - - smtpd"]
    for raw in MASTER_DIST.read_text().splitlines():
        fields = raw.split()
        if raw[:1] in ("", "#", " ", "\t") or fields[0] not in _SERVICES:
            continue
        fields[4] = "n"  # chroot off: the instance has no chroot jail set up
        lines.append(" ".join(fields))
    return "\n".join(lines) + "\n"


class PrivatePostfix:
    """``with PrivatePostfix(port, "example.be", "bench") as pf:`` → ``pf.maildir``."""

    def __init__(self, port: int, domain: str, user: str, *, processes: int = 100) -> None:
        """An instance accepting ``user@domain`` on ``127.0.0.1:port``."""
        self.port, self.domain, self.user = port, domain, user
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
        (etc / "master.cf").write_text(_master_cf(self.port))
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

    def delivered(self) -> int:
        """How many messages are in the user's Maildir ``new/``."""
        new = self.maildir / "new"
        return sum(1 for _ in os.scandir(new)) if new.exists() else 0

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

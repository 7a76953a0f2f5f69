"""A scriptable DNS server on loopback: the project's ``tests/lab/dns_server.py``.

``run_dns(tmp_path)`` starts it on a free 127.0.0.1 port (UDP and TCP) and
yields a :class:`LoopbackDns`; ``LoopbackDns.dns`` is the ``host:port`` a test
config's ``network.resolver`` names. It reads its records file again for each
query, so :meth:`LoopbackDns.set` changes the answers at once. Chosen over
``pebble-challtestsrv``, which cannot answer a TXT record longer than 255
bytes — every RSA 2048 DKIM key is (they are split in strings here).

``opendkim_verify`` runs Debian's ``opendkim-testmsg`` (an independent DKIM
verifier, C, libopendkim) in a private network and mount namespace where
``/etc/resolv.conf`` names that server on 127.0.0.1:53: the tool has no
option for a DNS server or a key file, and no query may leave loopback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.config_factory import free_port

DNS_SERVER = Path(__file__).parent / "lab" / "dns_server.py"
OPENDKIM_TESTMSG = shutil.which("opendkim-testmsg") or "/usr/sbin/opendkim-testmsg"
Record = tuple[str, str, str]  # name, type, value in zone-file syntax


def txt(value: str) -> str:
    """``value`` as TXT zone-file syntax: quoted strings of at most 255 bytes."""
    pieces = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in pieces)


def write_records(path: Path, records: list[Record]) -> None:
    """The server's records file."""
    rows = [{"name": n, "type": t, "value": v} for n, t, v in records]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows))
    tmp.replace(path)  # the server reads it per query: never half written


@dataclass
class LoopbackDns:
    """A running DNS server and its records file."""

    dns: str
    """``host:port`` of its listener (``network.resolver``)."""
    records_file: Path

    def set(self, records: list[Record]) -> None:
        """Serve exactly ``records`` from now on."""
        write_records(self.records_file, records)


@contextmanager
def run_dns(root: Path, records: list[Record] | None = None) -> Iterator[LoopbackDns]:
    """Start the DNS server on loopback serving ``records``; stop it afterwards."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = LoopbackDns(f"127.0.0.1:{port}", root / "dns-records.json")
    server.set(records or [])
    proc = subprocess.Popen(
        [sys.executable, str(DNS_SERVER), "127.0.0.1", str(port), str(server.records_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "dns: listening on ..." once both sockets are bound
        if b"listening" not in line:
            raise RuntimeError(f"the test DNS server did not start: {line!r}")
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


_NAMESPACE_SCRIPT = """
set -e
ip link set lo up
mount --bind "$DIR/resolv.conf" /etc/resolv.conf
"$PY" "$DNS_SERVER" 127.0.0.1 53 "$DIR/records.json" >"$DIR/dns.log" 2>&1 &
srv=$!
trap 'kill $srv' EXIT
for _ in $(seq 200); do grep -q listening "$DIR/dns.log" && break; sleep 0.05; done
"$TESTMSG" <"$DIR/message.eml"
"""


def opendkim_verify(root: Path, message: bytes, records: list[Record]) -> tuple[int, str]:
    """Verify ``message`` with ``opendkim-testmsg`` against ``records`` as the DNS.

    Returns the exit status (0 = every signature verified) and its output.
    """
    if not os.access(OPENDKIM_TESTMSG, os.X_OK):
        pytest.skip("opendkim-testmsg not installed (Debian package opendkim-tools)")
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private network namespace")
    root.mkdir(parents=True, exist_ok=True)
    (root / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    write_records(root / "records.json", records)
    (root / "message.eml").write_bytes(message)
    env = {
        **os.environ,
        "DIR": str(root),
        "PY": sys.executable,
        "DNS_SERVER": str(DNS_SERVER),
        "TESTMSG": OPENDKIM_TESTMSG,
    }
    done = subprocess.run(
        ["unshare", "-n", "-m", "bash", "-c", _NAMESPACE_SCRIPT],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")

"""Debian POP3 clients (fetchmail, mpop) download over STLS from the loopback server.

Needs the Debian packages ``fetchmail`` and ``mpop``; each test is skipped when
its client is missing. The server's generated certificate names ``localhost``,
which both clients dial and verify against the certificate file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mailcore.pop3 import Pop3Service, build_pop3_service
from mailcore.throttle import AuthThrottle
from pmemail.config.paths import DataPaths
from tests.config_factory import make_config
from tests.pop3_support import ALICE, ALICE_PW, POP3, inbox, make_users, put_message
from tests.tls_support import keeper_context

BODIES = [
    b"Subject: first\n\nhello\n.starts with a dot\n",
    b"Subject: second\r\n\r\n..two dots\r\nbye\r\n",
]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[Pop3Service, DataPaths]]:
    """A started service (no plaintext exception: clients must STLS), two messages."""
    setup = make_config(tmp_path, POP3)
    config, paths = setup.config, setup.paths
    root = inbox(paths)
    for i, body in enumerate(BODIES):
        put_message(root, f"170000000{i}.M{i}P1Q{i}.host", body, mtime=1_700_000_000 + i)
    service = build_pop3_service(
        config,
        paths,
        make_users(config, paths),
        AuthThrottle(config.security),
        tls=keeper_context(config, paths),
    )
    await service.start()
    yield service, paths
    await service.stop()


async def _run(tmp_path: Path, *argv: str) -> str:
    env = {"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    proc = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, f"{argv[0]} exited {proc.returncode}:\n{text}"
    return text


def _private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)  # both clients refuse world-readable files with passwords
    return path


def _assert_mbox(mbox: Path) -> None:
    data = mbox.read_bytes().replace(b"\r\n", b"\n")
    assert b"Subject: first" in data and b"\n.starts with a dot\n" in data
    assert b"Subject: second" in data and b"\n..two dots\nbye\n" in data


@pytest.mark.skipif(shutil.which("fetchmail") is None, reason="Debian package fetchmail")
async def test_fetchmail_downloads_over_stls(
    server: tuple[Pop3Service, DataPaths], tmp_path: Path
) -> None:
    """fetchmail with sslcertck + sslcertfile fetches and deletes both messages."""
    service, paths = server
    mbox = tmp_path / "fetched.mbox"
    rc = _private(
        tmp_path / "fetchmailrc",
        (
            f"poll localhost protocol pop3 port {service.port} auth password\n"
            f'  user "{ALICE}" there with password "{ALICE_PW}"\n'
            f'  sslproto "tls1.2+" sslcertck sslcertfile "{paths.tls_dir / "cert.pem"}"\n'
            f"  mda \"/bin/sh -c 'cat >> {mbox}'\"\n"
        ),
    )
    out = await _run(
        tmp_path,
        "fetchmail",
        "--nosyslog",
        "-v",
        "-f",
        str(rc),
        "--idfile",
        str(tmp_path / "fetchids"),
        "--pidfile",
        str(tmp_path / "fetchmail.pid"),
    )
    assert "STLS" in out
    _assert_mbox(mbox)
    assert not list((inbox(paths) / "cur").iterdir())  # fetchmail deletes by default


@pytest.mark.skipif(shutil.which("mpop") is None, reason="Debian package mpop")
@pytest.mark.parametrize("auth", ["user", "plain"])
async def test_mpop_downloads_over_stls(
    server: tuple[Pop3Service, DataPaths], tmp_path: Path, auth: str
) -> None:
    """mpop with tls_trust_file (USER/PASS and SASL PLAIN) fetches both messages."""
    service, paths = server
    mbox = tmp_path / "fetched.mbox"
    mbox.touch()
    conf = _private(
        tmp_path / "mpoprc",
        (
            "account default\n"
            "host localhost\n"
            f"port {service.port}\n"
            "tls on\ntls_starttls on\n"
            f"tls_trust_file {paths.tls_dir / 'cert.pem'}\n"
            f"auth {auth}\nuser {ALICE}\npassword {ALICE_PW}\n"
            f"delivery mbox {mbox}\n"
            f"uidls_file {tmp_path / 'uidls'}\n"
            "keep on\n"
        ),
    )
    await _run(tmp_path, "mpop", "-C", str(conf), "-q")
    _assert_mbox(mbox)
    # keep on + uidls_file: a second run downloads nothing new.
    size = mbox.stat().st_size
    await _run(tmp_path, "mpop", "-C", str(conf), "-q")
    assert mbox.stat().st_size == size
    assert len(list((inbox(paths) / "cur").iterdir())) == 2

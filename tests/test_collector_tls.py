"""The collector over TLS: Dovecot pop3d with a certificate for "localhost" (root, dovecot-pop3d).

The mailbox host is ``localhost`` so the certificate's name is really
checked; Dovecot listens on 127.0.0.1 only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from mailcore.collector import build_collector
from mailcore.delivery import maildir_path
from pmemail.app.collector_held import last_error_text
from tests.collector_dovecot import (
    USER,
    IspMailbox,
    Office,
    collecting,
    dovecot_pop3,
    msg,
    subjects,
)
from tests.config_factory import make_config


@pytest.fixture
def certs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(CA PEM, server chain PEM, server key PEM) for localhost / 127.0.0.1."""
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    ca_file, chain, key = tmp_path / "ca.pem", tmp_path / "pop.pem", tmp_path / "pop.key"
    ca.cert_pem.write_to_path(str(ca_file))
    chain.write_bytes(b"".join(pem.bytes() for pem in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    return ca_file, chain, key


@pytest.fixture
def isp(certs: tuple[Path, Path, Path]) -> Iterator[IspMailbox]:
    """Dovecot with ``ssl = yes``: STLS on the POP3 port and a pop3s port."""
    _, chain, key = certs
    with dovecot_pop3(tls=(chain, key)) as box:
        yield box


def tls_logins(isp: IspMailbox) -> list[str]:
    """Dovecot's successful login lines that say the session was encrypted.

    The proof that TLS was used: Dovecot counts loopback as secure and would
    accept a login in clear too (``ssl = required`` cannot show it here).
    """
    return [
        line
        for line in isp.server.log().splitlines()
        if "Login: user=<" + USER + ">" in line and ", TLS" in line
    ]


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
async def test_tls_mailbox_verified_with_ca_file(
    tmp_path: Path, isp: IspMailbox, office: Office, certs: tuple[Path, Path, Path], mode: str
) -> None:
    """tls = ssl (pop3s port) and tls = starttls (STLS) fetch when ca_file trusts the ISP."""
    paths, users, delivery = office
    isp.put("a", msg("over tls"))
    port = isp.tls_port if mode == "ssl" else isp.port
    mailbox = collecting(isp, host="localhost", port=port, tls=mode, ca_file=str(certs[0]))
    config = make_config(tmp_path, mailbox).config
    collector = build_collector(config, paths, users, delivery)
    assert collector is not None
    assert await collector.run_once() == 1, collector.status()["last_error"]
    assert subjects(paths, "alice@example.be") == ["over tls"]
    assert isp.remaining() == []
    assert len(tls_logins(isp)) == 1, isp.server.log()


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
async def test_untrusted_certificate_is_refused(
    tmp_path: Path, isp: IspMailbox, office: Office, mode: str
) -> None:
    """Without ca_file the private CA is not trusted: a clear error, nothing fetched or deleted."""
    paths, users, delivery = office
    isp.put("a", msg("kept"))
    port = isp.tls_port if mode == "ssl" else isp.port
    config = make_config(tmp_path, collecting(isp, host="localhost", port=port, tls=mode)).config
    collector = build_collector(config, paths, users, delivery)
    assert collector is not None
    assert await collector.run_once() == 0
    error = str(collector.status()["last_error"])
    assert error.startswith(f"{USER}@localhost: the POP server's TLS certificate is not trusted")
    assert "Set ca_file" in error
    french = last_error_text(collector.status()["errors"], error, "fr")
    assert french.startswith(f"{USER}@localhost : le certificat TLS du serveur POP n'est pas")
    assert "Indiquez ca_file" in french
    assert isp.remaining() == ["a"]
    assert not maildir_path(paths, "alice@example.be").exists()
    assert tls_logins(isp) == []

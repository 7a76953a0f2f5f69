"""Which certificate the keeper serves: admin's file > valid ACME chain > self-signed."""

from __future__ import annotations

import datetime
import logging
import threading
from pathlib import Path

import pytest
import trustme

from mailcore.acme.challenges import ACME_TLS_ALPN, ChallengeBoard
from mailcore.certs.info import CertInfo
from mailcore.certs.keeper import CertificateKeeper
from mailcore.certs.selfsigned import (
    CERT_NAME,
    KEY_NAME,
    ensure_self_signed,
    generate_self_signed,
    self_signed_names,
)
from mailcore.interfaces import ServiceStartError
from tests.certs_support import handshake, loaded_keeper, put_acme_chain
from tests.config_factory import make_config

HOST = "mail.example.be"


def _served_info(keeper: CertificateKeeper, name: str | None = HOST) -> CertInfo:
    der, _alpn = handshake(keeper.context, name)
    return CertInfo.from_der(der)


def test_self_signed_names_follow_the_config(tmp_path: Path) -> None:
    """Host name first, the domains, their autoconfig/autodiscover names, acme.extra_names."""
    config = make_config(tmp_path).config
    config.mail.extra_domains = ["Other.test."]
    config.acme.extra_names = ["webmail.example.be", "MAIL.example.be"]
    assert self_signed_names(config) == [
        HOST,
        "example.be",
        "other.test",
        "autoconfig.example.be",
        "autodiscover.example.be",
        "autoconfig.other.test",
        "autodiscover.other.test",
        "webmail.example.be",
    ]


def test_without_other_files_the_self_signed_one_is_served(tmp_path: Path) -> None:
    """A fresh data dir: a generated certificate, private files, not trusted."""
    setup = make_config(tmp_path)
    keeper = loaded_keeper(setup.config, setup.paths)
    info, source = keeper.served()
    assert source == "self-signed" and not keeper.trusted()
    assert info.subject == HOST and info.covers("autodiscover.example.be")
    assert _served_info(keeper).fingerprint_sha256 == info.fingerprint_sha256
    tls_dir = setup.paths.tls_dir
    assert tls_dir.stat().st_mode & 0o777 == 0o700
    for name in (CERT_NAME, KEY_NAME):
        assert (tls_dir / name).stat().st_mode & 0o777 == 0o600


def test_self_signed_regenerated_when_the_hostname_changes(tmp_path: Path) -> None:
    """The old CN=mail.example.be bug: a new host name gets a certificate naming it."""
    setup = make_config(tmp_path)
    config, paths = setup.config, setup.paths
    first = CertInfo.from_pem(ensure_self_signed(config, paths)[0].read_bytes())
    again = CertInfo.from_pem(ensure_self_signed(config, paths)[0].read_bytes())
    assert again.fingerprint_sha256 == first.fingerprint_sha256  # kept while it fits
    config.mail.domain = "office.test"
    config.mail.hostname = "mx.office.test"
    keeper = loaded_keeper(config, paths)
    info, source = keeper.served()
    assert source == "self-signed" and info.fingerprint_sha256 != first.fingerprint_sha256
    assert info.subject == "mx.office.test"
    assert set(info.names) == set(self_signed_names(config))
    assert "mail.example.be" not in info.names


def test_self_signed_with_a_foreign_key_is_replaced(tmp_path: Path) -> None:
    """A crash between the two writes (a key of another pair) is repaired at the next start."""
    setup = make_config(tmp_path)
    cert, key = ensure_self_signed(setup.config, setup.paths)
    key.write_bytes(generate_self_signed([HOST])[1])
    loaded_keeper(setup.config, setup.paths)  # would raise on a mismatched pair
    assert CertInfo.from_pem(cert.read_bytes()).subject == HOST


def test_valid_acme_chain_beats_self_signed(tmp_path: Path) -> None:
    """A readable ACME chain, valid now and covering the host name, is served and trusted."""
    setup = make_config(tmp_path)
    leaf = put_acme_chain(setup.paths, trustme.CA(), HOST, "autoconfig.example.be")
    keeper = loaded_keeper(setup.config, setup.paths)
    info, source = keeper.served()
    assert source == "acme" and keeper.trusted()
    assert info == CertInfo.from_pem(leaf.cert_chain_pems[0].bytes())
    assert _served_info(keeper) == info


@pytest.mark.parametrize("problem", ["expired", "other name", "broken", "foreign key"])
def test_unusable_acme_chain_falls_back_once_logged(
    tmp_path: Path, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Expired, wrong name or unreadable: the start goes on with the self-signed one."""
    setup = make_config(tmp_path)
    paths, ca = setup.paths, trustme.CA()
    if problem == "expired":
        past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2)
        put_acme_chain(paths, ca, HOST, not_after=past)
    elif problem == "other name":
        put_acme_chain(paths, ca, "www.example.be")
    else:
        put_acme_chain(paths, ca, HOST)
        if problem == "broken":
            paths.acme_cert.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n")
        else:
            paths.acme_key.write_bytes(ca.issue_cert(HOST).private_key_pem.bytes())
    with caplog.at_level(logging.WARNING, logger="mailcore.certs.keeper"):
        keeper = loaded_keeper(setup.config, paths)
        keeper.reload()
        keeper.reload()
    assert keeper.served()[1] == "self-signed"
    warnings = [r for r in caplog.records if "not served" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]


def test_admin_certificate_wins_and_is_never_written(tmp_path: Path) -> None:
    """mail.tls_cert beats a valid ACME chain; the keeper never touches its files."""
    setup = make_config(tmp_path)
    config, paths = setup.config, setup.paths
    ca = trustme.CA()
    put_acme_chain(paths, ca, HOST)
    own = ca.issue_cert("elsewhere.test")  # even a name that is not the host name
    cert, key = tmp_path / "own.pem", tmp_path / "own.key"
    own.cert_chain_pems[0].write_to_path(str(cert))
    own.private_key_pem.write_to_path(str(key))
    before = (cert.read_bytes(), key.read_bytes(), cert.stat().st_mtime_ns)
    config.mail.tls_cert, config.mail.tls_key = str(cert), str(key)
    keeper = loaded_keeper(config, paths)
    keeper.reload()
    info, source = keeper.served()
    assert source == "user" and keeper.trusted() and info.names == ("elsewhere.test",)
    assert (cert.read_bytes(), key.read_bytes(), cert.stat().st_mtime_ns) == before
    assert not (paths.tls_dir / CERT_NAME).exists()  # nothing generated beside it


def test_admin_self_signed_certificate_is_not_trusted(tmp_path: Path) -> None:
    """An admin's own self-signed file is served but clients will still warn."""
    setup = make_config(tmp_path)
    cert_pem, key_pem = generate_self_signed([HOST])
    cert, key = tmp_path / "own.pem", tmp_path / "own.key"
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    setup.config.mail.tls_cert, setup.config.mail.tls_key = str(cert), str(key)
    keeper = loaded_keeper(setup.config, setup.paths)
    assert keeper.served()[1] == "user" and not keeper.trusted()


def test_unusable_admin_certificate_is_one_start_error(tmp_path: Path) -> None:
    """The admin's file is never replaced by another: the start stops with one line."""
    setup = make_config(tmp_path)
    setup.config.mail.tls_cert = str(tmp_path / "missing.pem")
    keeper = CertificateKeeper(setup.config, setup.paths, ChallengeBoard())
    with pytest.raises(ServiceStartError, match=r"^TLS certificate unusable: "):
        keeper.load()


def test_reload_swaps_what_new_handshakes_get(tmp_path: Path) -> None:
    """Self-signed, then an ACME chain appears and reload() (from another thread): the
    same context serves it."""
    setup = make_config(tmp_path)
    keeper = loaded_keeper(setup.config, setup.paths)
    context = keeper.context
    before = _served_info(keeper)
    assert before.self_signed
    put_acme_chain(setup.paths, trustme.CA(), HOST)
    worker = threading.Thread(target=keeper.reload)  # e.g. the renewal's worker thread
    worker.start()
    worker.join(10)
    after = _served_info(keeper)
    assert keeper.context is context
    assert after.fingerprint_sha256 == keeper.served()[0].fingerprint_sha256
    assert after.fingerprint_sha256 != before.fingerprint_sha256 and not after.self_signed
    assert _served_info(keeper, None) == after  # a client without SNI too


def test_tls_alpn_challenge_gets_the_board_certificate(tmp_path: Path) -> None:
    """SNI + acme-tls/1 for a name with a pending challenge: the challenge certificate;
    other names (and the same name once dropped) get the served one."""
    setup = make_config(tmp_path)
    board = ChallengeBoard()
    keeper = CertificateKeeper(setup.config, setup.paths, board)
    keeper.load()
    served = keeper.served()[0]
    challenge_pem, challenge_key = generate_self_signed(["challenge.example.be"])
    board.put_alpn(HOST, challenge_pem, challenge_key)

    der, alpn = handshake(keeper.context, HOST.upper(), [ACME_TLS_ALPN])
    assert CertInfo.from_der(der) == CertInfo.from_pem(challenge_pem)
    assert alpn == ACME_TLS_ALPN

    der, alpn = handshake(keeper.context, "autoconfig.example.be", [ACME_TLS_ALPN])
    assert CertInfo.from_der(der) == served and alpn is None
    board.drop_alpn(HOST)
    der, _ = handshake(keeper.context, HOST, [ACME_TLS_ALPN])
    assert CertInfo.from_der(der) == served

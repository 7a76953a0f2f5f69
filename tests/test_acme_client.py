"""The ACME client against a real Pebble on loopback: real HTTP-01 and TLS-ALPN-01
validations, and each failure path ending in one clear failure id."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from acme import client as acme_client

from mailcore.acme import failures
from mailcore.acme.account import load_account_key, register, signing_algorithm
from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.client import AcmeClient, Issued
from mailcore.acme.failures import AcmeFailure
from mailcore.acme.names import NameFilter, candidate_names
from tests.acme_peers import (
    alpn_challenge_server,
    http_challenge_server,
    rate_limiting_ca,
    verify_chain,
)
from tests.config_factory import ConfigSetup, make_config
from tests.pebble_support import Pebble, run_pebble

HOST = "mail.example.be"


@pytest.fixture
def pebble(tmp_path: Path) -> Iterator[Pebble]:
    with run_pebble(tmp_path) as running:
        yield running


def setup_for(tmp_path: Path, pebble: Pebble, **acme: Any) -> ConfigSetup:
    return make_config(tmp_path, pebble.overrides(**acme))


async def obtain(
    setup: ConfigSetup,
    board: ChallengeBoard,
    names: list[str] | None = None,
    *,
    public: str = "",
    cancel: threading.Event | None = None,
) -> Issued:
    """One attempt in a thread (the challenge listeners run on this loop)."""
    lookup = NameFilter(setup.config)
    client = AcmeClient(
        setup.config,
        setup.paths,
        board,
        lookup=lookup.addresses,
        public_address=public,
        cancel=cancel,
    )
    if names is None:
        names = await asyncio.to_thread(lookup.pointing_names, candidate_names(setup.config))
    return await asyncio.to_thread(client.obtain, names)


async def failure_of(setup: ConfigSetup, board: ChallengeBoard, **kw: Any) -> AcmeFailure:
    with pytest.raises(AcmeFailure) as caught:
        await obtain(setup, board, **kw)
    assert not board.pending(), "an answer was left on the board"
    return caught.value


async def test_http01_certificate_for_every_name(tmp_path: Path, pebble: Pebble) -> None:
    """HTTP-01 through challenge_routes: one certificate for the host name and the
    client names, its chain leading to Pebble's root; the account key private."""
    setup = setup_for(tmp_path, pebble, challenge="http-01")
    board = ChallengeBoard()
    async with http_challenge_server(board, pebble.http_port):
        issued = await obtain(setup, board)
    assert issued.names == [
        HOST,
        "autoconfig.example.be",
        "autodiscover.example.be",
        "mta-sts.example.be",
    ]
    root = pebble.roots()
    for name in issued.names:
        verify_chain(issued.fullchain_pem, root, name)
    assert b"PRIVATE KEY" in issued.key_pem
    assert not board.pending()
    account = setup.paths.acme_account_key
    assert stat.S_IMODE(account.stat().st_mode) == 0o600
    assert stat.S_IMODE(account.parent.stat().st_mode) == 0o700


async def test_the_account_is_found_again(tmp_path: Path, pebble: Pebble) -> None:
    """A second attempt reuses the key file, and the CA finds the same account."""
    setup = setup_for(tmp_path, pebble, challenge="http-01")
    board = ChallengeBoard()
    async with http_challenge_server(board, pebble.http_port):
        await obtain(setup, board, [HOST])
        key_file = setup.paths.acme_account_key.read_bytes()
        await obtain(setup, board, [HOST])
    assert setup.paths.acme_account_key.read_bytes() == key_file

    def account_url() -> str:
        key = load_account_key(setup.paths.acme_account_key)
        net = acme_client.ClientNetwork(
            key,
            alg=signing_algorithm(key),
            verify_ssl=str(pebble.ca_file),  # type: ignore[arg-type]
        )
        directory = acme_client.ClientV2.get_directory(pebble.directory, net)
        return str(register(acme_client.ClientV2(directory, net), "postmaster@example.be").uri)

    assert await asyncio.to_thread(account_url) == await asyncio.to_thread(account_url)


async def test_tls_alpn01_certificate(tmp_path: Path, pebble: Pebble) -> None:
    """TLS-ALPN-01: the validator's handshake gets the RFC 8737 certificate via SNI."""
    setup = setup_for(tmp_path, pebble, challenge="tls-alpn-01", client_names=False)
    board = ChallengeBoard()
    async with alpn_challenge_server(board, pebble.tls_port):
        issued = await obtain(setup, board)
    assert issued.names == [HOST]
    verify_chain(issued.fullchain_pem, pebble.roots(), HOST)


async def test_auto_falls_back_to_tls_alpn(tmp_path: Path, pebble: Pebble) -> None:
    """Nothing on port 80: "auto" gets the certificate through TLS-ALPN-01."""
    setup = setup_for(tmp_path, pebble, challenge="auto", client_names=False)
    board = ChallengeBoard()
    async with alpn_challenge_server(board, pebble.tls_port):
        issued = await obtain(setup, board)
    verify_chain(issued.fullchain_pem, pebble.roots(), HOST)


async def test_port80_unreachable(tmp_path: Path, pebble: Pebble) -> None:
    """HTTP-01 only and nothing on port 80: PORT80_UNREACHABLE with the CA's words."""
    setup = setup_for(tmp_path, pebble, challenge="http-01", client_names=False)
    failure = await failure_of(setup, ChallengeBoard())
    assert failure.code == failures.PORT80_UNREACHABLE
    assert failure.params["name"] == HOST
    assert failure.params["detail"]


async def test_both_ports_closed_says_port_80(tmp_path: Path, pebble: Pebble) -> None:
    """auto with 80 and 443 closed: port 80 is the one to open first."""
    setup = setup_for(tmp_path, pebble, challenge="auto", client_names=False)
    failure = await failure_of(setup, ChallengeBoard())
    assert failure.code == failures.PORT80_UNREACHABLE


async def test_port443_unreachable(tmp_path: Path, pebble: Pebble) -> None:
    """TLS-ALPN-01 only and nothing on 443: PORT443_UNREACHABLE."""
    setup = setup_for(tmp_path, pebble, challenge="tls-alpn-01", client_names=False)
    failure = await failure_of(setup, ChallengeBoard())
    assert failure.code == failures.PORT443_UNREACHABLE


async def test_dns_pointing_elsewhere(tmp_path: Path, pebble: Pebble) -> None:
    """The host name resolves to another address than the office's: NAME_ELSEWHERE
    (not "port 80 closed", though the CA could not connect there)."""
    setup = setup_for(tmp_path, pebble, challenge="http-01", client_names=False)
    pebble.add_a(HOST, ["127.0.0.9"])
    board = ChallengeBoard()
    async with http_challenge_server(board, pebble.http_port):
        failure = await failure_of(setup, board, names=[HOST], public="127.0.0.1")
    assert failure.code == failures.NAME_ELSEWHERE
    assert failure.params == {"name": HOST, "address": "127.0.0.9", "public": "127.0.0.1"}


async def test_extra_name_elsewhere_without_public_address(tmp_path: Path, pebble: Pebble) -> None:
    """Public address unknown: an extra name is compared with the host name's address."""
    setup = setup_for(tmp_path, pebble, challenge="http-01", client_names=False)
    pebble.add_a("webmail.example.be", ["127.0.0.9"])
    board = ChallengeBoard()
    async with http_challenge_server(board, pebble.http_port):
        failure = await failure_of(setup, board, names=[HOST, "webmail.example.be"])
    assert failure.code == failures.NAME_ELSEWHERE
    assert failure.params["address"] == "127.0.0.9"
    assert failure.params["public"] == "127.0.0.1"


async def test_wrong_answer_is_challenge_failed(tmp_path: Path, pebble: Pebble) -> None:
    """Another web server answers port 80 (it knows no token): CHALLENGE_FAILED."""
    setup = setup_for(tmp_path, pebble, challenge="http-01", client_names=False)
    async with http_challenge_server(ChallengeBoard(), pebble.http_port):
        failure = await failure_of(setup, ChallengeBoard())
    assert failure.code == failures.CHALLENGE_FAILED
    assert failure.params["name"] == HOST
    assert "404" in failure.params["detail"]


async def test_ca_down(tmp_path: Path, pebble: Pebble) -> None:
    """Pebble stopped: CA_UNREACHABLE naming the directory and the reason."""
    setup = setup_for(tmp_path, pebble)
    pebble.stop_ca()
    failure = await failure_of(setup, ChallengeBoard())
    assert failure.code == failures.CA_UNREACHABLE
    assert failure.params == {"url": pebble.directory, "detail": "Connection refused"}


async def test_ca_not_trusted(tmp_path: Path, pebble: Pebble) -> None:
    """The directory's certificate is not from the CA file: CA_UNREACHABLE, a TLS reason."""
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    setup = setup_for(tmp_path, pebble, ca_file=str(other))
    failure = await failure_of(setup, ChallengeBoard())
    assert failure.code == failures.CA_UNREACHABLE
    assert failure.params["detail"].startswith("TLS: ")


async def test_nonces_rejected(tmp_path: Path) -> None:
    """Pebble refusing 30 % of nonces: still a certificate (badNonce is retried),
    or at worst CA_ERROR with the CA's words."""
    with run_pebble(tmp_path, env={"PEBBLE_WFE_NONCEREJECT": "30"}) as pebble:
        setup = setup_for(tmp_path, pebble, challenge="http-01", client_names=False)
        board = ChallengeBoard()
        async with http_challenge_server(board, pebble.http_port):
            try:
                issued = await obtain(setup, board)
            except AcmeFailure as failure:
                assert failure.code == failures.CA_ERROR
                assert "nonce" in failure.params["detail"].lower()
            else:
                verify_chain(issued.fullchain_pem, pebble.roots(), HOST)
        assert "badNonce" in pebble.log() or "nonce" in pebble.log().lower()


async def test_rate_limited(tmp_path: Path) -> None:
    """A rateLimited problem with Retry-After: RATE_LIMITED at that time."""
    async with rate_limiting_ca("7200") as ca:
        setup = make_config(tmp_path, {"acme": {"enabled": True, "directory": ca.url}})
        before = time.time()
        failure = await failure_of(setup, ChallengeBoard(), names=[HOST])
    assert ca.seen
    assert failure.code == failures.RATE_LIMITED
    assert before + 7199 <= float(failure.params["retry_at"]) <= time.time() + 7201


async def test_cancelled_attempt_is_timed_out(tmp_path: Path, pebble: Pebble) -> None:
    """A cancel from the renewal (stop, or its own deadline) ends the attempt as TIMED_OUT."""
    setup = setup_for(tmp_path, pebble)
    cancel = threading.Event()
    cancel.set()
    failure = await failure_of(setup, ChallengeBoard(), names=[HOST], cancel=cancel)
    assert failure.code == failures.TIMED_OUT
    assert failure.params == {"seconds": "60"}
    assert os.path.exists(setup.paths.acme_account_key)

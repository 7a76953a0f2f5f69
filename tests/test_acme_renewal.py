"""The ``certificates`` service: when it renews, how it backs off, what it writes,
against a real Pebble (and a fake CA for rate limits and a CA that never answers)."""

from __future__ import annotations

import asyncio
import gc
import logging
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from mailcore.acme import failures
from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.renewal import (
    CertificateRenewal,
    backoff,
    build_certificate_renewal,
    renewal_time,
)
from mailcore.acme.state import RenewalState
from mailcore.certs.info import CertInfo
from mailcore.certs.keeper import CertificateKeeper
from mailcore.certs.report import Source
from pmemail.config.paths import DataPaths
from pmemail.serve.composition import build_server
from tests.acme_peers import (
    alpn_challenge_server,
    http_challenge_server,
    rate_limiting_ca,
    verify_chain,
)
from tests.certs_support import handshake
from tests.config_factory import ConfigSetup, free_port, make_config
from tests.pebble_support import Pebble, run_pebble

HOST = "mail.example.be"


def fake_ca_config(tmp_path: Path, **acme: Any) -> ConfigSetup:
    """ACME on, only the host name, and a DNS server on loopback that never answers:
    no lookup may go to the system's resolver (and from there to the internet)."""
    values = {"enabled": True, "client_names": False, **acme}
    dns = {"resolver": f"127.0.0.1:{free_port()}", "dns_timeout": 0.2}
    return make_config(tmp_path, {"acme": values, "network": dns})


class FakeKeeper:
    """The keeper's two methods: counts reloads, serves the ACME file when there is one."""

    def __init__(self, paths: DataPaths) -> None:
        self.paths = paths
        self.reloads = 0
        pem = trustme.CA().issue_cert(HOST).cert_chain_pems[0].bytes()
        self.fallback = CertInfo.from_pem(pem)

    def reload(self) -> None:
        self.reloads += 1

    def served(self) -> tuple[CertInfo, Source]:
        try:
            return CertInfo.from_pem(self.paths.acme_cert.read_bytes()), "acme"
        except OSError:
            return self.fallback, "self-signed"


@pytest.fixture
def pebble(tmp_path: Path) -> Iterator[Pebble]:
    with run_pebble(tmp_path) as running:
        yield running


def renewal_for(setup: ConfigSetup, board: ChallengeBoard | None = None) -> CertificateRenewal:
    service = build_certificate_renewal(
        setup.config, setup.paths, board or ChallengeBoard(), FakeKeeper(setup.paths)
    )
    assert service is not None
    return service


def keeper_of(service: CertificateRenewal) -> FakeKeeper:
    keeper = service._keeper
    assert isinstance(keeper, FakeKeeper)
    return keeper


async def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (pytest's timeout bounds it; no timing is asserted)."""
    while not condition():
        await asyncio.sleep(0.02)


def leaf(paths: DataPaths) -> x509.Certificate:
    return x509.load_pem_x509_certificate(paths.acme_cert.read_bytes())


def test_backoff_doubles_and_caps() -> None:
    """retry_first, doubled at each failure, never past retry_max."""
    waits = [backoff(n, 60.0, 400.0) for n in range(1, 6)]
    assert waits == [60.0, 120.0, 240.0, 400.0, 400.0]


def test_renewal_time_is_the_earlier_of_days_and_a_third() -> None:
    """90 days → renewed 30 days before; a 6-minute certificate 2 minutes before."""

    def info(lifetime: float) -> CertInfo:
        return CertInfo("a", "b", (HOST,), 1000.0, 1000.0 + lifetime, "", False)

    day = 86400.0
    assert renewal_time(info(90 * day), 30) == 1000.0 + 60 * day
    assert renewal_time(info(90 * day), 10) == 1000.0 + 80 * day
    assert renewal_time(info(360.0), 30) == 1000.0 + 240.0


def test_built_only_when_acme_applies(tmp_path: Path) -> None:
    """Off, or an admin's certificate in mail.tls_cert: no service."""
    board = ChallengeBoard()
    off = make_config(tmp_path)
    assert build_certificate_renewal(off.config, off.paths, board, FakeKeeper(off.paths)) is None
    user = make_config(
        tmp_path, {"acme": {"enabled": True}, "mail": {"tls_cert": "/etc/ssl/mine.pem"}}
    )
    assert build_certificate_renewal(user.config, user.paths, board, FakeKeeper(user.paths)) is None
    on = make_config(tmp_path, {"acme": {"enabled": True}})
    service = build_certificate_renewal(on.config, on.paths, board, FakeKeeper(on.paths))
    assert isinstance(service, CertificateRenewal)
    assert service.name == "certificates"


async def test_placeholder_name_never_reaches_lets_encrypt(tmp_path: Path) -> None:
    """Let's Encrypt and the default mail.example.be: NO_PUBLIC_NAME, nothing sent
    (the network guard would refuse any packet to the internet)."""
    setup = fake_ca_config(tmp_path, directory="")
    status = await renewal_for(setup).renew_now()
    assert status["last_failure"] == {"code": failures.NO_PUBLIC_NAME, "params": {"name": HOST}}
    assert status["failures"] == 1
    assert status["source"] == "self-signed"


async def test_first_start_obtains_and_swaps(tmp_path: Path, pebble: Pebble) -> None:
    """At start with no certificate: one is obtained, written 0600 (leaf first),
    the state saved, the keeper reloaded; the status says so."""
    setup = make_config(tmp_path, pebble.overrides(challenge="http-01"))
    board = ChallengeBoard()
    service = renewal_for(setup, board)
    async with http_challenge_server(board, pebble.http_port):
        await service.start()
        try:
            await until(lambda: keeper_of(service).reloads == 1)
        finally:
            await service.stop()
    paths = setup.paths
    for path in (paths.acme_cert, paths.acme_key, paths.acme_state, paths.acme_account_key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(paths.acme_dir.stat().st_mode) == 0o700
    chain = paths.acme_cert.read_bytes()
    verify_chain(chain, pebble.roots(), HOST)
    assert chain.count(b"BEGIN CERTIFICATE") >= 2
    state = RenewalState.load(paths.acme_state)
    assert state.failures == 0 and state.last_failure is None
    assert state.last_success is not None and state.last_success == state.last_attempt
    assert state.names[0] == HOST and len(state.names) == 4
    status = service.status()
    assert status["source"] == "acme" and status["trusted"]
    assert status["wanted_names"] == state.names
    assert status["next_attempt"] == renewal_time(
        CertInfo.from_pem(chain), setup.config.acme.renew_before_days
    )


async def test_not_due_then_names_changed(
    tmp_path: Path, pebble: Pebble, caplog: pytest.LogCaptureFixture
) -> None:
    """A valid certificate with the same names is left alone; a new name (the
    client names turned on) makes a new order at the next start."""
    caplog.set_level(logging.DEBUG, "pmemail.acme")
    board = ChallengeBoard()
    only_host = make_config(tmp_path, pebble.overrides(challenge="http-01", client_names=False))
    async with http_challenge_server(board, pebble.http_port):
        first = renewal_for(only_host, board)
        assert (await first.renew_now())["names"] == [HOST]

        again = renewal_for(only_host, board)
        await again.start()
        try:
            await until(lambda: "acme: checked due=None" in caplog.text)
        finally:
            await again.stop()
        assert keeper_of(again).reloads == 0

        more = renewal_for(make_config(tmp_path, pebble.overrides(challenge="http-01")), board)
        await more.start()
        try:
            await until(lambda: keeper_of(more).reloads == 1)
        finally:
            await more.stop()
    assert "reason=new_names" in caplog.text
    assert len(more.status()["names"]) == 4


@pytest.mark.slow
async def test_short_certificate_is_renewed(tmp_path: Path) -> None:
    """Pebble issuing 6-second certificates: renewed after two thirds of their life,
    by the service's own schedule, and the keeper reloaded each time."""
    with run_pebble(tmp_path, validity=6) as pebble:
        setup = make_config(tmp_path, pebble.overrides(challenge="http-01", client_names=False))
        board = ChallengeBoard()
        service = renewal_for(setup, board)
        async with http_challenge_server(board, pebble.http_port):
            await service.start()
            try:
                await until(lambda: keeper_of(service).reloads == 1)
                first = leaf(setup.paths).serial_number
                await until(lambda: keeper_of(service).reloads == 2)
            finally:
                await service.stop()
        assert leaf(setup.paths).serial_number != first
        assert RenewalState.load(setup.paths.acme_state).failures == 0


async def test_failures_back_off_and_persist(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """CA down: each failure doubles the wait up to retry_max, in the state file;
    a restart keeps the back-off (no attempt before its time)."""
    caplog.set_level(logging.DEBUG, "pmemail.acme")
    down = f"https://127.0.0.1:{free_port()}/dir"
    setup = fake_ca_config(tmp_path, directory=down, retry_first=100.0, retry_max=300.0)
    service = renewal_for(setup)
    waits = []
    for _ in range(4):
        status = await service.renew_now()
        assert status["last_failure"] is not None
        assert status["last_failure"]["code"] == failures.CA_UNREACHABLE
        assert status["last_attempt"] is not None and status["next_attempt"] is not None
        waits.append(round(status["next_attempt"] - status["last_attempt"]))
    assert waits == [100, 200, 300, 300]
    saved = RenewalState.load(setup.paths.acme_state)
    assert saved.failures == 4 and saved.next_attempt == status["next_attempt"]
    assert caplog.text.count("acme: attempt failed code=ca_unreachable") == 4

    restarted = renewal_for(setup)
    await restarted.start()
    try:
        await until(lambda: "acme: checked due=no_certificate" in caplog.text)
    finally:
        await restarted.stop()
    assert RenewalState.load(setup.paths.acme_state).failures == 4


async def test_back_off_for_an_old_host_name_does_not_hold(tmp_path: Path, pebble: Pebble) -> None:
    """Failures about the placeholder name before the wizard set the real one: the
    next start tries the new name at once (the back-off was about the old one)."""
    setup = make_config(
        tmp_path,
        pebble.overrides(challenge="http-01", client_names=False),
        {"mail": {"hostname": "mail.dupont-avocats.be"}},
    )
    old = RenewalState(failures=3, next_attempt=time.time() + 86400)
    old.last_failure = {"code": failures.NO_PUBLIC_NAME, "params": {"name": HOST}}
    old.save(setup.paths.acme_state)
    board = ChallengeBoard()
    service = renewal_for(setup, board)
    async with http_challenge_server(board, pebble.http_port):
        await service.start()
        try:
            await until(lambda: keeper_of(service).reloads == 1)
        finally:
            await service.stop()
    assert service.status()["names"] == ["mail.dupont-avocats.be"]
    assert RenewalState.load(setup.paths.acme_state).failures == 0


async def test_rate_limit_is_honoured(tmp_path: Path) -> None:
    """RATE_LIMITED: next_attempt is the CA's Retry-After, and renew_now sends
    nothing before it (nor does a restarted service)."""
    async with rate_limiting_ca("5000") as ca:
        setup = fake_ca_config(tmp_path, directory=ca.url)
        service = renewal_for(setup)
        before = time.time()
        status = await service.renew_now()
        assert status["last_failure"] is not None
        assert status["last_failure"]["code"] == failures.RATE_LIMITED
        assert status["next_attempt"] is not None
        assert before + 4999 <= status["next_attempt"] <= time.time() + 5001
        asked = len(ca.seen)
        assert (await service.renew_now()) == status
        service = renewal_for(setup)
        await service.start()
        try:
            restarted = await service.renew_now()
        finally:
            await service.stop()
        assert restarted["last_failure"] == status["last_failure"]
        assert restarted["next_attempt"] == status["next_attempt"]
        assert len(ca.seen) == asked


async def test_renew_now_never_runs_two_attempts(tmp_path: Path) -> None:
    """Two renew_now at once: one attempt, both callers get its outcome."""
    async with rate_limiting_ca(hold=True) as ca:
        setup = fake_ca_config(tmp_path, directory=ca.url)
        service = renewal_for(setup)
        first = asyncio.create_task(service.renew_now())
        await until(lambda: len(ca.seen) == 1)
        second = asyncio.create_task(service.renew_now())
        await asyncio.sleep(0.1)  # let the second call reach the lock
        assert not second.done()
        ca.release.set()
        one, two = await asyncio.gather(first, second)
    assert one == two
    assert one["failures"] == 1
    assert ca.seen == ["/dir"]


async def test_stop_does_not_wait_for_the_ca(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A CA that never answers: stop() returns anyway; when the CA finally answers,
    the abandoned attempt ends quietly and the board is left empty."""
    board = ChallengeBoard()
    async with rate_limiting_ca(hold=True) as ca:
        setup = fake_ca_config(tmp_path, directory=ca.url, timeout=600.0)
        service = renewal_for(setup, board)
        await service.start()
        await until(lambda: len(ca.seen) == 1)
        await service.stop()
        ca.release.set()
        await until(lambda: all(t.name != "pmemail-acme" for t in threading.enumerate()))
        await asyncio.sleep(0.05)  # the thread's last call_soon_threadsafe
    gc.collect()
    assert "never retrieved" not in caplog.text
    assert not board.pending()


async def test_keeper_serves_what_tls_alpn_obtained(tmp_path: Path, pebble: Pebble) -> None:
    """With the product's keeper: TLS-ALPN-01 answered through its one context, then
    the same context serves Pebble's certificate to the next handshake."""
    setup = make_config(tmp_path, pebble.overrides(challenge="tls-alpn-01", client_names=False))
    board = ChallengeBoard()
    keeper = CertificateKeeper(setup.config, setup.paths, board)
    keeper.load()
    assert keeper.served()[1] == "self-signed"
    service = build_certificate_renewal(setup.config, setup.paths, board, keeper)
    assert service is not None
    async with alpn_challenge_server(board, pebble.tls_port, keeper.context):
        status = await service.renew_now()
    assert status["source"] == "acme" and status["trusted"], status["last_failure"]
    der, _ = await asyncio.to_thread(handshake, keeper.context, HOST)
    chain = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)
    verify_chain(chain + pebble.intermediates(), pebble.roots(), HOST)


def test_composition_runs_the_renewal(tmp_path: Path) -> None:
    """ACME on: the "certificates" service starts last, and cert-renew reaches it."""
    setup = fake_ca_config(tmp_path, directory=f"https://127.0.0.1:{free_port()}/dir")
    parts = build_server(setup.config, setup.paths)
    assert parts.services[-1].name == "certificates"
    assert {"cert-status", "cert-renew"} <= set(parts.commands)
    off = make_config(tmp_path / "off")
    assert "certificates" not in [s.name for s in build_server(off.config, off.paths).services]

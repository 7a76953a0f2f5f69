"""The ``certificates`` service: obtains the ACME certificate, renews it, backs off.

Due when there is no ACME certificate, when a name it should cover is
missing from it, or when less than ``min(acme.renew_before_days, a third of its
lifetime)`` is left (Let's Encrypt's 90 days → 30; a short test certificate
renews too). A failure waits ``acme.retry_first`` seconds, doubled at each
further failure up to ``acme.retry_max``; a CA's rate limit waits until the
time it gave. The state file keeps both across restarts, so a server that
restarts in a loop never hammers the CA. After each new certificate,
``acme.after_renew`` runs (``mailcore.acme.after_renew``).

The ACME exchange is blocking (``requests``): it runs in a daemon thread, so
:meth:`CertificateRenewal.stop` returns at once and a process exit never waits
for a CA; a ``cancel`` event ends the abandoned attempt at its next step.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from mailcore.acme.after_renew import run_after_renew
from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.failures import CA_ERROR, RATE_LIMITED, TIMED_OUT, AcmeFailure
from mailcore.acme.names import NameFilter, candidate_names
from mailcore.acme.state import RenewalState
from mailcore.certs.info import CertInfo
from mailcore.certs.report import Source, certificate_status
from mailcore.periodic import PeriodicTask
from mailcore.status import CertificateStatus
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.fsutil import atomic_write_bytes, make_private_dir

if TYPE_CHECKING:
    from mailcore.acme.client import Issued

log = logging.getLogger("pmemail.acme")
T = TypeVar("T")
_GRACE = 5.0  # seconds past acme.timeout before an attempt is abandoned


class ServedCertificate(Protocol):
    """The certificate the listeners serve (``mailcore.certs.keeper.CertificateKeeper``)."""

    def reload(self) -> None:
        """Read the certificate files again and serve the best one from now on."""
        ...

    def served(self) -> tuple[CertInfo, Source]:
        """The certificate served now and where it comes from."""
        ...


def renewal_time(info: CertInfo, renew_before_days: float) -> float:
    """When ``info`` is due for renewal (epoch seconds).

    ``min(renew_before_days, lifetime / 3)`` before it expires.
    """
    lifetime = info.not_after - info.not_before
    return info.not_after - min(renew_before_days * 86400.0, lifetime / 3)


def backoff(failures: int, first: float, longest: float) -> float:
    """Seconds to wait after ``failures`` consecutive failures (1 → ``first``, doubling)."""
    return min(first * 2.0 ** max(failures - 1, 0), longest)


class CertificateRenewal:
    """Keeps an ACME certificate at ``paths.acme_cert`` and the keeper serving it."""

    name = "certificates"

    def __init__(
        self,
        config: Config,
        paths: DataPaths,
        board: ChallengeBoard,
        keeper: ServedCertificate,
        *,
        public_address: Callable[[], str] | None = None,
    ) -> None:
        """Prepare the service; nothing is read or sent before :meth:`start`.

        Args:
            config: ``acme.*``, ``mail.hostname`` and domains, ``network.resolver``.
            paths: the certificate, key, account key and state files.
            board: where challenge answers go for the web listeners.
            keeper: reloaded after each new certificate; says what is served.
            public_address: the office's public address ("" unknown), so a
                failed validation can say "the DNS points elsewhere".
        """
        self._config = config
        self._paths = paths
        self._board = board
        self._keeper = keeper
        self._public = public_address or (lambda: "")
        self._state = RenewalState()
        self._wanted = candidate_names(config)
        self._due_at: float | None = None
        self._attempts = 0  # attempts started, so a waiting renew_now sees one happened
        self._lock = asyncio.Lock()
        self._thread_ended = asyncio.Event()  # no ACME thread is running
        self._thread_ended.set()
        self._cancel = threading.Event()  # the running thread's
        self._filter = NameFilter(config)
        self._task = PeriodicTask(self._check, self._wait, "acme-renewal", self._job_error)

    async def start(self) -> None:
        """Read the state file and start checking (the first check is now)."""
        self._state = RenewalState.load(self._paths.acme_state)
        self._task.start()

    async def stop(self) -> None:
        """Stop checking; an attempt in flight is abandoned, not waited for."""
        self._cancel.set()
        await self._task.stop()

    def status(self) -> CertificateStatus:
        """The served certificate and the renewal state (``pmemail cert status``)."""
        info, source = self._keeper.served()
        return certificate_status(
            info, source, self._state, acme_enabled=True, wanted_names=list(self._wanted)
        )

    async def renew_now(self) -> CertificateStatus:
        """An attempt now, whatever the due rule and the back-off, and its outcome.

        An attempt already running is the one asked for: it is awaited, never
        doubled. A CA's rate limit is honoured: no request before its time.
        """
        before = self._attempts
        async with self._lock:
            # an attempt that ran while this call waited for the lock (the
            # periodic check's, another caller's) is the one asked for
            if self._attempts == before and not self._rate_limited(time.time()):
                await self._attempt()
        return self.status()

    async def _check(self) -> None:
        async with self._lock:
            now = time.time()
            try:
                names: list[str] | None = await self._names()
            except AcmeFailure:
                names = None  # due or not decides; an attempt meets it again and says it
            reason = self._due(now)
            if not self._state.failures and self._due_at is not None:
                self._state.next_attempt = self._due_at
            if reason is None or self._backing_off(now):
                log.debug("acme: checked due=%s next=%s", reason, self._state.next_attempt)
                return
            log.info("acme: renewal due reason=%s", reason)
            await self._attempt(names)

    async def _names(self) -> list[str]:
        """The names to ask for now (DNS lookups in a thread); kept for status()."""
        wanted = candidate_names(self._config)
        self._wanted = await self._run(lambda _: self._filter.pointing_names(wanted))
        return self._wanted

    def _due(self, now: float) -> str | None:
        """Why a new certificate is needed now, None when it is not."""
        self._due_at = None
        try:
            info = CertInfo.from_pem(self._paths.acme_cert.read_bytes())
        except (OSError, ValueError):
            return "no_certificate"
        self._due_at = renewal_time(info, self._config.acme.renew_before_days)
        # only an added name makes a new order: a name gone from the DNS (or a
        # lookup that failed once) waits for the next renewal, no flapping
        if not set(self._wanted) <= set(self._state.names or info.names):
            return "new_names"
        if not all(map(info.covers, self._wanted[:1])) or not info.valid_at(now):
            return "not_valid"
        return "expires_soon" if now >= self._due_at else None

    async def _attempt(self, names: list[str] | None = None) -> None:
        """One attempt, its outcome saved and logged. Called with the lock held."""
        self._attempts += 1
        self._state.last_attempt = time.time()
        try:
            wanted = names if names is not None else await self._names()
            issued = await self._run(lambda cancel: self._obtain(wanted, cancel))
        except AcmeFailure as failure:
            self._failed(failure)
            self._state.save(self._paths.acme_state)
            return
        self._succeeded(issued)
        self._state.save(self._paths.acme_state)
        try:
            self._keeper.reload()
        except Exception:
            log.exception("acme: the new certificate could not be loaded")
        acme = self._config.acme
        if acme.after_renew:  # Postfix and Dovecot read the same files: tell them
            self._state.after_renew = await run_after_renew(
                acme.after_renew, acme.after_renew_timeout
            )
            self._state.save(self._paths.acme_state)

    def _obtain(self, names: list[str], cancel: threading.Event) -> Issued:
        """The ACME exchange and the new files (worker thread)."""
        # Imported here: the ACME library and its HTTP stack cost the server about
        # 15 MiB, and a renewal runs a few times a year.
        from mailcore.acme.client import AcmeClient

        client = AcmeClient(
            self._config,
            self._paths,
            self._board,
            lookup=self._filter.addresses,
            public_address=self._public(),
            cancel=cancel,
        )
        issued = client.obtain(names)
        if cancel.is_set():  # abandoned meanwhile: the renewal would not swap it in
            raise AcmeFailure(TIMED_OUT, seconds=f"{self._config.acme.timeout:g}")
        make_private_dir(self._paths.acme_dir, tighten=True)
        # the key first: a reader that sees the new chain finds its key already
        atomic_write_bytes(self._paths.acme_key, issued.key_pem, 0o600)
        atomic_write_bytes(self._paths.acme_cert, issued.fullchain_pem, 0o600)
        return issued

    def _succeeded(self, issued: Issued) -> None:
        state = self._state
        info = CertInfo.from_pem(issued.fullchain_pem)
        self._due_at = renewal_time(info, self._config.acme.renew_before_days)
        state.last_success = state.last_attempt
        state.failures = 0
        state.last_failure = None
        state.names = list(issued.names)
        state.next_attempt = self._due_at
        log.info(
            "acme: certificate obtained names=%s not_after=%.0f next=%.0f",
            ",".join(issued.names),
            info.not_after,
            self._due_at,
        )

    def _failed(self, failure: AcmeFailure) -> None:
        state = self._state
        state.failures += 1
        state.last_failure = {"code": failure.code, "params": dict(failure.params)}
        wait = backoff(state.failures, self._config.acme.retry_first, self._config.acme.retry_max)
        state.next_attempt = (state.last_attempt or time.time()) + wait
        if failure.code == RATE_LIMITED:
            state.next_attempt = float(failure.params["retry_at"])
        params = " ".join(f"{k}={v}" for k, v in sorted(failure.params.items()))
        log.info(
            "acme: attempt failed code=%s %s failures=%d next=%.0f",
            failure.code,
            params,
            state.failures,
            state.next_attempt,
        )

    async def _run(self, job: Callable[[threading.Event], T]) -> T:
        """``job(cancel)`` in a daemon thread, bounded by ``acme.timeout``.

        Not ``asyncio.to_thread``: the default executor's threads are joined
        at exit, so a stuck CA would hold up a stopping server. The thread of
        an abandoned attempt is told to stop and ends before the next begins
        (its answers must be off the board first).

        Raises:
            AcmeFailure: what ``job`` raised; ``TIMED_OUT`` when it overran.
        """
        await self._thread_ended.wait()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        cancel = self._cancel = threading.Event()

        def finish(outcome: Callable[[], None]) -> None:
            self._thread_ended.set()
            if not done.done():  # else abandoned: nobody waits for it any more
                outcome()

        def work() -> None:
            outcome: Callable[[], None]
            try:
                outcome = functools.partial(done.set_result, job(cancel))
            except BaseException as exc:
                outcome = functools.partial(done.set_exception, _as_failure(exc))
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(finish, outcome)

        self._thread_ended.clear()
        threading.Thread(target=work, name="pmemail-acme", daemon=True).start()
        try:
            async with asyncio.timeout(self._config.acme.timeout + _GRACE):
                return await asyncio.shield(done)
        except TimeoutError:
            self._abandon(done, cancel)
            raise AcmeFailure(TIMED_OUT, seconds=f"{self._config.acme.timeout:g}") from None
        except asyncio.CancelledError:
            self._abandon(done, cancel)  # stop() or a cancelled caller
            raise

    @staticmethod
    def _abandon(done: asyncio.Future[T], cancel: threading.Event) -> None:
        """Tell the thread to stop at its next step, and drop its outcome when it
        comes (else asyncio logs "Future exception was never retrieved")."""
        cancel.set()
        done.cancel()

    def _backing_off(self, now: float) -> bool:
        """True while the back-off (or a rate limit) holds the next attempt.

        A failure about a name no longer wanted (the host name was changed)
        says nothing about the new one: no back-off then, but a CA's rate
        limit always holds.
        """
        failure = self._state.last_failure
        if not self._state.failures or not self._waiting(now) or failure is None:
            return False
        name = failure["params"].get("name")
        return failure["code"] == RATE_LIMITED or name is None or name in self._wanted

    def _rate_limited(self, now: float) -> bool:
        failure = self._state.last_failure
        return failure is not None and failure["code"] == RATE_LIMITED and self._waiting(now)

    def _waiting(self, now: float) -> bool:
        return self._state.next_attempt is not None and now < self._state.next_attempt

    def _wait(self) -> float:
        """Seconds to the next check: the check interval, or sooner when a retry
        or the renewal time comes first."""
        now = time.time()
        wait = self._config.acme.check_interval
        for when in (self._state.next_attempt, self._due_at):
            if when is not None and when > now:
                wait = min(wait, when - now)
        return wait

    def _job_error(self, exc: Exception) -> None:
        log.error("acme: renewal check failed: %s", exc, exc_info=exc)


def _as_failure(exc: BaseException) -> BaseException:
    """An ``AcmeFailure`` as is; anything else unexpected becomes ``CA_ERROR``."""
    if isinstance(exc, AcmeFailure | KeyboardInterrupt | SystemExit):
        return exc
    log.error("acme: unexpected error", exc_info=exc)
    return AcmeFailure(CA_ERROR, detail=f"{type(exc).__name__}: {exc}"[:300])


def build_certificate_renewal(
    config: Config,
    paths: DataPaths,
    board: ChallengeBoard,
    keeper: ServedCertificate,
    *,
    public_address: Callable[[], str] | None = None,
) -> CertificateRenewal | None:
    """The renewal service, or None when ACME does not apply.

    None when ``acme.enabled`` is false or ``mail.tls_cert`` is set (the
    admin's certificate is served and never replaced).
    """
    if not config.acme.enabled or config.mail.tls_cert:
        return None
    return CertificateRenewal(config, paths, board, keeper, public_address=public_address)

"""One ACME attempt (RFC 8555), blocking: account, order, challenges, certificate.

Built on certbot's ``acme`` library; run in a worker thread by
``mailcore.acme.renewal``. Every way it can fail ends in an ``AcmeFailure``
(``failures``), the whole attempt is bounded by ``acme.timeout``, a
``cancel`` event stops it between two requests, and no answer is ever left on
the challenge board once it returns.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from acme import challenges, client, crypto_util, errors, messages
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from josepy.errors import DeserializationError

from mailcore.acme import problems
from mailcore.acme.account import load_account_key, register, signing_algorithm
from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.failures import (
    CA_ERROR,
    PORT80_UNREACHABLE,
    PORT443_UNREACHABLE,
    TIMED_OUT,
    AcmeFailure,
)
from mailcore.acme.tls_alpn import (
    TLS_ALPN_01,
    TlsAlpn01Response,
    key_authorization,
    validation_certificate,
)
from mailcore.certs.info import CertInfo
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

log = logging.getLogger("pmemail.acme")

LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory"
LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory"
HTTP_01 = "http-01"
_REQUEST_TIMEOUT = 30  # seconds for one HTTP request to the CA (the attempt has its own)
_POLL_FIRST, _POLL_MAX = 0.25, 2.0  # authorization polling: quick first, then every 2 s
_NONCE_ROUNDS = 3  # each round is the library's two tries
_WAITING = {messages.STATUS_PENDING, messages.STATUS_PROCESSING}

AddressLookup = Callable[[str], "list[str] | None"]
"""A name's IPv4 addresses ([] none, None lookup failed): ``NameFilter.addresses``."""


@dataclass(frozen=True)
class Issued:
    """A certificate the CA issued, with its new private key."""

    fullchain_pem: bytes
    """The chain as the CA sent it: the leaf first, then the intermediates."""
    key_pem: bytes
    """The leaf's private key (PKCS#8 PEM), made for this certificate only."""
    names: list[str]


def directory_url(config: Config) -> str:
    """``acme.directory``, or Let's Encrypt's production or staging directory."""
    if config.acme.directory:
        return config.acme.directory
    return LETS_ENCRYPT_STAGING if config.acme.staging else LETS_ENCRYPT


def contact_address(config: Config) -> str:
    """``acme.contact``, or postmaster of the mail domain."""
    return config.acme.contact or f"postmaster@{config.mail.domain}"


class AcmeClient:
    """Obtains one certificate for a list of names; one instance per attempt."""

    def __init__(
        self,
        config: Config,
        paths: DataPaths,
        board: ChallengeBoard,
        *,
        lookup: AddressLookup,
        public_address: str = "",
        cancel: threading.Event | None = None,
    ) -> None:
        """Prepare an attempt; nothing is sent before :meth:`obtain`.

        Args:
            config: ``acme.*`` (directory, contact, challenge, ca_file, timeout).
            paths: where the account key lives.
            board: where the challenge answers are put for the listeners.
            lookup: a name's addresses in the DNS, to tell "the DNS points
                elsewhere" from "the port is closed" when a validation fails.
            public_address: the office's public address ("" unknown).
            cancel: set from another thread to stop the attempt (``TIMED_OUT``).
        """
        self._config = config
        self._paths = paths
        self._board = board
        self._lookup = lookup
        self._public = public_address
        self._cancel = cancel or threading.Event()
        self._url = directory_url(config)
        self._deadline = 0.0
        self._headers: Mapping[str, str] = {}
        self._home: list[str] | None = None

    def obtain(self, names: Sequence[str]) -> Issued:
        """A new key and a certificate for ``names`` (the first one is the host name).

        Raises:
            AcmeFailure: the reason no certificate was obtained.
        """
        self._deadline = time.monotonic() + self._config.acme.timeout
        try:
            return self._obtain(list(names))
        except AcmeFailure:
            raise
        except errors.TimeoutError:
            raise self._timed_out() from None
        except (messages.Error, requests.RequestException, errors.Error) as exc:
            raise problems.request_failure(exc, url=self._url, headers=self._headers) from exc
        except (DeserializationError, ValueError, KeyError) as exc:
            # an answer that is not ACME (a web page, a truncated document)
            raise AcmeFailure(CA_ERROR, detail=f"{type(exc).__name__}: {exc}"[:300]) from exc

    def _obtain(self, names: list[str]) -> Issued:
        acme = self._connect()
        self._checkpoint()
        key_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        csr_pem = crypto_util.make_csr(key_pem, names)
        kinds = {"auto": [HTTP_01, TLS_ALPN_01], HTTP_01: [HTTP_01]}.get(
            self._config.acme.challenge, [TLS_ALPN_01]
        )
        first: AcmeFailure | None = None
        for kind in kinds:
            order = acme.new_order(csr_pem)
            try:
                order = self._authorize(acme, order, kind)
                break
            except AcmeFailure as failure:
                if failure.code == PORT80_UNREACHABLE and kind != kinds[-1]:
                    first = failure
                    log.info("acme: port 80 unreachable, trying TLS-ALPN-01 on 443")
                    continue
                if first is not None and failure.code == PORT443_UNREACHABLE:
                    failure = first  # both ports closed: port 80 is the one to open first
                raise failure from None
        self._checkpoint()
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=self._remaining())
        order = acme.finalize_order(order, deadline)
        fullchain = (order.fullchain_pem or "").encode()
        info = CertInfo.from_pem(fullchain)  # ValueError: not a certificate → CA_ERROR
        missing = [n for n in names if not info.covers(n)]
        if missing:
            raise AcmeFailure(CA_ERROR, detail="certificate lacks " + ", ".join(missing))
        return Issued(fullchain, key_pem, names)

    def _connect(self) -> client.ClientV2:
        key = load_account_key(self._paths.acme_account_key)
        net = _PatientNetwork(
            key,
            alg=signing_algorithm(key),
            # requests takes a CA file where the library says bool
            verify_ssl=self._config.acme.ca_file or True,  # type: ignore[arg-type]
            user_agent="pmemail (acme-python)",
            timeout=max(1, min(_REQUEST_TIMEOUT, int(self._config.acme.timeout))),
        )
        net.session.hooks["response"].append(self._remember_headers)
        acme = client.ClientV2(client.ClientV2.get_directory(self._url, net), net)
        self._checkpoint()
        register(acme, contact_address(self._config))
        return acme

    def _remember_headers(self, response: requests.Response, **_: Any) -> None:
        # the library raises the problem document and drops the response: a
        # rate limit's Retry-After is only to be had here
        self._headers = response.headers

    def _authorize(
        self, acme: client.ClientV2, order: messages.OrderResource, kind: str
    ) -> messages.OrderResource:
        for authz in order.authorizations:
            if authz.body.status == messages.STATUS_VALID:
                continue  # validated recently: the CA reuses it
            self._checkpoint()
            self._validate(acme, authz, kind)
        return order

    def _validate(
        self, acme: client.ClientV2, authz: messages.AuthorizationResource, kind: str
    ) -> None:
        name = str(authz.body.identifier.value)
        challenge = _find(authz, kind)
        if challenge is None:
            raise AcmeFailure(CA_ERROR, detail=f"no {kind} challenge offered for {name}")
        token = _token(challenge)
        account_key = acme.net.key
        assert account_key is not None
        key_authz = key_authorization(token, account_key)
        response: challenges.ChallengeResponse
        if kind == HTTP_01:
            self._board.put_http(token, key_authz)
            response = challenges.HTTP01Response(key_authorization=key_authz)
        else:
            self._board.put_alpn(name, *validation_certificate(name, key_authz))
            response = TlsAlpn01Response(key_authorization=key_authz)
        try:
            acme.answer_challenge(challenge, response)
            authz = self._poll(acme, authz)
        finally:
            self._board.drop_http(token)
            self._board.drop_alpn(name)
        if authz.body.status == messages.STATUS_VALID:
            return
        tried = _find(authz, kind)
        error = tried.error if tried is not None else None
        raise problems.validation_failure(
            error, name=name, challenge=kind, elsewhere=self._elsewhere(name)
        )

    def _poll(
        self, acme: client.ClientV2, authz: messages.AuthorizationResource
    ) -> messages.AuthorizationResource:
        delay = _POLL_FIRST
        while True:
            authz, _ = acme.poll(authz)
            if authz.body.status not in _WAITING:  # valid, invalid, or gone (expired…)
                return authz
            self._sleep(delay)
            delay = min(delay * 2, _POLL_MAX)

    def _elsewhere(self, name: str) -> tuple[str, str] | None:
        """(the name's address, the one expected) when the DNS points away from us.

        Expected: the office's public address when known, else (for a name
        other than the host name) the host name's addresses.
        """
        found = self._lookup(name)
        if not found:
            return None  # unknown: say what the CA said, not a guess
        if self._public:
            return None if self._public in found else (found[0], self._public)
        hostname = self._config.mail.hostname.lower().rstrip(".")
        if name == hostname:
            return None
        if self._home is None:
            self._home = self._lookup(hostname) or []
        if not self._home or set(found) & set(self._home):
            return None
        return found[0], self._home[0]

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def _checkpoint(self) -> None:
        if self._cancel.is_set() or self._remaining() <= 0:
            raise self._timed_out()

    def _sleep(self, seconds: float) -> None:
        self._cancel.wait(max(0.0, min(seconds, self._remaining())))
        self._checkpoint()

    def _timed_out(self) -> AcmeFailure:
        return AcmeFailure(TIMED_OUT, seconds=f"{self._config.acme.timeout:g}")


class _PatientNetwork(client.ClientNetwork):
    """Retries a ``badNonce`` answer a few times, as RFC 8555 §6.5 invites.

    The library retries once; a CA under load (or Pebble, which rejects a
    share of nonces on purpose) can refuse twice in a row. The CA refused the
    request before acting on it, so sending it again is safe.
    """

    def post(self, *args: Any, **kwargs: Any) -> requests.Response:
        for _ in range(_NONCE_ROUNDS - 1):
            try:
                return super().post(*args, **kwargs)
            except messages.Error as exc:
                if exc.code != "badNonce":
                    raise
        return super().post(*args, **kwargs)


def _find(authz: messages.AuthorizationResource, kind: str) -> messages.ChallengeBody | None:
    for challenge in authz.body.challenges:
        if _kind(challenge) == kind:
            return challenge
    return None


def _kind(challenge: messages.ChallengeBody) -> str:
    chall = challenge.chall
    if isinstance(chall, challenges.UnrecognizedChallenge):
        return str(chall.jobj.get("type", ""))
    return str(getattr(chall, "typ", ""))


def _token(challenge: messages.ChallengeBody) -> str:
    chall = challenge.chall
    if isinstance(chall, challenges.UnrecognizedChallenge):
        return str(chall.jobj["token"])  # base64url already, as the CA sent it
    return str(chall.encode("token"))

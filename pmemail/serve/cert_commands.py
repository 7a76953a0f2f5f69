"""The control socket's certificate commands: ``cert-status`` and ``cert-renew``.

::

    -> {"cmd": "cert-status"}
    <- {"ok": true, "certificate": {...CertificateStatus...}}
    -> {"cmd": "cert-renew"}
    <- {"ok": true, "certificate": {...}}            (an attempt was made)
    <- {"ok": false, "error": "acme_off", "certificate": {...}}   (none can be)

``error`` is an id of ``mailcore.acme.failures`` (worded by
``pmemail.app.cert_wording``), and the certificate's ``last_failure`` carries
the same id, so a client renders one document either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from mailcore.acme import failures
from mailcore.certs.info import CertInfo
from mailcore.certs.report import Source, served_status
from mailcore.status import CertificateStatus
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.serve.control import Answer, Handler, Request

StatusSource = Callable[[], CertificateStatus]
Renew = Callable[[], Awaitable[CertificateStatus]]


class Served(Protocol):
    """What the commands read from the keeper."""

    def served(self) -> tuple[CertInfo, Source]:
        """The certificate served now and its origin."""
        ...


class CertificateCommands:
    """Answer the certificate commands for the running server.

    Args:
        config: the loaded configuration.
        paths: the data dir (the renewal state file).
        keeper: the certificate keeper (what is served now).
        status: the renewal service's ``status()``; None = built from the
            keeper and the state file (no renewal service runs).
        renew: the renewal service's ``renew_now()``; None = renewal is off
            (ACME disabled, or the admin's certificate is served).
    """

    def __init__(
        self,
        config: Config,
        paths: DataPaths,
        keeper: Served,
        *,
        status: StatusSource | None = None,
        renew: Renew | None = None,
    ) -> None:
        self.config = config
        self.paths = paths
        self.keeper = keeper
        self._status = status
        self._renew = renew

    def handlers(self) -> dict[str, Handler]:
        """The commands for the supervisor's control socket."""
        return {"cert-status": self.cert_status, "cert-renew": self.cert_renew}

    def status(self) -> CertificateStatus:
        """The served certificate with its renewal state."""
        if self._status is not None:
            return self._status()
        info, source = self.keeper.served()
        return served_status(self.config, self.paths, info, source)

    async def cert_status(self, request: Request) -> Answer:
        """``{"cmd": "cert-status"}``."""
        return {"ok": True, "certificate": dict(self.status())}

    async def cert_renew(self, request: Request) -> Answer:
        """``{"cmd": "cert-renew"}``: an attempt now, or why none can be made."""
        if self._renew is not None:
            return {"ok": True, "certificate": dict(await self._renew())}
        code = failures.USER_CERTIFICATE if self.config.mail.tls_cert else failures.ACME_OFF
        status = self.status()
        status["last_failure"] = {"code": code, "params": {}}
        return {"ok": False, "error": code, "certificate": dict(status)}

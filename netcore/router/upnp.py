"""UPnP IGD client (miniupnpc) with plain errors and a remembered router URL.

miniupnpc facts this module works around (miniupnpc 2.3 / miniupnpd 2.3):

* errors are bare ``Exception(str)``; :mod:`netcore.router.errors` maps them;
* ``getportmappingnumberofentries()`` gives 401 on miniupnpd, so the table is
  read with ``getgenericportmapping(i)`` until it returns None or fails;
* a lease of 0 means "permanent" (miniupnpd turns it into 604800 s);
* ``selectigd(url)`` with a known root description URL skips SSDP;
* ``selectigd(url)`` accepts any URL answering HTTP and never times out on a
  description that trickles in (its timeout bounds each read): the
  description is fetched and checked first (:mod:`netcore.router.igd_description`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netcore.checks.verdict_messages import Msg
from netcore.http_fetch import FetchError
from netcore.plan import PlannedPort, is_ours
from netcore.router import errors
from netcore.router.errors import RouterError
from netcore.router.igd_description import fetch_description
from netcore.router.ssdp import find_igd_url

DEFAULT_HTTP_TIMEOUT = 4.0  # network.http_timeout's default


@dataclass(frozen=True)
class RouterMapping:
    """One line of the router's forwarding table."""

    external: int
    protocol: str
    internal_host: str
    internal: int
    description: str
    enabled: bool
    lease: int
    ours: bool

    @property
    def key(self) -> str:
        """``"25/TCP"``."""
        return f"{self.external}/{self.protocol}"


class UpnpClient:
    """Talks to one IGD; :meth:`connect` must succeed before anything else."""

    def __init__(
        self,
        discover_ms: int,
        gateway: str | None = None,
        http_timeout: float = DEFAULT_HTTP_TIMEOUT,
    ) -> None:
        """Prepare a client; nothing is sent until :meth:`connect`.

        Args:
            discover_ms: how long SSDP discovery may wait.
            gateway: the default gateway, searched by unicast too.
            http_timeout: seconds for the whole root description
                (``network.http_timeout``).
        """
        self.discover_ms = discover_ms
        self.gateway = gateway
        self.http_timeout = http_timeout
        self.url = ""
        self._upnp: Any = None

    def connect(self, known_url: str = "") -> str:
        """Select the IGD: ``known_url`` first, then SSDP discovery.

        Returns the root description URL to remember for next time.

        Raises:
            RouterError: no IGD answered (code :data:`errors.NO_ROUTER`).
        """
        import miniupnpc

        upnp = miniupnpc.UPnP()
        upnp.discoverdelay = self.discover_ms
        if known_url and self._select(upnp, known_url):
            return known_url
        url = find_igd_url(self.discover_ms, self.gateway)
        if url and self._select(upnp, url):
            return url
        raise RouterError(errors.NO_ROUTER, Msg("fwd.err.no_igd"))

    def _select(self, upnp: Any, url: str) -> bool:
        """Select ``url`` if it is an Internet gateway; False when it is not or is silent."""
        try:
            if not fetch_description(url, self.http_timeout).is_igd:
                return False
        except (FetchError, ValueError):
            return False
        try:
            upnp.selectigd(url)
        except Exception:  # miniupnpc: bare Exception when the URL does not answer
            return False
        self._upnp, self.url = upnp, url
        return True

    @property
    def _igd(self) -> Any:
        if self._upnp is None:
            raise RuntimeError("UpnpClient.connect() was not called")
        return self._upnp

    def external_ip(self) -> str:
        """The router's public address ('' when it has no usable one)."""
        try:
            return str(self._igd.externalipaddress() or "")
        except Exception as exc:  # miniupnpc raises bare Exception
            raise errors.from_upnp_exception(exc) from None

    def add(self, port: PlannedPort, lease: int) -> int:
        """Map ``port``; return the lease granted (0 = permanent).

        On 725 OnlyPermanentLeasesSupported the request is repeated with
        lease 0. On 718 the current holder of the port is looked up so the
        message can name it.

        Raises:
            RouterError: the router refused (code 718, 606, 501 ...).
        """
        for attempt in (lease, 0):
            try:
                self._igd.addportmapping(
                    port.external,
                    port.protocol,
                    port.internal_host,
                    port.internal,
                    port.description,
                    "",
                    attempt,
                )
                return attempt
            except Exception as exc:  # miniupnpc raises bare Exception
                code = errors.upnp_code(exc)
                if code == errors.ONLY_PERMANENT_LEASES and attempt != 0:
                    continue
                holder = ""
                if code == errors.CONFLICT:
                    holder = self._holder(port)
                raise errors.from_upnp_exception(exc, port=port.external, holder=holder) from None
        raise AssertionError("unreachable")

    def _holder(self, port: PlannedPort) -> str:
        """Who holds ``port`` on the router, if it is not the address we asked for."""
        try:
            found = self.get(port.external, port.protocol)
        except RouterError:
            return ""
        if found is None or found.internal_host == port.internal_host:
            return ""
        return found.internal_host

    def get(self, external: int, protocol: str) -> RouterMapping | None:
        """The router's mapping of ``external``/``protocol``, or None."""
        try:
            row = self._igd.getspecificportmapping(external, protocol)
        except Exception as exc:  # 714 NoSuchEntryInArray on some routers
            if errors.upnp_code(exc) == 714:
                return None
            raise errors.from_upnp_exception(exc, port=external) from None
        if row is None:
            return None
        host, internal, desc, enabled, lease = row
        return RouterMapping(
            external,
            protocol,
            str(host),
            int(internal),
            str(desc),
            bool(enabled),
            int(lease),
            is_ours(str(desc)),
        )

    def delete(self, external: int, protocol: str) -> None:
        """Delete a mapping (deleting a missing one is not an error).

        Raises:
            RouterError: 606 when the router refuses (another host's mapping).
        """
        try:
            self._igd.deleteportmapping(external, protocol)
        except Exception as exc:  # miniupnpc raises bare Exception
            if errors.upnp_code(exc) == 714:
                return
            raise errors.from_upnp_exception(exc, port=external) from None

    def table(self, limit: int = 1024) -> list[RouterMapping]:
        """The router's whole forwarding table, ours marked."""
        rows: list[RouterMapping] = []
        for index in range(limit):
            try:
                row = self._igd.getgenericportmapping(index)
            except Exception:  # 713 SpecifiedArrayIndexInvalid marks the end
                break
            if row is None:
                break
            rows.append(_generic_row(row))
        return rows


def _generic_row(row: Any) -> RouterMapping:
    # miniupnpc: (eport, proto, (ihost, iport), desc, enabled, rhost, lease)
    external, protocol, (host, internal), desc, enabled, _remote, lease = row
    return RouterMapping(
        int(external),
        str(protocol),
        str(host),
        int(internal),
        str(desc),
        bool(int(enabled)),
        int(lease),
        is_ours(str(desc)),
    )

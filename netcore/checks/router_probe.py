"""A read-only look at the router: is there one, what is it, what does it see?

Three probes run in parallel so that the no-router case costs one timeout,
not the sum of them (miniupnpc's own discovery waits four times its delay
when no IGD answers):

* the root description URL remembered from last time (one HTTP GET), the
  same one the forwarding client remembers (``igd_url`` in
  ``state/forwarding.json``);
* SSDP M-SEARCH (:func:`netcore.router.ssdp.find_igd_url`) sent both unicast
  to the gateway (answered at once, no MX delay) and to the multicast group
  (for an IGD that is not the gateway);
* NAT-PMP "public address" request to the gateway (2 bytes out, 12 back).

A device whose description offers no WAN connection service (a media
server, a printer, a URL that now belongs to another box) is not an Internet
gateway: it is reported as such (``not_igd_url``), never as a router.

The IGD found is queried with miniupnpc (``selectigd(url)`` skips SSDP) for
its external address. Nothing here changes the router's state. The
forwarding client (:mod:`netcore.router`) owns mappings.
"""

from __future__ import annotations

import socket
import struct
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netcore.router.igd_description import NOT_AN_IGD, DeviceDescription, fetch_description
from netcore.router.ssdp import find_igd_url
from netcore.router.state import STATE_NAME, ForwardingState

NATPMP_PORT = 5351


@dataclass(frozen=True)
class RouterView:
    """What the router says about itself.

    Attributes:
        upnp: a UPnP IGD answered.
        natpmp: a NAT-PMP server answered.
        root_url: the IGD's root description URL ("" without UPnP).
        manufacturer, model, friendly_name: from the IGD description.
        upnp_external_ip: GetExternalIPAddress ("" when the router has none).
        natpmp_external_ip: NAT-PMP public address ("" when none).
        errors: probe -> one-line reason it gave nothing.
        seconds: wall time of the probe.
        not_igd_url: a UPnP device that answered but is not an Internet
            gateway (no WAN connection service); "" when none did.
    """

    upnp: bool = False
    natpmp: bool = False
    root_url: str = ""
    manufacturer: str = ""
    model: str = ""
    friendly_name: str = ""
    upnp_external_ip: str = ""
    natpmp_external_ip: str = ""
    errors: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    not_igd_url: str = ""

    @property
    def found(self) -> bool:
        """True if the router answered UPnP or NAT-PMP."""
        return self.upnp or self.natpmp

    @property
    def name(self) -> str:
        """Manufacturer and model as a person says them ("" when the router gave neither).

        A model that already starts with the manufacturer's name (miniupnpd on
        Debian: "Debian" and "Debian router") is not prefixed a second time.
        """
        if self.model.casefold().startswith(self.manufacturer.casefold()):
            return self.model or self.manufacturer
        return " ".join(x for x in (self.manufacturer, self.model) if x)

    @property
    def external_ip(self) -> str:
        """The router's external address by UPnP, else by NAT-PMP ("" if none)."""
        return self.upnp_external_ip or self.natpmp_external_ip

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "upnp": self.upnp,
            "natpmp": self.natpmp,
            "root_url": self.root_url,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "friendly_name": self.friendly_name,
            "upnp_external_ip": self.upnp_external_ip,
            "natpmp_external_ip": self.natpmp_external_ip,
            "errors": dict(self.errors),
            "seconds": round(self.seconds, 3),
            "not_igd_url": self.not_igd_url,
        }


def natpmp_public_address(gateway: str, timeout: float) -> str:
    """Ask the gateway's NAT-PMP server for its public address (RFC 6886 §3.2).

    The request is sent twice within ``timeout`` (UDP may drop one).

    Raises:
        OSError: no answer in time, refused, or a malformed / error answer.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((gateway, NATPMP_PORT))
        deadline = time.monotonic() + timeout
        for attempt in range(2):
            sock.send(b"\x00\x00")
            wait = (timeout / 3) if attempt == 0 else deadline - time.monotonic()
            sock.settimeout(max(wait, 0.01))
            try:
                data = sock.recv(16)
            except TimeoutError:
                continue
            if len(data) < 12 or data[1] != 128:
                raise OSError("malformed NAT-PMP answer")
            result = struct.unpack("!H", data[2:4])[0]
            if result != 0:
                raise OSError(f"NAT-PMP result code {result}")
            return socket.inet_ntoa(data[8:12])
    raise TimeoutError("no NAT-PMP answer")


def ssdp_locate(gateway: str, timeout: float) -> str:
    """Find an IGD's root description URL by SSDP; the gateway's answer comes first.

    Raises:
        OSError: no IGD answered within ``timeout`` seconds.
    """
    url = find_igd_url(max(1, round(timeout * 1000)), gateway or None)
    if not url:
        raise TimeoutError("no UPnP IGD answered")
    return url


def describe(url: str, timeout: float) -> DeviceDescription:
    """The root description at ``url``, all of it within ``timeout`` seconds.

    Raises:
        OSError: no complete answer in time, an HTTP error, too large.
        ValueError: not a UPnP device description.
    """
    return fetch_description(url, timeout)


def upnp_external_ip(url: str) -> str:
    """GetExternalIPAddress of the IGD at ``url`` ("" when it has none)."""
    import miniupnpc  # C extension: imported late so pure users need not load it

    upnp = miniupnpc.UPnP()
    upnp.selectigd(url)  # a known URL: no SSDP, one HTTP fetch
    return str(upnp.externalipaddress() or "")


def _remembered(state_dir: Path | None) -> str:
    if state_dir is None:
        return ""
    return ForwardingState.load(state_dir / STATE_NAME).igd_url


def _remember(state_dir: Path | None, url: str) -> None:
    """Keep ``url`` where ``pmemail ports`` looks first (its mappings are kept)."""
    if state_dir is None or not url:
        return
    path = state_dir / STATE_NAME
    state = ForwardingState.load(path)
    if state.igd_url == url:
        return  # the usual case: no write at all
    state.igd_url = url
    try:
        state.save(path)
    except OSError:
        pass  # remembering only saves time next run


def _err(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def probe_router(
    gateway: str,
    *,
    discover_s: float,
    natpmp_s: float,
    http_s: float,
    state_dir: Path | None = None,
) -> RouterView:
    """Look for the router by UPnP and NAT-PMP at once.

    Args:
        gateway: the LAN default gateway ("" → multicast SSDP only, no NAT-PMP).
        discover_s: how long SSDP waits (``network.upnp_discover_ms`` / 1000).
        natpmp_s: how long NAT-PMP waits (``network.natpmp_timeout``).
        http_s: timeout of the description fetch (``network.http_timeout``).
        state_dir: where the root URL is remembered (``DataPaths.state``).

    Returns:
        The router's view; ``found`` is False when nothing answered.
    """
    start = time.monotonic()
    errors: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="router-probe")
    try:
        known = _remembered(state_dir)
        f_known: Future[DeviceDescription] | None = (
            pool.submit(describe, known, min(http_s, discover_s)) if known else None
        )
        f_ssdp = pool.submit(ssdp_locate, gateway, discover_s)
        f_pmp: Future[str] | None = (
            pool.submit(natpmp_public_address, gateway, natpmp_s) if gateway else None
        )
        url, info, not_igd = "", DeviceDescription(), ""
        if f_known is not None:
            try:
                info = f_known.result()
                url = known
            except (OSError, ValueError) as exc:
                errors["remembered"] = f"{known}: {_err(exc)}"
            if url and not info.is_igd:
                url, not_igd, errors["remembered"] = "", known, f"{known}: {NOT_AN_IGD}"
        if not url:
            found = ""
            try:
                found = f_ssdp.result()
                info = describe(found, http_s)
                url = found
            except (OSError, ValueError) as exc:
                errors["upnp"] = _err(exc)
            if url and not info.is_igd:
                url, not_igd, errors["upnp"] = "", found, f"{found}: {NOT_AN_IGD}"
        if not url:
            info = DeviceDescription()  # a non-IGD's name is not the router's
        ext = ""
        if url:
            try:
                ext = upnp_external_ip(url)
            except Exception as exc:  # miniupnpc raises bare Exception(str)
                errors["upnp_external_ip"] = _err(exc)
            _remember(state_dir, url)
        pmp_ip, pmp = "", False
        if f_pmp is None:
            errors["natpmp"] = "no gateway to ask"
        else:
            try:
                pmp_ip, pmp = f_pmp.result(), True
            except OSError as exc:
                errors["natpmp"] = _err(exc)
                # a router behind CGNAT answers NAT-PMP with an error code: it exists
                pmp = "result code" in str(exc)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return RouterView(
        upnp=bool(url),
        natpmp=pmp,
        root_url=url,
        manufacturer=info.manufacturer,
        model=info.model,
        friendly_name=info.friendly_name,
        upnp_external_ip=ext,
        natpmp_external_ip=pmp_ip,
        errors=tuple(sorted(errors.items())),
        seconds=time.monotonic() - start,
        not_igd_url=not_igd,
    )

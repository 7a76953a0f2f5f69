"""The root description of a UPnP device: what it is, and is it an Internet gateway?

miniupnpc's ``selectigd(url)`` accepts any URL that answers HTTP (invalid
XML, an HTML error page, a media server without a WAN service), and its
later SOAP calls then fail with "Miniupnpc Unknown Error". The description
is therefore fetched here first, with a deadline and a size cap
(:func:`netcore.http_fetch.fetch_limited`), and a device is an Internet
gateway only when it offers a WANIPConnection or WANPPPConnection service:
the two services that carry GetExternalIPAddress and AddPortMapping.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from netcore.http_fetch import fetch_limited

MAX_DESCRIPTION = 256 * 1024  # real routers' descriptions are 3-30 KB
WAN_SERVICES = ("WANIPConnection", "WANPPPConnection")
NOT_AN_IGD = "not an Internet gateway (no WANIPConnection/WANPPPConnection service)"


@dataclass(frozen=True)
class DeviceDescription:
    """The facts of a root description this project uses.

    Attributes:
        manufacturer, model, friendly_name: of the root device ("" if absent).
        wan_service: the first WAN connection service type ("" when none:
            the device is not an Internet gateway).
    """

    manufacturer: str = ""
    model: str = ""
    friendly_name: str = ""
    wan_service: str = ""

    @property
    def is_igd(self) -> bool:
        """True when the device can forward ports (a WAN connection service)."""
        return bool(self.wan_service)


def _local(tag: str) -> str:
    """The tag without its ``{namespace}`` (some routers omit or vary it)."""
    return tag.rsplit("}", 1)[-1]


def _service_name(kind: str) -> str:
    """``urn:schemas-upnp-org:service:WANIPConnection:2`` -> ``WANIPConnection``."""
    parts = kind.split(":")
    return parts[-2] if len(parts) >= 2 else ""


def parse_description(data: bytes) -> DeviceDescription:
    """Read a UPnP root description.

    Raises:
        ValueError: not XML, or not a UPnP device description.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError:  # a SyntaxError, not a ValueError
        raise ValueError("not a UPnP device description (invalid XML)") from None
    device = next((el for el in root if _local(el.tag) == "device"), None)
    if _local(root.tag) != "root" or device is None:
        raise ValueError("not a UPnP device description")

    def text(tag: str) -> str:
        found = next((el for el in device if _local(el.tag) == tag), None)
        return (found.text or "").strip() if found is not None else ""

    kinds = ((el.text or "").strip() for el in root.iter() if _local(el.tag) == "serviceType")
    wan = next((k for k in kinds if _service_name(k) in WAN_SERVICES), "")
    return DeviceDescription(text("manufacturer"), text("modelName"), text("friendlyName"), wan)


def fetch_description(url: str, timeout: float) -> DeviceDescription:
    """Fetch and read the root description at ``url`` within ``timeout`` seconds.

    Raises:
        netcore.http_fetch.FetchError: no complete answer in time, an HTTP
            error, too large (an :class:`OSError`).
        ValueError: not a UPnP device description.
    """
    return parse_description(fetch_limited(url, timeout, MAX_DESCRIPTION))

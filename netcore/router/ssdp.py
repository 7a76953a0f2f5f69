"""Find the router's UPnP root description URL with one SSDP search.

miniupnpc's ``discover()`` finds the IGD but does not tell us the root
description URL, which is what ``selectigd(url)`` needs to skip SSDP on the
next run. This search asks for it directly: an M-SEARCH to the SSDP
multicast group and, in parallel, unicast to the gateway (routers answer
both; unicast also works where multicast is filtered).
"""

from __future__ import annotations

import select
import socket
import time

SSDP_GROUP = ("239.255.255.250", 1900)
SEARCH_TARGETS = (
    "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
    "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
)


def _msearch(target: str, wait_s: int) -> bytes:
    return (
        "M-SEARCH * HTTP/1.1\r\n"
        f"HOST: {SSDP_GROUP[0]}:{SSDP_GROUP[1]}\r\n"
        'MAN: "ssdp:discover"\r\n'
        f"MX: {wait_s}\r\n"
        f"ST: {target}\r\n\r\n"
    ).encode("ascii")


def parse_location(reply: bytes) -> str | None:
    """The LOCATION header of an SSDP answer for an IGD, or None."""
    text = reply.decode("latin-1")
    lines = text.split("\r\n")
    if not lines or " 200 " not in lines[0] + " ":
        return None
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    if "InternetGatewayDevice" not in headers.get("st", ""):
        return None
    return headers.get("location") or None


def find_igd_url(timeout_ms: int, gateway: str | None = None) -> str | None:
    """Search for an IGD for at most ``timeout_ms``; return the first URL found."""
    deadline = time.monotonic() + timeout_ms / 1000
    wait_s = max(1, min(5, timeout_ms // 1000))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP) as sock:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
        sock.setblocking(False)
        for target in SEARCH_TARGETS:
            packet = _msearch(target, wait_s)
            for dest in ([(gateway, SSDP_GROUP[1])] if gateway else []) + [SSDP_GROUP]:
                try:
                    sock.sendto(packet, dest)
                except OSError:
                    continue  # no multicast route: the unicast search may still work
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([sock], [], [], left)
            if not ready:
                break
            try:
                reply = sock.recv(2048)
            except OSError:
                continue
            url = parse_location(reply)
            if url:
                return url
    return None

"""The box just past the office router: where a second NAT shows itself.

A UDP datagram sent with TTL 2 dies at the second box on the way out (the
first is the office router). That box answers ICMP "time exceeded" from its
own address; Linux hands the answer to a socket with ``IP_RECVERR`` on its
error queue, no root needed. A private address there, while ports the
router forwards stay unreachable, points at the ISP's modem in router mode
(double NAT); a shared one (100.64.0.0/10) at carrier-grade NAT.
"""

from __future__ import annotations

import select
import socket
import struct
import time
from typing import Final

# Linux values; older Pythons lack the names
_IP_RECVERR: Final = getattr(socket, "IP_RECVERR", 11)
_MSG_ERRQUEUE: Final = getattr(socket, "MSG_ERRQUEUE", 0x2000)
_ORIGIN_ICMP: Final = 2  # SO_EE_ORIGIN_ICMP
_TIME_EXCEEDED: Final = 11
_OFFENDER_ADDR: Final = slice(20, 24)  # sock_extended_err (16 bytes), then sockaddr_in
TRACE_PORT: Final = 33434
"""Traceroute's first port: closed almost everywhere, so the target answers "unreachable"."""


def second_hop(target: str, timeout: float, port: int = TRACE_PORT) -> str:
    """The address of the second box on the way to ``target`` ("" when none said so).

    "" also when the datagram reached ``target`` itself (two hops away or
    fewer) or nothing answered within ``timeout`` seconds. ``target`` may be
    a name (resolved here, IPv4). Raises OSError when nothing can be sent.
    """
    family, kind, proto, _name, address = socket.getaddrinfo(
        target, port, socket.AF_INET, socket.SOCK_DGRAM
    )[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
        sock.setsockopt(socket.IPPROTO_IP, _IP_RECVERR, 1)
        sock.connect(address)
        sock.send(b"pmemail hop probe")
        poller = select.poll()
        poller.register(sock, select.POLLERR)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not poller.poll(max(1, int(left * 1000))):
                continue
            _data, ancdata, _flags, _peer = sock.recvmsg(64, 512, _MSG_ERRQUEUE)
            return _offender(ancdata)
        return ""


def _offender(ancdata: list[tuple[int, int, bytes]]) -> str:
    """The sender of an ICMP time exceeded in the error queue's control data, else ""."""
    for level, ctype, data in ancdata:
        if level != socket.IPPROTO_IP or ctype != _IP_RECVERR or len(data) < 24:
            continue
        _errno, origin, icmp_type = struct.unpack_from("=IBB", data)
        if origin == _ORIGIN_ICMP and icmp_type == _TIME_EXCEEDED:
            return socket.inet_ntoa(data[_OFFENDER_ADDR])
    return ""

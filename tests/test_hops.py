"""The hop probe (netcore.hops): the box past the router, from the ICMP error queue.

Real sockets on loopback only; the error-queue parsing on hand-made control data.
"""

from __future__ import annotations

import socket
import struct

from netcore.hops import _offender, second_hop


def _queued(origin: int, icmp_type: int, sender: str) -> list[tuple[int, int, bytes]]:
    """Control data as Linux queues it: sock_extended_err, then the sender's sockaddr_in."""
    err = struct.pack("=IBBBBII", 113, origin, icmp_type, 0, 0, 0, 0)
    where = struct.pack("=HH4s8x", socket.AF_INET, 0, socket.inet_aton(sender))
    return [(socket.IPPROTO_IP, 11, err + where)]


def test_time_exceeded_names_the_box() -> None:
    """ICMP time exceeded (type 11) from the modem: its address."""
    assert _offender(_queued(2, 11, "192.168.100.1")) == "192.168.100.1"


def test_other_answers_name_no_box() -> None:
    """Port unreachable (the target itself answered), a local error, nothing: ""."""
    assert _offender(_queued(2, 3, "203.0.113.1")) == ""
    assert _offender(_queued(1, 11, "192.168.100.1")) == ""
    assert _offender([]) == ""


def test_a_target_within_two_hops_gives_no_box() -> None:
    """Loopback is reached at once: its "port unreachable" is not a box in between."""
    assert second_hop("127.0.0.1", 1.0) == ""

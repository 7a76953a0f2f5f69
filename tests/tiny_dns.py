"""A tiny DNS server on 127.0.0.1 for tests: answers from a dict, or never (timeouts),
or SERVFAIL / REFUSED for the names a test picks.

Tests point ``network.resolver`` at ``TinyDns.address``; no query leaves loopback.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

Zone = dict[tuple[str, str], list[str]]


class TinyDns:
    """A UDP DNS server on 127.0.0.1 answering from a dict (NXDOMAIN otherwise)."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self.mute: set[str] = set()  # names never answered (the question times out)
        self.servfail: set[str] = set()  # names answered SERVFAIL (the domain's servers fail)
        self.refused: set[str] = set()  # names answered REFUSED (not this client's resolver)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                query = dns.message.from_wire(data)
            except dns.exception.DNSException:
                continue  # not a DNS query (another test's stray datagram): as a server would
            reply = dns.message.make_response(query)
            q = query.question[0]
            key = (q.name.to_text().lower(), dns.rdatatype.to_text(q.rdtype))
            if key[0] in self.mute:
                continue
            if key[0] in self.servfail or key[0] in self.refused:
                reply.set_rcode(
                    dns.rcode.SERVFAIL if key[0] in self.servfail else dns.rcode.REFUSED
                )
            elif key in self.zone:
                reply.answer.append(
                    dns.rrset.from_text_list(q.name, 300, "IN", key[1], self.zone[key])
                )
            elif not any(name == key[0] for name, _t in self.zone):
                reply.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(reply.to_wire(), peer)

    def close(self) -> None:
        self.sock.close()


def dns_servers() -> Iterator[Callable[[Zone], TinyDns]]:
    """For a fixture: start TinyDns servers on demand; all are closed after the test."""
    servers: list[TinyDns] = []

    def make(zone: Zone) -> TinyDns:
        servers.append(TinyDns(zone))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


class MuteDns:
    """A UDP socket on 127.0.0.1 that never answers: every query times out."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()

"""A small authoritative DNS server, run in lab-wan on 203.0.113.1:53 (UDP and TCP).

It plays the office domain's DNS host and the ISP's reverse zone, so the
doctor's DNS check (MX -> name -> address, PTR, SPF) and the reverse-DNS
hint of the fixed/dynamic verdict see real answers instead of timeouts.

The records come from a JSON file (a list of ``{"name", "type", "value"}``,
``value`` in zone-file syntax, e.g. ``"10 mail.example.be."``), read again
for every query: the lab changes them with :meth:`tests.lab.topology.Lab.set_dns_records`
without restarting anything.  A name with records of other types gets an
empty NOERROR answer, an unknown name NXDOMAIN; every answer is
authoritative (AA).  Built with dnspython (``dns.message.make_response``).

Usage: python dns_server.py BIND_IP PORT RECORDS_JSON
"""

from __future__ import annotations

import json
import socketserver
import struct
import sys
import threading
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

TTL = 60

EXAMPLE_RECORDS: tuple[dict[str, str], ...] = (
    # example.be: everything a mail domain hosted at 203.0.113.2 needs
    {"name": "example.be", "type": "MX", "value": "10 mail.example.be."},
    {"name": "mail.example.be", "type": "A", "value": "203.0.113.2"},
    {"name": "example.be", "type": "TXT", "value": '"v=spf1 mx ip4:203.0.113.2 ~all"'},
    # example.net: a domain whose admin has published nothing for mail yet
    {"name": "example.net", "type": "A", "value": "198.51.100.80"},
    {"name": "www.example.net", "type": "A", "value": "198.51.100.80"},
)
"""The lab's default records (no PTR: the reverse zone is the ISP's, tests add it)."""

PTR_MAIL = {"name": "2.113.0.203.in-addr.arpa", "type": "PTR", "value": "mail.example.be."}
"""The reverse name a business line with a fixed address would have."""
PTR_DYNAMIC = {
    "name": "2.113.0.203.in-addr.arpa",
    "type": "PTR",
    "value": "dyn-203-0-113-2.pool.isp.example.",
}
"""A reverse name like an ISP's dynamic pool."""


def load_records(path: Path) -> list[dict[str, str]]:
    """The records of the JSON file (an unreadable file serves nothing)."""
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def answer(wire: bytes, records: list[dict[str, str]]) -> bytes | None:
    """The wire response to query ``wire`` from ``records`` (None: not a query)."""
    try:
        query = dns.message.from_wire(wire)
    except Exception:  # dnspython raises many types for garbage: drop it
        return None
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    if not query.question:
        response.set_rcode(dns.rcode.FORMERR)
        return response.to_wire()
    question = query.question[0]
    qname, qtype = question.name, question.rdtype
    known = False
    values: list[str] = []
    for rec in records:
        if dns.name.from_text(rec["name"]) != qname:
            continue
        known = True
        if dns.rdatatype.from_text(rec["type"]) == qtype:
            values.append(rec["value"])
    if values:
        response.answer.append(
            dns.rrset.from_text_list(qname, TTL, dns.rdataclass.IN, qtype, values)
        )
    elif not known:
        response.set_rcode(dns.rcode.NXDOMAIN)
    return response.to_wire()


def serve(bind_ip: str, port: int, records_file: Path) -> None:
    """Answer on UDP and TCP ``bind_ip:port`` until killed."""

    class Udp(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data, sock = self.request
            out = answer(data, load_records(records_file))
            if out is not None:
                sock.sendto(out, self.client_address)

    class Tcp(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            size = self.rfile.read(2)
            if len(size) < 2:
                return
            out = answer(self.rfile.read(struct.unpack("!H", size)[0]), load_records(records_file))
            if out is not None:
                self.wfile.write(struct.pack("!H", len(out)) + out)

    socketserver.ThreadingUDPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    udp = socketserver.ThreadingUDPServer((bind_ip, port), Udp)
    tcp = socketserver.ThreadingTCPServer((bind_ip, port), Tcp)
    for server in (udp, tcp):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"dns: listening on {bind_ip}:{port} (udp+tcp)", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))

"""Minimal STUN (RFC 5389 Binding) responder, run in lab-wan (the ISP).

miniupnpd 2.3.1 refuses to forward ports when its WAN address is in a
reserved range (RFC 5737 documentation nets included) unless
``ext_perform_stun=yes`` and a STUN server reports an unfiltered mapping.
This server answers every Binding request from the address:port it was
sent to, reporting the request's source as XOR-MAPPED-ADDRESS and
MAPPED-ADDRESS; CHANGE-REQUEST flags are ignored (miniupnpd only needs all
four answers, with unchanged ports).  Stdlib only.

Usage: python stun_server.py BIND_IP [PORT]
"""

from __future__ import annotations

import socket
import struct
import sys

MAGIC = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_RESPONSE = 0x0101


def response(req: bytes, src: tuple[str, int]) -> bytes | None:
    """The Binding response for request ``req`` from ``src``, or None."""
    if len(req) < 20:
        return None
    (mtype,) = struct.unpack("!H", req[:2])
    if mtype != BINDING_REQUEST:
        return None
    ip = socket.inet_aton(src[0])
    port = src[1]
    mapped = struct.pack("!HHBBH4s", 0x0001, 8, 0, 1, port, ip)
    xip = struct.pack("!I", struct.unpack("!I", ip)[0] ^ MAGIC)
    xor_mapped = struct.pack("!HHBBH4s", 0x0020, 8, 0, 1, port ^ (MAGIC >> 16), xip)
    # miniupnpd un-XORs with bytes 4..7 of the *response* header, so echo the
    # request's cookie+transaction id; RFC 3489 clients get no XOR attribute
    attrs = xor_mapped + mapped if req[4:8] == struct.pack("!I", MAGIC) else mapped
    return struct.pack("!HH", BINDING_RESPONSE, len(attrs)) + req[4:20] + attrs


def main(argv: list[str]) -> None:
    """Serve forever on BIND_IP:PORT (udp)."""
    bind_ip = argv[1]
    port = int(argv[2]) if len(argv) > 2 else 3478
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((bind_ip, port))
    print(f"stun: listening on {bind_ip}:{port}", flush=True)
    while True:
        data, src = sock.recvfrom(2048)
        resp = response(data, src)
        if resp:
            sock.sendto(resp, src)
            print(f"stun: {src[0]}:{src[1]} -> mapped", flush=True)


if __name__ == "__main__":
    main(sys.argv)

"""A small PCP (RFC 6887) MAP client: packet packing, parsing, one exchange.

No Python PCP client exists; a MAP request is a 24-byte header and a
36-byte MAP body. The nonce chosen at creation must be sent again to renew
or delete the mapping, so callers keep it (:class:`netcore.router.state`).
"""

from __future__ import annotations

import ipaddress
import os
import select
import socket
import struct
import time
from dataclasses import dataclass

from netcore.checks.verdict_messages import Msg
from netcore.router import errors
from netcore.router.errors import RouterError
from netcore.router.natpmp import NATPMP_MAX_LIFETIME, Granted

PCP_PORT = 5351
PCP_VERSION = 2
OPCODE_MAP = 1
RESPONSE_BIT = 0x80
PROTOCOLS = {"TCP": 6, "UDP": 17}
HEADER = struct.Struct("!BBHI16s")  # version, opcode, reserved, lifetime, client IP
MAP_BODY = struct.Struct("!12sB3xHH16s")  # nonce, proto, internal, external, ext IP
RESPONSE_HEADER = struct.Struct("!BBBBII12x")  # version, R|op, res, result, life, epoch
RESULTS = {
    0: "SUCCESS",
    1: "UNSUPP_VERSION",
    2: "NOT_AUTHORIZED",
    3: "MALFORMED_REQUEST",
    4: "UNSUPP_OPCODE",
    5: "UNSUPP_OPTION",
    6: "MALFORMED_OPTION",
    7: "NETWORK_FAILURE",
    8: "NO_RESOURCES",
    9: "UNSUPP_PROTOCOL",
    10: "USER_EX_QUOTA",
    11: "CANNOT_PROVIDE_EXTERNAL",
    12: "ADDRESS_MISMATCH",
    13: "EXCESSIVE_REMOTE_PEERS",
}


class PcpFormatError(ValueError):
    """A PCP answer that is not a MAP response to our request."""


@dataclass(frozen=True)
class MapResponse:
    """A parsed PCP MAP response."""

    result: int
    lifetime: int
    epoch: int
    nonce: bytes
    protocol: int
    internal: int
    external: int
    external_ip: str


def _v4_mapped(address: str) -> bytes:
    return ipaddress.IPv6Address(f"::ffff:{address}").packed


def pack_map_request(
    client_ip: str, nonce: bytes, protocol: str, internal: int, external: int, lifetime: int
) -> bytes:
    """The 60-byte MAP request (suggested external address: any IPv4)."""
    if len(nonce) != 12:
        raise ValueError("a PCP nonce is 12 bytes")
    header = HEADER.pack(PCP_VERSION, OPCODE_MAP, 0, lifetime, _v4_mapped(client_ip))
    body = MAP_BODY.pack(nonce, PROTOCOLS[protocol], internal, external, _v4_mapped("0.0.0.0"))
    return header + body


def parse_map_response(data: bytes) -> MapResponse:
    """Parse a MAP response (RFC 6887 sections 7.2 and 11.1).

    Raises:
        PcpFormatError: too short, wrong version or not a MAP response.
    """
    if len(data) < RESPONSE_HEADER.size + MAP_BODY.size:
        raise PcpFormatError(f"PCP answer too short ({len(data)} bytes)")
    version, opcode, _res, result, lifetime, epoch = RESPONSE_HEADER.unpack_from(data)
    if version != PCP_VERSION or opcode != (RESPONSE_BIT | OPCODE_MAP):
        raise PcpFormatError(f"not a PCP MAP response (version {version}, opcode {opcode:#x})")
    nonce, proto, internal, external, ext_ip = MAP_BODY.unpack_from(data, RESPONSE_HEADER.size)
    addr = ipaddress.IPv6Address(ext_ip)
    shown = str(addr.ipv4_mapped) if addr.ipv4_mapped is not None else str(addr)
    return MapResponse(result, lifetime, epoch, nonce, proto, internal, external, shown)


class PcpClient:
    """PCP MAP requests to one gateway, each bounded by ``timeout`` seconds."""

    def __init__(self, gateway: str, timeout: float, port: int = PCP_PORT) -> None:
        """Args: gateway: the router's LAN address; timeout: seconds per request;
        port: the PCP server port (5351; tests use an ephemeral one)."""
        self.gateway = gateway
        self.timeout = timeout
        self.port = port

    def _exchange(
        self,
        protocol: str,
        internal: int,
        external: int,
        lifetime: int,
        nonce: bytes,
        shares: tuple[float, ...] = (0.4, 1.0),
    ) -> MapResponse:
        deadline = time.monotonic() + self.timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect((self.gateway, self.port))
            packet = pack_map_request(
                sock.getsockname()[0], nonce, protocol, internal, external, lifetime
            )
            # by default two sends within the timeout (one lost datagram is not a
            # failure); a new mapping is asked once: see netcore.router_etiquette
            for share in shares:
                sock.send(packet)
                until = time.monotonic() + (deadline - time.monotonic()) * share
                while (left := until - time.monotonic()) > 0:
                    if not select.select([sock], [], [], left)[0]:
                        break
                    try:
                        resp = parse_map_response(sock.recv(1100))
                    except (OSError, PcpFormatError):
                        continue  # ICMP refusal or a stray packet: keep waiting
                    if resp.nonce == nonce:
                        return resp
        raise RouterError(errors.NO_ROUTER, Msg("fwd.err.pcp_silent", {"gateway": self.gateway}))

    def map(
        self, protocol: str, external: int, internal: int, lifetime: int, nonce: bytes | None = None
    ) -> Granted:
        """Ask for ``external`` -> this machine's ``internal``.

        Pass the ``nonce`` of an existing mapping to renew it.

        Raises:
            RouterError: refused (606 for NOT_AUTHORIZED) or no answer.
        """
        nonce = nonce or os.urandom(12)
        life = lifetime if lifetime > 0 else NATPMP_MAX_LIFETIME
        resp = self._exchange(protocol, internal, external, life, nonce, shares=(1.0,))
        if resp.result != 0:
            code = (
                errors.NOT_AUTHORIZED
                if resp.result == errors.PCP_NOT_AUTHORIZED
                else (errors.NETWORK)
            )
            refused = Msg(
                "fwd.err.pmp_refused",
                {"protocol": "PCP", "port": str(external)},
                {"result": errors.pmp_result("pcp", resp.result)},
            )
            raise RouterError(code, refused, RESULTS.get(resp.result, str(resp.result)))
        return Granted(resp.external, resp.lifetime, resp.external_ip, nonce.hex(), resp.epoch)

    def unmap(self, protocol: str, internal: int, nonce: bytes) -> None:
        """Delete a mapping: lifetime 0 with the nonce that created it."""
        resp = self._exchange(protocol, internal, 0, 0, nonce)
        if resp.result != 0:
            refused = Msg(
                "fwd.err.pcp_delete_refused",
                parts={"result": errors.pmp_result("pcp", resp.result)},
            )
            raise RouterError(errors.NETWORK, refused, RESULTS.get(resp.result, str(resp.result)))

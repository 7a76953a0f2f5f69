"""NAT-PMP (RFC 6886) mapping through PyPI ``NAT-PMP`` (imports as ``natpmp``).

NAT-PMP can only forward to the machine that asks, and a router that does
not allow the requested external port silently grants another one: the
caller must compare :attr:`Granted.external` with what it asked for.
(``py-natpmp`` 0.2.5, the other package named ``natpmp``, maps UDP when
asked for TCP: not used.)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from netcore.checks.verdict_messages import Msg
from netcore.router import errors
from netcore.router.errors import RouterError

NATPMP_MAX_LIFETIME = 604800
"""Used when the config asks for a permanent lease (0 deletes in NAT-PMP)."""


@dataclass(frozen=True)
class Granted:
    """What the router granted for one NAT-PMP or PCP request."""

    external: int
    lifetime: int
    external_ip: str = ""
    nonce: str = ""
    epoch: int | None = None  # the router's seconds since its start (None = not told)


class NatPmpClient:
    """NAT-PMP requests to one gateway, each bounded by ``timeout`` seconds."""

    def __init__(self, gateway: str, timeout: float) -> None:
        """Args: gateway: the router's LAN address; timeout: seconds per request."""
        self.gateway = gateway
        self.timeout = timeout

    def _send(self, request: Any, response_class: Any, tries: int = 2) -> Any:
        import natpmp

        # NAT-PMP waits n * retry_increment before retry n: two tries whose
        # waits add up to the configured timeout instead of the RFC's ~2 min.
        # A mapping request is sent once (tries=1, the whole timeout): a router
        # still searching for an allowed port must not get the question again.
        request.retry_increment = self.timeout / 3 if tries > 1 else self.timeout
        try:
            resp = natpmp.send_request_with_retry(
                self.gateway, request, response_data_class=response_class, retry=tries
            )
        except natpmp.NATPMPUnsupportedError:
            raise RouterError(
                errors.NO_ROUTER, Msg("fwd.err.natpmp_silent", {"gateway": self.gateway})
            ) from None
        except (OSError, natpmp.NATPMPError) as exc:
            raise RouterError(
                errors.NETWORK,
                Msg(
                    "fwd.err.natpmp_failed",
                    {"gateway": self.gateway, "kind": type(exc).__name__},
                ),
                str(exc),
            ) from None
        except struct.error:  # the library unpacks whatever arrived: a short answer
            raise RouterError(
                errors.NETWORK, Msg("fwd.err.natpmp_short", {"gateway": self.gateway})
            ) from None
        # RFC 6886 3.5: version 0 and opcode 128 + the request's; anything else
        # is not an answer to this request (never take it as a granted mapping)
        if resp.version != 0 or resp.opcode != 128 + int(request.opcode):
            raise RouterError(
                errors.NETWORK,
                Msg(
                    "fwd.err.natpmp_malformed",
                    {
                        "gateway": self.gateway,
                        "version": str(resp.version),
                        "opcode": str(resp.opcode),
                    },
                ),
            )
        return resp

    def external_ip(self) -> str:
        """The public address the router reports."""
        return self.address_and_epoch()[0]

    def address_and_epoch(self) -> tuple[str, int]:
        """The public address and the router's seconds since start of epoch.

        The cheapest NAT-PMP request: the monitor sends it to notice a
        router reboot (the epoch goes backwards, RFC 6886 3.6).
        """
        import natpmp

        resp = self._send(natpmp.PublicAddressRequest(), natpmp.PublicAddressResponse)
        return str(resp.ip), int(resp.sec_since_epoch)

    def map(self, protocol: str, external: int, internal: int, lifetime: int) -> Granted:
        """Ask for ``external`` -> this machine's ``internal``; return what was granted.

        Raises:
            RouterError: the router refused (606 for "not authorized").
        """
        import natpmp

        proto = natpmp.NATPMP_PROTOCOL_TCP if protocol == "TCP" else natpmp.NATPMP_PROTOCOL_UDP
        life = lifetime if lifetime > 0 else NATPMP_MAX_LIFETIME
        resp = self._send(
            natpmp.PortMapRequest(proto, internal, external, life), natpmp.PortMapResponse, 1
        )
        if resp.result != 0:
            code = (
                errors.NOT_AUTHORIZED
                if resp.result == errors.NATPMP_NOT_AUTHORIZED
                else errors.NETWORK
            )
            refused = Msg(
                "fwd.err.pmp_refused",
                {"protocol": "NAT-PMP", "port": str(external)},
                {"result": errors.pmp_result("natpmp", int(resp.result))},
            )
            raise RouterError(code, refused, natpmp.error_str(resp.result))
        return Granted(
            external=int(resp.public_port),
            lifetime=int(resp.lifetime),
            epoch=int(resp.sec_since_epoch),
        )

    def unmap(self, protocol: str, internal: int) -> None:
        """Delete this machine's mapping of ``internal`` (lifetime 0, RFC 6886 3.4)."""
        import natpmp

        proto = natpmp.NATPMP_PROTOCOL_TCP if protocol == "TCP" else natpmp.NATPMP_PROTOCOL_UDP
        self._send(natpmp.PortMapRequest(proto, internal, 0, 0), natpmp.PortMapResponse)

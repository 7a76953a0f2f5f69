"""NAT-PMP first, then PCP: map, renew and delete one of this machine's ports.

Both protocols can only forward to the machine that asks, and both grant
another external port when the requested one is not allowed: a moved port
is useless for the plan, so it is given back and reported as a refusal.
"""

from __future__ import annotations

from netcore.checks.verdict_messages import Msg
from netcore.router import errors
from netcore.router.errors import RouterError
from netcore.router.natpmp import Granted, NatPmpClient
from netcore.router.pcp import PcpClient
from netcore.router.state import MappingRecord


def map_port(
    gateway: str,
    timeout: float,
    protocol: str,
    external: int,
    internal: int,
    lease: int,
    previous: MappingRecord | None = None,
) -> tuple[str, Granted]:
    """Map ``external`` -> this machine's ``internal`` by NAT-PMP, else PCP.

    Args:
        gateway: the router's LAN address.
        timeout: ``network.natpmp_timeout`` (seconds per request).
        protocol: ``TCP`` or ``UDP``.
        external: the external port wanted.
        internal: this machine's port.
        lease: seconds (0 = as long as the protocol allows).
        previous: the record of an existing mapping (a PCP renewal needs its nonce).

    Returns:
        ``("natpmp" | "pcp", what the router granted)``.

    Raises:
        RouterError: 606 when the router refuses the port (or moves it),
            NO_ROUTER when neither protocol answers.
    """
    clients: list[tuple[str, NatPmpClient | PcpClient]] = [
        ("natpmp", NatPmpClient(gateway, timeout)),
        ("pcp", PcpClient(gateway, timeout)),
    ]
    last = RouterError(errors.NO_ROUTER, Msg("fwd.err.none_answered"))
    for method, client in clients:
        try:
            if isinstance(client, PcpClient):
                # renewing a PCP mapping needs the nonce that created it
                nonce = (
                    bytes.fromhex(previous.nonce)
                    if previous and previous.method == "pcp" and previous.nonce
                    else None
                )
                granted = client.map(protocol, external, internal, lease, nonce)
            else:
                granted = client.map(protocol, external, internal, lease)
        except RouterError as exc:
            last = exc
            if exc.code == errors.NO_ROUTER:
                continue  # the other protocol may answer
            raise
        if granted.external != external:
            # a refused port is silently moved elsewhere: useless for the plan
            _undo(client, protocol, internal, granted)
            raise RouterError(
                errors.NOT_AUTHORIZED,
                Msg("fwd.err.moved", {"port": str(external), "offered": str(granted.external)}),
            )
        return method, granted
    raise last


def _undo(client: NatPmpClient | PcpClient, protocol: str, internal: int, granted: Granted) -> None:
    try:
        if isinstance(client, PcpClient):
            client.unmap(protocol, internal, bytes.fromhex(granted.nonce))
        else:
            client.unmap(protocol, internal)
    except RouterError:
        pass  # the lease will expire by itself


def unmap_record(gateway: str, timeout: float, rec: MappingRecord) -> None:
    """Delete a NAT-PMP or PCP mapping we made (PCP with its nonce).

    Raises:
        RouterError: the router refused or did not answer.
    """
    if rec.method == "pcp":
        PcpClient(gateway, timeout).unmap(rec.protocol, rec.internal, bytes.fromhex(rec.nonce))
    else:
        NatPmpClient(gateway, timeout).unmap(rec.protocol, rec.internal)

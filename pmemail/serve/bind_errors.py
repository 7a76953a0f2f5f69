"""Turn a failed ``bind`` into one sentence an office admin can act on.

"[Errno 98] address already in use" says nothing about *who* holds the port;
``netcore.local_ports`` can tell (as root, for any user's process), so the
message names the process. The services only report the facts
(``mailcore.interfaces.ListenError``); the sentence is made here. A low
port refused to a non-root user gets the unprivileged way out.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable

from netcore.local_ports import port_holder

# asyncio: "error while attempting to bind on address ('127.0.0.1', 2525): ..."
_ADDRESS = re.compile(r"address \('([^']*)', (\d+)")

PortHint = Callable[[int], str]


def port_from_error(err: OSError) -> tuple[str, int] | None:
    """(host, port) named in an asyncio bind error message, if any."""
    match = _ADDRESS.search(str(err))
    return (match.group(1), int(match.group(2))) if match else None


def describe_bind_error(
    err: OSError, service: str, host: str, port: int, hint: PortHint | None = None
) -> str | None:
    """One line explaining why ``service`` could not listen on ``host:port``.

    Args:
        err: the ``OSError`` raised by bind / ``create_server``.
        service: the service name for the message ("smtp", "imap", ...).
        host: the listen address.
        port: the port.
        hint: gives the unprivileged alternative for a port (e.g.
            "set ports.smtp.internal = 2525 or run `pmemail init --unprivileged`").

    Returns:
        The sentence, or None when ``err`` is not a port-in-use/permission problem.
    """
    where = f"{host}:{port}" if host else f"port {port}"
    if err.errno == errno.EADDRINUSE:
        holder = port_holder(port)
        who = (
            f"process {holder[0]} ({holder[1]})"
            if holder
            else "another process (run as root to see which)"
        )
        return f"{service}: cannot listen on {where}: port {port} is already in use by {who}"
    if err.errno == errno.EACCES:
        low = (
            "ports below 1024 need root or CAP_NET_BIND_SERVICE"
            if port < 1024
            else "the system refused it"
        )
        extra = f"; {hint(port)}" if hint and port < 1024 else ""
        return f"{service}: cannot listen on {where}: permission denied ({low}){extra}"
    if err.errno == errno.EADDRNOTAVAIL:
        return (
            f"{service}: cannot listen on {where}: {host} is not an address of this "
            "machine (check server.listen_address)"
        )
    return None


def describe_os_error(err: OSError, service: str, hint: PortHint | None = None) -> str:
    """Like :func:`describe_bind_error` when the address is only in the message."""
    found = port_from_error(err)
    if found is not None:
        text = describe_bind_error(err, service, found[0], found[1], hint)
        if text:
            return text
    return f"{service}: {err.strerror or err}"

"""Which TCP ports are listening on this machine (psutil), for the plan and dashboard."""

from __future__ import annotations

import psutil


def listening_ports() -> dict[int, int | None]:
    """Every listening TCP port mapped to the pid holding it (None if hidden)."""
    found: dict[int, int | None] = {}
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return found
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr:
            found.setdefault(conn.laddr.port, conn.pid)
    return found


def is_listening(port: int) -> bool:
    """Whether something on this machine listens on TCP ``port``."""
    return port in listening_ports()

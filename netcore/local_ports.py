"""Which TCP ports listen on this machine, and which process holds one.

:func:`listening_ports` reads ``/proc/net/tcp{,6}`` on Linux: the dashboard
asks every few seconds, and ``psutil.net_connections`` would map every
socket of every process to its pid each time. psutil answers where there is
no ``/proc`` and for :func:`port_holder`, which needs the pid.
"""

from __future__ import annotations

from pathlib import Path

import psutil

PROC_TCP = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
TCP_LISTEN = "0A"  # the st column of /proc/net/tcp


def listening_ports() -> set[int]:
    """Every TCP port something listens on in this network namespace."""
    found: set[int] = set()
    read_any = False
    for table in PROC_TCP:
        try:
            rows = table.read_text("ascii").splitlines()[1:]
        except OSError:
            continue
        read_any = True
        for row in rows:
            fields = row.split()
            if len(fields) > 3 and fields[3] == TCP_LISTEN:
                found.add(int(fields[1].rpartition(":")[2], 16))
    if not read_any:  # not Linux: psutil knows other systems
        found = {port for port, _pid in _listening_sockets()}
    return found


def is_listening(port: int) -> bool:
    """Whether something on this machine listens on TCP ``port``."""
    return port in listening_ports()


def port_holder(port: int) -> tuple[int, str] | None:
    """(pid, process name) of the process listening on TCP ``port``, if visible.

    Another user's process is visible only to root: then None.
    """
    for listening, pid in _listening_sockets():
        if listening != port or pid is None:
            continue  # another user's socket seen without root: keep looking
        try:
            name = psutil.Process(pid).name()
        except psutil.Error:
            name = "?"
        return pid, name
    return None


def port_holders() -> dict[int, tuple[int, str]]:
    """(pid, process name) of the process on each listening TCP port, in one scan.

    Several processes may share a listening socket (Postfix's ``master`` and its
    ``smtpd`` children): the lowest pid, the parent, answers. Ports whose
    process is hidden from us (another user's, without root) are left out.
    """
    pids: dict[int, int] = {}
    for port, pid in _listening_sockets():
        if pid is not None and (port not in pids or pid < pids[port]):
            pids[port] = pid
    found: dict[int, tuple[int, str]] = {}
    for port, pid in pids.items():
        try:
            found[port] = pid, psutil.Process(pid).name()
        except psutil.Error:
            found[port] = pid, "?"
    return found


def _listening_sockets() -> list[tuple[int, int | None]]:
    """(port, pid) of each listening TCP socket; pid None when hidden from us."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, PermissionError):
        return []
    return [
        (c.laddr.port, c.pid) for c in connections if c.status == psutil.CONN_LISTEN and c.laddr
    ]

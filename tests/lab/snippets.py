"""Functions that run INSIDE a lab namespace (via ``Lab.run_python``).

Each returns JSON-serialisable data.  They are only ever started by the
runner's wrapper, which first checks :func:`tests.lab.guard.require_lab_netns`.
miniupnpc raises a bare ``Exception`` whose text is the UPnP error string
("ConflictInMappingEntry" 718, "Action not authorized" 606, "Action Failed"
501): the helpers return it as ``error`` instead of raising.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

from tests.lab.constants import LAN_GW, ROOT_DESC_URL


def connect(host: str, port: int, source: str | None = None, timeout: float = 3.0) -> str | None:
    """TCP-connect to host:port; return the first bytes received or None.

    A connection that is accepted but sends nothing within ``timeout``
    returns "" (reachable, silent server).
    """
    src = (source, 0) if source else None
    try:
        with socket.create_connection((host, port), timeout, src) as sock:
            try:
                return sock.recv(512).decode(errors="replace")
            except TimeoutError:
                return ""
    except OSError:
        return None


def serve_banner(
    ports: list[int], bind: str = "0.0.0.0", name: str = "", lifetime: float = 300.0
) -> None:
    """Accept TCP on ``ports`` and greet: ``hello from NAME port P to IP:PORT``.

    Prints "listening" once every socket is bound; exits after ``lifetime``
    seconds in case teardown misses it.
    """
    label = name or socket.gethostname()
    socks = []
    for port in ports:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((bind, port))
        s.listen(16)
        socks.append((port, s))

    def loop(port: int, s: socket.socket) -> None:
        while True:
            conn, peer = s.accept()
            with conn:
                conn.sendall(f"hello from {label} port {port} to {peer[0]}:{peer[1]}\n".encode())

    for port, s in socks:
        threading.Thread(target=loop, args=(port, s), daemon=True).start()
    print(f"listening {json.dumps(ports)}", flush=True)
    time.sleep(lifetime)


def http_get(url: str, timeout: float = 5.0) -> dict[str, Any]:
    """GET ``url``; return {"status": int, "body": str} or {"error": str}."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return {"status": resp.status, "body": resp.read().decode()}
    except OSError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _igd() -> Any:
    import miniupnpc

    upnp = miniupnpc.UPnP()
    # a known root description URL skips SSDP (~1 ms instead of ~1 s)
    upnp.selectigd(ROOT_DESC_URL)
    return upnp


def _call(method: str, *args: Any) -> dict[str, Any]:
    """Call ``method`` on the lab IGD; discovery errors are returned too."""
    try:
        return {"ok": True, "result": getattr(_igd(), method)(*args)}
    except Exception as exc:  # miniupnpc raises bare Exception(str)
        return {"ok": False, "error": str(exc)}


def upnp_external_ip() -> dict[str, Any]:
    """externalipaddress() of the lab IGD ('' when forwarding is impossible)."""
    return _call("externalipaddress")


def upnp_add(
    eport: int,
    ihost: str,
    iport: int,
    proto: str = "TCP",
    lease: int = 3600,
    desc: str = "lab",
) -> dict[str, Any]:
    """AddPortMapping; {"ok": True} or {"ok": False, "error": "..."}."""
    return _call("addportmapping", eport, proto, ihost, iport, desc, "", lease)


def upnp_delete(eport: int, proto: str = "TCP") -> dict[str, Any]:
    """DeletePortMapping (success even when the mapping does not exist)."""
    return _call("deleteportmapping", eport, proto)


def upnp_list() -> list[list[Any]]:
    """Every mapping, via getgenericportmapping(i) until None or an error.

    (getportmappingnumberofentries() gives 401 on miniupnpd.)
    """
    upnp = _igd()
    rows: list[list[Any]] = []
    while True:
        try:
            row = upnp.getgenericportmapping(len(rows))
        except Exception:  # 713 SpecifiedArrayIndexInvalid at the end
            break
        if row is None:
            break
        rows.append(list(row))
    return rows


def natpmp_public_ip() -> dict[str, Any]:
    """NAT-PMP external address request (PyPI ``NAT-PMP``, imports as natpmp)."""
    import natpmp

    try:
        return {"ok": True, "result": natpmp.get_public_address(gateway_ip=LAN_GW)}
    except Exception as exc:  # natpmp raises its own NATPMP*Error types
        return {"ok": False, "error": repr(exc)}


def natpmp_map_tcp(public: int, private: int, lifetime: int = 3600) -> dict[str, Any]:
    """NAT-PMP TCP mapping; a denied port is silently moved: check public_port."""
    import natpmp

    try:
        r = natpmp.map_tcp_port(public, private, lifetime=lifetime, gateway_ip=LAN_GW)
    except Exception as exc:
        return {"ok": False, "error": repr(exc)}
    return {
        "ok": r.result == 0,
        "result": r.result,
        "public_port": r.public_port,
        "private_port": r.private_port,
        "lifetime": r.lifetime,
    }

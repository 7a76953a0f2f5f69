"""Fail-closed check: is this process inside one of the lab namespaces?

Discovery (SSDP multicast), NAT-PMP, public-IP lookups and port probes may
only run inside the lab.  The check compares the identity (st_dev, st_ino)
of ``/proc/self/ns/net`` with the bind mounts ``/run/netns/lab-*`` that
``ip netns add`` creates.  It deliberately never compares with
``/proc/1/ns/net``: in a sandbox that link may be unreadable, and a check
that passes on an error would let multicast out onto the real network.
Any error therefore means "not in the lab".
"""

from __future__ import annotations

import os
from pathlib import Path

NETNS_RUN_DIR = Path("/run/netns")


def current_lab_netns() -> str | None:
    """Return the name of the lab namespace this process is in, or None.

    None on any error (unreadable /proc, no /run/netns, no match): callers
    treat None as "outside the lab, refuse to send".
    """
    try:
        me = os.stat("/proc/self/ns/net")
        candidates = sorted(NETNS_RUN_DIR.glob("lab-*"))
    except OSError:
        return None
    for path in candidates:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (me.st_dev, me.st_ino):
            return path.name
    return None


def require_lab_netns() -> str:
    """Return the lab namespace name or raise RuntimeError (fail closed)."""
    name = current_lab_netns()
    if name is None:
        raise RuntimeError("not inside a lab network namespace (lab-*); refusing to send anything")
    return name

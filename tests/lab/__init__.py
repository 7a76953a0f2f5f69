"""pmemail's router test lab: a real miniupnpd inside Linux network namespaces.

Use it through the pytest fixtures in :mod:`tests.lab.fixtures` (``lab``,
``router``, ``forbid_external_network``).  Needs root, ``ip``, ``nft`` and
Debian's ``miniupnpd-nftables``; otherwise lab tests are skipped.  Nothing
is sent outside loopback or the lab namespaces.
"""

from tests.lab.guard import current_lab_netns
from tests.lab.process import LabError
from tests.lab.router import OPENWRT_PERMISSIONS, STOCK_PERMISSIONS, RouterConfig
from tests.lab.topology import Lab

__all__ = [
    "OPENWRT_PERMISSIONS",
    "STOCK_PERMISSIONS",
    "Lab",
    "LabError",
    "RouterConfig",
    "current_lab_netns",
]

"""Shared pytest configuration.

The router lab's fixtures come from ``tests.lab.fixtures``; the network guard
fixture there is autouse, so no test can reach an address outside loopback or
the lab namespaces by accident.
"""

from __future__ import annotations

import os

import pytest

from tests.collector_dovecot import isp, office  # noqa: F401  (the collector tests' ISP and office)
from tests.dashboard_support import echo  # noqa: F401  (an echo service on loopback)
from tests.doctor_lab_support import conf, silent_router  # noqa: F401  (doctor lab: config, router)
from tests.dyndns_support import provider  # noqa: F401  (the test dynamic DNS provider)
from tests.lab.fixtures import *  # noqa: F403  (fixtures: lab, router, forbid_external_network)

REQUIRE_LAB = os.environ.get("PMEMAIL_REQUIRE_LAB") == "1"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Where the lab must run (CI as root), a skipped lab test counts as failed."""
    report = yield
    if REQUIRE_LAB and report.skipped and item.get_closest_marker("lab") is not None:
        report.outcome = "failed"
        report.longrepr = f"lab test skipped but PMEMAIL_REQUIRE_LAB=1: {report.longrepr}"
    return report

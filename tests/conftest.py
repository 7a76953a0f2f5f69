"""Shared pytest configuration (the lead merges more into this file)."""

from __future__ import annotations

import pytest

from tests.lab.fixtures import *  # noqa: F403  (fixtures: lab, router, guard)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``lab`` marker (tests that need the root-only router lab)."""
    config.addinivalue_line(
        "markers", "lab: needs the namespace router lab (root, miniupnpd, nft)"
    )

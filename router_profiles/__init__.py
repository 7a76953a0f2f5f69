"""Router and ISP profiles: one TOML file per router family or ISP.

The files ship as package data, so they are found after any install
(editable, wheel, pipx) through :func:`profile_files`.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def profile_files() -> list[Traversable]:
    """Every ``*.toml`` profile shipped with pmemail, sorted by name."""
    root = files(__name__)
    return sorted((p for p in root.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)

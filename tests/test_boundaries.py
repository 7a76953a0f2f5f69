"""The core packages never import the UI toolkit (Harlequin's rule, enforced)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import mailcore
import netcore
import pmemail
import router_profiles

CORE_PACKAGES = [netcore, mailcore, pmemail, router_profiles]
FORBIDDEN = ("textual", "rich")


def all_modules() -> list[str]:
    names = []
    for pkg in CORE_PACKAGES:
        names.append(pkg.__name__)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=pkg.__name__ + "."):
            if not info.name.endswith("__main__"):  # running it would start the CLI
                names.append(info.name)
    # the CLI module that opens the app imports pmemail_tui lazily, inside a function
    return names


@pytest.mark.parametrize("module", all_modules())
def test_core_module_does_not_import_textual(module: str) -> None:
    """Importing any core module in a fresh interpreter loads neither textual nor rich."""
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]; "
        "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} imported {done.stdout.strip()}"


def test_import_layers_contract_is_kept() -> None:
    """The import-linter contracts in pyproject.toml hold: each layer imports only below it."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_serve_loads_no_client_library_it_may_never_use() -> None:
    """``pmemail serve``'s composition leaves the HTTP, ACME and router clients unloaded.

    They cost resident memory on every office server; each is imported when its
    service first needs it (dynamic DNS, a certificate order, a router).
    """
    lazy = ("requests", "acme", "miniupnpc", "netcore.echo_service", "netcore.http_fetch")
    code = (
        "import sys; import pmemail.serve.composition; "
        f"print(','.join(m for m in {lazy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""

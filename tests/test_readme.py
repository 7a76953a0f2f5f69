"""The README's promises: its two first commands, and every command it lists exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    """First code block: run the app, run the tests; .ci/run calls the second."""
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["bash dev.sh run", "bash dev.sh test"]
    assert "bash dev.sh test" in (ROOT / ".ci" / "run").read_text()


def readme_commands() -> list[list[str]]:
    """`pmemail X Y` from the command table (first word group before options)."""
    found = []
    rows = [line for line in README.splitlines() if line.startswith("| `pmemail")]
    for line in rows:
        first_cell = re.split(r"(?<!\\)\|", line)[1]
        for variant in re.findall(r"`pmemail([^`]*)`", first_cell):
            words = [w for w in variant.replace("`", "").split() if re.fullmatch(r"[a-z]+", w)]
            first = words[:1]
            subs = re.search(r"([a-z]+(?:(?: \[[A-Z]+\])?\\\|[a-z]+)+)", variant)
            if subs:  # `ports plan|apply|...` → one entry each
                for sub in subs.group(1).split("\\|"):
                    found.append([*first, sub.split()[0]])
            else:
                found.append(words[:2] if len(words) > 1 and words[1] != "pmemail" else first)
    return [f for f in found if f]


@pytest.mark.parametrize("command", readme_commands(), ids=" ".join)
def test_every_readme_command_exists(command: list[str]) -> None:
    """Each listed command parses (its --help exits 0)."""
    done = subprocess.run(
        [sys.executable, "-m", "pmemail", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


LAYOUT = README.split("## Layout", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize(
    "package", ["pmemail/app", "pmemail/serve", "pmemail/config", "mailcore", "netcore"]
)
def test_layout_table_names_every_module(package: str) -> None:
    """A newcomer finds every module of the layered packages in the README's layout."""
    folder = ROOT / package
    names = {
        path.stem if path.is_file() else path.name
        for path in folder.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    missing = sorted(
        n
        for n in names
        if f"`{n}`" not in LAYOUT and f"`{n}/`" not in LAYOUT and f"`{n}.py`" not in LAYOUT
    )
    assert not missing, f"{package}: not in the README layout: {missing}"

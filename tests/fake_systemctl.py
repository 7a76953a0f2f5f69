"""A stand-in ``systemctl`` program for tests: a real executable put first on PATH.

It records every call (one JSON list per line) and keeps the unit's state in
files beside its log. ``start`` really starts the unit's ``ExecStart``
detached, so the hand-over from a detached server is exercised with real
processes and real ports. ``offline`` mode answers as systemctl does in a
container without systemd.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

_PROGRAM = r"""#!{python}
import json, os, shlex, subprocess, sys
from pathlib import Path
here = Path({here!r})
args = [a for a in sys.argv[1:] if a != "--user"]
with open(here / "calls.log", "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\n")
if (here / "offline").exists():
    print("offline")
    sys.exit(1)
state = here / "enabled"
active = here / "active"
verb = args[0] if args else ""
if verb == "is-system-running":
    print("running")
elif verb == "daemon-reload":
    pass
elif verb == "enable":
    state.touch()
elif verb == "is-enabled":
    print("enabled" if state.exists() else "disabled")
    sys.exit(0 if state.exists() else 1)
elif verb == "is-active":
    print("active" if active.exists() else "inactive")
    sys.exit(0 if active.exists() else 3)
elif verb == "start":
    unit = Path({unit_dir!r}) / "pmemail.service"
    line = next(l for l in unit.read_text().splitlines() if l.startswith("ExecStart="))
    subprocess.Popen(shlex.split(line[len("ExecStart="):]), stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, close_fds=True)
    active.touch()
else:
    print("unknown verb", verb, file=sys.stderr)
    sys.exit(1)
"""


@dataclass
class FakeSystemctl:
    """The fake's folder: its call log and state files."""

    home: Path

    def calls(self) -> list[list[str]]:
        """Every call's arguments, in order."""
        log = self.home / "calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def verbs(self) -> list[str]:
        """The verbs called, ``--user`` dropped (``is-system-running``, ``enable``...)."""
        return [next(a for a in call if a != "--user") for call in self.calls()]

    def go_offline(self) -> None:
        """Answer as systemctl does where systemd does not run."""
        (self.home / "offline").touch()


def install_fake_systemctl(
    root: Path, unit_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> FakeSystemctl:
    """Write the program in ``root/bin`` and put it first on PATH (undone after the test)."""
    home = root / "fake-systemctl"
    bindir = home / "bin"
    bindir.mkdir(parents=True)
    program = bindir / "systemctl"
    program.write_text(
        _PROGRAM.format(python=sys.executable, here=str(home), unit_dir=str(unit_dir))
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return FakeSystemctl(home)

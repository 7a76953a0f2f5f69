"""Run commands and Python code inside the lab namespaces.

:class:`NetnsRunner` is the base of :class:`tests.lab.topology.Lab`: it
knows the state directory and tracks every process it spawns so that
teardown can end them by pid.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.lab.constants import ALL_NAMESPACES, PROJECT_ROOT
from tests.lab.process import LabError, stop_popen, wait_for_log

# Runs inside the namespace: refuse to do anything outside the lab (fail
# closed), then call "module:qualname" with JSON arguments and print the
# JSON result as the last stdout line.
_CALL_WRAPPER = """\
import importlib, json, sys
from tests.lab.guard import require_lab_netns
require_lab_netns()
spec = json.loads(sys.argv[1])
mod, _, qual = spec["target"].partition(":")
obj = importlib.import_module(mod)
for part in qual.split("."):
    obj = getattr(obj, part)
res = obj(*spec["args"], **spec["kwargs"])
print()
print(json.dumps(res), flush=True)
"""

_CODE_WRAPPER = """\
import sys
from tests.lab.guard import require_lab_netns
require_lab_netns()
exec(compile(sys.argv[1], "<lab snippet>", "exec"), {"__name__": "__lab__"})
"""


class NetnsRunner:
    """Command execution in lab namespaces, with process tracking."""

    def __init__(self, state_dir: Path) -> None:
        """Keep logs and state files of spawned processes in ``state_dir``."""
        self.state_dir = state_dir
        self._spawned: list[subprocess.Popen[bytes]] = []
        self._log_seq = itertools.count(1)

    @staticmethod
    def _check_ns(ns: str) -> None:
        # never "ip netns exec" into something that is not ours
        if ns not in ALL_NAMESPACES:
            raise ValueError(f"not a lab namespace: {ns!r}")

    @staticmethod
    def _env() -> dict[str, str]:
        env = dict(os.environ)
        # namespace subprocesses import tests.lab.* from the project root
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
        )
        return env

    def run(
        self,
        ns: str,
        argv: Sequence[str],
        *,
        timeout: float = 10.0,
        check: bool = True,
        input_text: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in namespace ``ns`` and return its completed process.

        Raises LabError on a non-zero exit when ``check`` is true.
        """
        self._check_ns(ns)
        res = subprocess.run(
            ["ip", "netns", "exec", ns, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input_text,
            env=self._env(),
            cwd=PROJECT_ROOT,
            check=False,
        )
        if check and res.returncode != 0:
            raise LabError(
                f"{ns}: {' '.join(argv)[:200]} -> exit {res.returncode}\n"
                f"{res.stdout[-2000:]}{res.stderr[-2000:]}"
            )
        return res

    def spawn(
        self,
        ns: str,
        argv: Sequence[str],
        *,
        log: Path | None = None,
        ready: str | None = None,
        ready_timeout: float = 5.0,
        track: bool = True,
    ) -> subprocess.Popen[bytes]:
        """Start a long-lived ``argv`` in ``ns``; it is killed on teardown.

        stdout+stderr go to ``log`` (default: a file in the state dir).  With
        ``ready``, wait until that regex appears in the log.  `ip netns exec`
        exec()s the command, so the Popen pid is the process itself.  With
        ``track`` (default) :meth:`kill_spawned` ends it; lab services pass
        False and are ended by the lab's own teardown.
        """
        self._check_ns(ns)
        if log is None:
            log = self.state_dir / f"spawn-{next(self._log_seq):03d}-{ns}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", ns, *argv],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self._env(),
                cwd=PROJECT_ROOT,
            )
        if track:
            self._spawned.append(proc)
        if ready is not None:
            try:
                wait_for_log(log, [ready], timeout=ready_timeout, proc=proc)
            except LabError:
                stop_popen(proc)
                raise
        return proc

    def kill_spawned(self) -> None:
        """End every process started with :meth:`spawn` (by pid) and reap it."""
        while self._spawned:
            stop_popen(self._spawned.pop())

    def run_python(
        self,
        ns: str,
        target: str,
        *args: Any,
        timeout: float = 15.0,
        **kwargs: Any,
    ) -> Any:
        """Run Python in ``ns`` with this interpreter; return its JSON output.

        ``target`` is either ``"package.module:qualname"`` (called with the
        JSON-serialisable ``args``/``kwargs``; its return value comes back)
        or a code snippet (it must print JSON as its last stdout line).
        The child refuses to run outside a lab namespace.
        """
        if _is_qualname(target):
            spec = json.dumps({"target": target, "args": args, "kwargs": kwargs})
            argv = [sys.executable, "-c", _CALL_WRAPPER, spec]
        else:
            if args or kwargs:
                raise TypeError("arguments are only supported with module:qualname")
            argv = [sys.executable, "-c", _CODE_WRAPPER, target]
        res = self.run(ns, argv, timeout=timeout)
        lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
        if not lines:
            raise LabError(f"{ns}: {target[:80]} printed nothing\n{res.stderr}")
        return json.loads(lines[-1])

    def spawn_python(
        self, ns: str, target: str, *args: Any, ready: str | None = None, **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        """Like :meth:`run_python` for a long-lived function (a server)."""
        spec = json.dumps({"target": target, "args": args, "kwargs": kwargs})
        return self.spawn(ns, [sys.executable, "-c", _CALL_WRAPPER, spec], ready=ready)


def _is_qualname(target: str) -> bool:
    mod, sep, qual = target.partition(":")
    ident = mod.replace(".", "").replace("_", "") + qual.replace(".", "").replace("_", "")
    return bool(sep) and ident.isalnum() and "\n" not in target

"""``acme.after_renew``: the admin's command run after each new certificate.

pmemail's own listeners take a renewed certificate by themselves (the keeper
swaps it); programs that read the same files, Postfix and Dovecot after the
hand-over, need to be told: ``["systemctl", "reload", "postfix", "dovecot"]``.
The command is a list (program and arguments), run without a shell, so no
value of the config is ever interpreted as shell syntax. It gets
``acme.after_renew_timeout`` seconds; then it and its children are killed.
Its outcome is an id with values (``AfterRenewOutcome``), logged, kept in the
renewal state and worded by ``pmemail.app.cert_wording``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Sequence

from mailcore.status import AfterRenewOutcome

log = logging.getLogger("pmemail.acme")

OK = "ok"
EXITED = "exited"  # params: status, output
TIMED_OUT = "timed_out"  # params: seconds
NOT_STARTED = "not_started"  # params: program, detail
CODES = (OK, EXITED, TIMED_OUT, NOT_STARTED)
OUTPUT_CHARS = 300  # the end of what it printed: enough for "permission denied"


async def run_after_renew(argv: Sequence[str], timeout: float) -> AfterRenewOutcome:
    """Run ``argv`` (no shell), wait at most ``timeout`` seconds, say how it went.

    Never raises: a command that cannot start, fails or hangs is an outcome.
    """
    started = time.time()
    program = argv[0] if argv else ""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own group: a timeout kills its children too
        )
    except (OSError, ValueError) as err:
        detail = getattr(err, "strerror", None) or str(err)
        return _outcome(started, NOT_STARTED, program=program, detail=str(detail)[:OUTPUT_CHARS])
    try:
        async with asyncio.timeout(timeout):
            output, _ = await proc.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        return _outcome(started, TIMED_OUT, seconds=f"{timeout:g}")
    text = output.decode("utf-8", "replace").strip()[-OUTPUT_CHARS:]
    if proc.returncode != 0:
        return _outcome(started, EXITED, status=str(proc.returncode), output=text)
    return _outcome(started, OK)


def _outcome(at: float, code: str, **params: str) -> AfterRenewOutcome:
    shown = " ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
    if code == OK:
        log.info("acme: after_renew command done")
    else:
        log.warning("acme: after_renew command failed code=%s %s", code, shown)
    return {"at": at, "code": code, "params": params}

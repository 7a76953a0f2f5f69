"""``pmemail dyndns update``: one update now, and its outcome in words.

The running server updates the record by itself (``pmemail.serve.dyndns_service``);
this sends the current public address once more, even when the provider
already has it, after a network failure's back-off, or before the address
was judged dynamic. It never overrides a refusal of the settings or the
provider's own 30-minute wait (``netcore.dyndns.updater``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pmemail.app.cert_wording import render
from pmemail.app.dyndns_texts import TEXTS
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:  # the dashboard imports this module: requests only when an update is made
    from mailcore.status import DyndnsStatus
    from netcore.dyndns.updater import UpdateResult


class DyndnsRefused(Exception):
    """No update can be asked: ``code`` is ``error.disabled`` or ``error.not_configured``."""

    def __init__(self, code: str) -> None:
        """Args: code: an ``error.*`` id of :mod:`pmemail.app.dyndns_texts`."""
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class UpdateReport:
    """What ``pmemail dyndns update`` did: the updater's result and the words for it."""

    result: UpdateResult
    ok: bool
    message_id: str
    values: dict[str, str]

    def words(self, language: str) -> str:
        """The outcome as one sentence."""
        return say(self.message_id, language, **self.values)


def say(msgid: str, language: str, **values: object) -> str:
    """Sentence ``msgid`` of the dynamic DNS catalogue in ``language``, filled."""
    return render(TEXTS, msgid, language, **values)


def update_now(config: Config, paths: DataPaths) -> UpdateReport:
    """Ask the echo services for the public address and send it (blocking).

    Raises:
        DyndnsRefused: updates are off or ``[dyndns]`` is not filled in.
    """
    from netcore.dyndns.settings import DyndnsSettings
    from netcore.dyndns.updater import DyndnsUpdater
    from netcore.echo_service import public_ip
    from netcore.ip_history import IpHistory

    if config.dyndns.enabled == "no":
        raise DyndnsRefused("error.disabled")
    settings = DyndnsSettings.from_config(config)
    if not settings.complete:
        raise DyndnsRefused("error.not_configured")
    net = config.network
    address = public_ip(net.echo_url, net.http_timeout).address
    IpHistory(paths.state).record(address)
    result = DyndnsUpdater(settings, paths.state).update(address, force=True)
    return _report(settings.hostname, result)


def _report(hostname: str, result: UpdateResult) -> UpdateReport:
    state, answer = result.state, result.answer
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state.next_try or time.time()))
    values = {
        "hostname": hostname,
        "address": result.address,
        "answer": answer.code if answer is not None else state.last_answer,
        "error": result.error,
        "when": when,
    }
    if result.action != "sent":
        return UpdateReport(result, False, f"update.{result.action}", values)
    if answer is None:
        return UpdateReport(result, False, "update.no_answer", values)
    verdict = {"done": "update.done", "stop": "update.refused"}.get(answer.verdict)
    return UpdateReport(result, answer.verdict == "done", verdict or "update.retry", values)


def report_json(config: Config, paths: DataPaths, report: UpdateReport) -> dict[str, Any]:
    """The ``--json`` document: what happened and the ``dyndns`` status after it."""
    from pmemail.serve.dyndns_service import dyndns_status

    answer = report.result.answer
    return {
        "ok": report.ok,
        "action": report.result.action,
        "address": report.result.address,
        "answer": answer.code if answer is not None else None,
        "error": report.result.error,
        "message": report.message_id,
        "dyndns": dict(dyndns_status(config, paths)),
    }


def dyndns_line(status: DyndnsStatus, language: str) -> str:
    """The dashboard's one line on the last update ("" when dynamic DNS does not apply)."""
    values = {
        "hostname": status["hostname"],
        "address": status["sent_address"] or "?",
        "answer": status["last_answer"],
    }
    if status["stopped"]:
        return say("line.stopped", language, **values)
    attempt = status["last_attempt"]
    if attempt is None:
        return say("line.never", language, **values) if status["wanted"] else ""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(attempt))
    return say("line.last", language, when=when, **values)

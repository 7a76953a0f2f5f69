"""Who serves the mail ports: pmemail's own services, or Postfix and Dovecot after the hand-over.

After ``pmemail export postfix-dovecot`` the office runs Postfix and Dovecot
on the same ports; ``server.mail_engine = "postfix-dovecot"`` records it
(``pmemail handover done``), and ``pmemail serve`` then runs only its network
side (``pmemail.serve.composition``). The network side stays pmemail's (router
mappings, reachability), so the dashboard and the doctor keep watching those
ports: here, which program listens on each (whichever process holds it,
``netcore.local_ports.port_holders``) and the doctor's ``listening.<name>``
rows. Sentences: :mod:`pmemail.app.mail_engine_texts`.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from netcore.local_ports import listening_ports, port_holders
from pmemail.app.cert_wording import render
from pmemail.app.mail_engine_texts import TEXTS
from pmemail.config import load_config, save_config
from pmemail.config.model import HANDED_OVER as HANDED_OVER
from pmemail.config.model import Config, MailEngine
from pmemail.config.paths import DataPaths
from pmemail.serve.pidfile import read_pid

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult
    from netcore.checks.table import CheckRow, Shared

MAIL_PORTS: dict[str, str] = {
    "smtp": "Postfix",
    "submission": "Postfix",
    "imap": "Dovecot",
    "pop3": "Dovecot",
}
"""The plan's ports the hand-over gives away, and the program expected on each."""

PROGRAMS: dict[str, str] = {
    "master": "Postfix",
    "smtpd": "Postfix",
    "postscreen": "Postfix",
    "dovecot": "Dovecot",
    "imap-login": "Dovecot",
    "pop3-login": "Dovecot",
    "submission-login": "Dovecot",
}
"""Process names of Postfix and Dovecot (psutil's ``name()``) and the program they are."""

PMEMAIL = "pmemail"

RELOAD_AFTER_RENEW: Final = ("systemctl", "reload", "postfix", "dovecot")
"""``acme.after_renew`` set by ``pmemail handover done``: Postfix and Dovecot read the
certificate files pmemail renews (the export's polkit rule allows the reload)."""


def say(msgid: str, language: str, **values: object) -> str:
    """Sentence ``msgid`` of the hand-over catalogue in ``language``, filled."""
    return render(TEXTS, msgid, language, **values)


def handed_over(config: Config) -> bool:
    """Whether Postfix and Dovecot serve the mail (``server.mail_engine``)."""
    return config.server.mail_engine == HANDED_OVER


def program_of(process: str, pid: int, server_pid: int | None) -> str:
    """Postfix, Dovecot or pmemail for their processes, else the process name itself."""
    if server_pid is not None and pid == server_pid:
        return PMEMAIL
    return PROGRAMS.get(process, process)


def port_programs(paths: DataPaths) -> dict[int, str]:
    """The program listening on each TCP port of this machine (one psutil scan).

    A port whose process is hidden from us (another user's, without root) is
    missing: it still shows as listening, by an unnamed program.
    """
    server = read_pid(paths.pidfile)
    return {port: program_of(name, pid, server) for port, (pid, name) in port_holders().items()}


@dataclass(frozen=True)
class PortListener:
    """One mail port of the plan as the doctor judges it after the hand-over."""

    name: str
    port: int  # the internal port, where Postfix or Dovecot listen
    expected: str  # Postfix or Dovecot
    listening: bool
    program: str  # "" = nobody, or a process we may not see


def listener_of(config: Config, paths: DataPaths, name: str) -> PortListener:
    """Who listens on the internal port of plan entry ``name``."""
    port = getattr(config.ports, name).internal
    listening = port in listening_ports()
    program = port_programs(paths).get(port, "") if listening else ""
    return PortListener(name, port, MAIL_PORTS[name], listening, program)


def judge_listener(found: PortListener, language: str) -> CheckResult:
    """ok when Postfix, Dovecot (or an unnamed process) listens; warn when pmemail still
    does; fail when nothing does (the mail port is dead)."""
    from netcore.checks.result import CheckResult

    values = {"port": found.port, "name": found.name, "expected": found.expected}
    title = say("check.title", language, **values)
    cid = f"listening.{found.name}"
    details = {
        "port": found.port,
        "listening": found.listening,
        "program": found.program,
        "expected": found.expected,
    }
    if not found.listening:
        finding = say("check.closed", language, **values)
        advice = say("check.advice_start", language, **values)
        return CheckResult(cid, title, "fail", finding, details, advice)
    if found.program == PMEMAIL:
        finding = say("check.pmemail", language, **values)
        advice = say("check.advice_stop", language, **values)
        return CheckResult(cid, title, "warn", finding, details, advice)
    program = found.program or say("check.unnamed", language)
    finding = say("check.ok", language, program=program, **values)
    return CheckResult(cid, title, "ok", finding, details)


async def _row(paths: DataPaths, name: str, shared: Shared) -> CheckResult:
    from netcore.checks.threads import in_thread

    found = await in_thread(listener_of, shared.config, paths, name)
    return judge_listener(found, shared.config.language)


def engine_rows(config: Config, paths: DataPaths) -> list[CheckRow]:
    """The doctor's ``listening.<name>`` rows, one per enabled mail port of this machine;
    none while pmemail serves the mail itself (its services report their own state)."""
    from netcore.checks.table import CheckRow

    if not handed_over(config):
        return []
    rows = []
    for name, expected in MAIL_PORTS.items():
        mapping = getattr(config.ports, name)
        if not mapping.enabled or mapping.internal_host.strip():
            continue  # off, or another PC's port: nothing to see here
        title = say("check.title", config.language, port=mapping.internal, expected=expected)
        rows.append(CheckRow(f"listening.{name}", title, functools.partial(_row, paths, name)))
    return rows


@dataclass(frozen=True)
class EngineRecorded:
    """What ``pmemail handover done|undo`` wrote into the config file."""

    config_file: Path
    mail_engine: MailEngine
    after_renew: list[str]

    def to_json(self) -> dict[str, object]:
        """The ``--json`` document."""
        return {
            "ok": True,
            "config_file": str(self.config_file),
            "mail_engine": self.mail_engine,
            "after_renew": list(self.after_renew),
        }


def record_engine(config_file: Path, engine: MailEngine) -> EngineRecorded:
    """Write ``server.mail_engine = engine`` with the config writer (``save_config``).

    Handing over also sets ``acme.after_renew`` to :data:`RELOAD_AFTER_RENEW`
    when the admin set no command; going back clears it when it is still
    that one (pmemail's own services take a new certificate by themselves, and
    a reload of stopped services would fail at every renewal).

    Raises:
        ConfigError: the file is missing or invalid (nothing is written then).
        OSError: it cannot be written.
    """
    config = load_config(config_file)  # the file's own values: "auto" stays "auto"
    acme = config.acme
    reload = list(RELOAD_AFTER_RENEW)
    if engine == HANDED_OVER and not acme.after_renew:
        acme = dataclasses.replace(acme, after_renew=reload)
    elif engine != HANDED_OVER and acme.after_renew == reload:
        acme = dataclasses.replace(acme, after_renew=[])
    server = dataclasses.replace(config.server, mail_engine=engine)
    save_config(config_file, dataclasses.replace(config, server=server, acme=acme))
    return EngineRecorded(config_file, engine, list(acme.after_renew))

"""``pmemail serve``, ``pmemail status`` and ``pmemail service install``."""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from mailcore.status import ServiceHeader, narrow, read_answer
from pmemail.app.formatting import duration
from pmemail.app.init_setup import UNPRIVILEGED_PORTS
from pmemail.app.service_texts import TEXTS as SERVICE_TEXTS
from pmemail.cli.context import CommandError, Context
from pmemail.config import Config

# The mail stack (supervisor, psutil, logging handlers, the services) is
# imported inside the handlers: `status`, `--help` and every other command
# would otherwise pay for it.

ORDER = 40
EXIT_NOT_RUNNING = 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve``, ``status`` and ``service`` commands."""
    serve = sub.add_parser("serve", help="run the mail services in the foreground")
    serve.set_defaults(handler=cmd_serve)

    status = sub.add_parser("status", help="state of the running server")
    status.add_argument("--json", action="store_true", help="as a JSON document")
    status.set_defaults(handler=cmd_status)

    service = sub.add_parser("service", help="run pmemail serve at boot (systemd)")
    ssub = service.add_subparsers(dest="service_cmd", required=True, metavar="{install,enable}")
    install = ssub.add_parser("install", help="write a systemd unit (not enabled)")
    install.add_argument(
        "--user", action="store_true", help="a systemctl --user unit in ~/.config/systemd/user"
    )
    install.add_argument(
        "--print",
        action="store_true",
        dest="print_only",
        help="print the unit instead of writing it",
    )
    install.add_argument("--force", action="store_true", help="overwrite an existing unit")
    install.set_defaults(handler=cmd_service_install)
    enable = ssub.add_parser(
        "enable",
        help="install the unit if missing, enable it and start it (stops a server started "
        "by the wizard first); without systemd, say what to do",
    )
    enable.add_argument(
        "--user", action="store_true", help="a systemctl --user unit (default when not root)"
    )
    enable.set_defaults(handler=cmd_service_enable)


def port_hint(config: Config) -> Any:
    """A function giving the unprivileged way out for a refused low port."""

    def hint(port: int) -> str:
        for name, mapping in config.ports.items():
            if mapping.internal == port and name in UNPRIVILEGED_PORTS:
                return (
                    f"listen on an unprivileged internal port instead: set "
                    f"ports.{name}.internal = {UNPRIVILEGED_PORTS[name]} (the router still "
                    f"forwards external {mapping.external}) or run "
                    "`pmemail init --unprivileged`"
                )
        if port in config.mail.submission_extra_ports:
            return (
                f"remove {port} from mail.submission_extra_ports (port "
                f"{config.ports.submission.internal} still takes submissions)"
            )
        if port == config.mail.smtps_port:
            return "set mail.smtps_port = 0 or a port above 1023"
        return "run pmemail serve as root or choose a port above 1023"

    return hint


def cmd_serve(ctx: Context, args: argparse.Namespace) -> int:
    """Run every configured service until SIGTERM/SIGINT or ``stop``."""
    import asyncio
    import functools
    import logging

    from mailcore.interfaces import ServiceStartError
    from pmemail.serve.composition import build_server
    from pmemail.serve.leftovers import clean_leftovers
    from pmemail.serve.logsetup import setup_logging
    from pmemail.serve.pidfile import AlreadyRunning, PidFile
    from pmemail.serve.privileges import (
        PrivilegeError,
        become,
        check_reachable,
        find_account,
        service_account,
    )
    from pmemail.serve.resources import (
        raise_open_files_limit,
        shrink_tls_buffers,
        tune_allocator,
    )
    from pmemail.serve.supervisor import StartupFailed, Supervisor

    config, paths = ctx.config, ctx.paths
    account = None
    missing_account = ""
    if os.geteuid() == 0 and config.server.user:
        # A first run as root, before `service install` made the account: go on as
        # root with a warning (the mail must flow). An account that exists but
        # cannot be used is a mistake in the setup: refuse before writing anything.
        try:
            account = service_account(config.server.user)
            check_reachable(account, paths)
        except PrivilegeError as err:
            if find_account(config.server.user) is not None:
                raise CommandError(str(err), exit_code=2) from None
            missing_account = str(err)
    try:
        teardown = setup_logging(paths.log_file)
    except OSError as err:
        raise CommandError(f"cannot write the log file: {_os_reason(err)}") from None
    open_files = raise_open_files_limit()  # every connection holds one
    tune_allocator()  # before the first password check's 19 MiB buffer
    shrink_tls_buffers()  # before the first TLS connection
    logging.getLogger("pmemail.serve").info("open files limit: %d", open_files)
    pidfile = PidFile(paths.pidfile)
    try:
        try:
            pidfile.acquire()
        except AlreadyRunning as err:
            raise CommandError(str(err), exit_code=2) from None
        except OSError as err:
            raise CommandError(f"cannot write the pid file: {_os_reason(err)}") from None
        if pidfile.stale_pid:
            logging.getLogger("pmemail.serve").warning(
                "the previous server (pid %d) did not stop cleanly; its pid file was replaced",
                pidfile.stale_pid,
            )
        if missing_account:
            logging.getLogger("pmemail.serve").warning(
                "running as root (every service keeps root): %s", missing_account
            )
        elif os.geteuid() == 0 and account is None:
            logging.getLogger("pmemail.serve").warning(
                'running as root: server.user is "" (every service keeps root)'
            )
        try:
            clean_leftovers(paths)  # blocking, before the loop: nothing is serving yet
            parts = build_server(config, paths, ctx.config_path)
            supervisor = Supervisor(
                parts.services,
                paths.control_socket,
                port_hint(config),
                config.server.stop_timeout,
                # as root: bind every port, then become server.user
                on_listening=functools.partial(become, account, paths) if account else None,
                commands=parts.commands,
                backup_status=parts.backup_status,
                dyndns_status=parts.dyndns_status,
                handed_over=parts.handed_over,
            )
            asyncio.run(supervisor.run())
        except (StartupFailed, ServiceStartError, PrivilegeError) as err:
            raise CommandError(str(err), exit_code=2) from None
        except OSError as err:  # the data dir itself (permissions, full disk)
            raise CommandError(f"cannot start: {_os_reason(err)}") from None
        finally:
            pidfile.release()
    finally:
        teardown()
    return 0


def _os_reason(err: OSError) -> str:
    where = f"{err.filename}: " if err.filename else ""
    return f"{where}{err.strerror or err}"


def _query(ctx: Context, request: dict[str, Any]) -> dict[str, Any]:
    from pmemail.serve.control import ControlError, NotRunning, query_control_sync

    path = ctx.paths.control_socket
    try:
        answer = query_control_sync(path, request)
    except NotRunning:
        said = _say(ctx, "serve.not_running", path=path)
        raise CommandError(said, exit_code=EXIT_NOT_RUNNING) from None
    except ControlError as err:
        key = f"control.{err.code}"
        said = _say(ctx, key, **err.params) if key in SERVICE_TEXTS else str(err)
        raise CommandError(said, exit_code=2) from None
    if not answer.get("ok"):
        raise CommandError(str(answer.get("error", "the server refused the request")))
    return answer


def _say(ctx: Context, key: str, **params: object) -> str:
    """Sentence ``key`` of :mod:`pmemail.app.service_texts` in the configured language."""
    from pmemail.app.cert_wording import render

    return render(SERVICE_TEXTS, key, ctx.config.language, **params)


def _shown(key: str, value: Any) -> str | None:
    """One status field for humans; None = left to --json (empty or nested)."""
    if value in ("", None) or isinstance(value, dict):
        return None
    if isinstance(value, list):
        if any(isinstance(v, dict) for v in value):
            return str(len(value))  # e.g. the collector's held messages: a count here
        return ",".join(str(v) for v in value) if value else None
    if isinstance(value, float) and value > 1e9 and ("run" in key or key.endswith("_at")):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))  # a timestamp
    return str(value)


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    """Print the running server's state (exit 3 when it is not running)."""
    answer = _query(ctx, {"cmd": "status"})
    if args.json:  # the server's document as is: a newer server's keys included
        ctx.print(json.dumps(answer, indent=2, sort_keys=True))
        return 0
    status = read_answer(answer)
    language = ctx.config.language
    uptime = duration(status.get("uptime", 0), language)
    ctx.print(_say(ctx, "serve.running", pid=status.get("pid"), uptime=uptime))
    for service in status.get("services", []):
        service = _worded(ctx, service)
        header = narrow(service, ServiceHeader)
        fields = ((k, _shown(k, v)) for k, v in service.items() if k not in ("name", "state"))
        details = "  ".join(f"{k} {text}" for k, text in fields if text is not None)
        state: str = header.get("state", "?")
        if f"serve.service.{state}" in SERVICE_TEXTS:  # a newer server's state: as it is
            state = _say(ctx, f"serve.service.{state}")
        ctx.print(f"  {header.get('name', '?'):<12} {state:<8} {details}")
    handed = answer.get("handed_over")
    if isinstance(handed, list) and handed:  # not run here, and not failed: Postfix and Dovecot's
        from pmemail.app.mail_engine import say

        services = ", ".join(str(name) for name in handed)
        ctx.print(say("status.handed_over", ctx.config.language, services=services))
    return 0


def _worded(ctx: Context, service: dict[str, Any]) -> dict[str, Any]:
    """A service's status with its message ids worded in the run's language."""
    if service.get("name") == "router" and "last_event" in service:
        from pmemail.app.forwarding_status import monitor_event_text

        # the events list stays in --json; the newest is worded here
        shown = {k: v for k, v in service.items() if k != "events"}
        shown["last_event"] = monitor_event_text(service["last_event"], ctx.config.language)
        return shown
    if service.get("name") != "collector" or "errors" not in service:
        return service
    from pmemail.app.collector_held import last_error_text  # the user store: only here

    errors = service["errors"] if isinstance(service["errors"], list) else []
    english = str(service.get("last_error", ""))
    shown = {k: v for k, v in service.items() if k != "errors"}  # worded in last_error
    shown["last_error"] = last_error_text(errors, english, ctx.config.language)
    return shown


def cmd_service_install(ctx: Context, args: argparse.Namespace) -> int:
    """Write (or print) the systemd unit, creating its account when missing; never enable it."""
    from pmemail.app import service_unit  # shlex: only for this command
    from pmemail.app.cert_wording import render
    from pmemail.app.service_texts import TEXTS
    from pmemail.serve.privileges import find_account

    config, user_mode = ctx.config, args.user
    if args.print_only:
        sandbox = None if user_mode else service_unit.sandbox_for(config, ctx.config_path)
        ctx.out.write(service_unit.render_unit(ctx.config_path, user_mode, sandbox))
        return 0
    name = config.server.user
    had_account = user_mode or not name or find_account(name) is not None

    def say(msgid: str, **params: object) -> str:
        return render(TEXTS, msgid, config.language, **params)

    try:
        target = service_unit.install_unit(config, ctx.config_path, user_mode, force=args.force)
    except service_unit.UnitExists as err:
        raise CommandError(say("service.unit_exists", path=err.path), exit_code=1) from None
    except service_unit.UnitRefused as err:
        raise CommandError(err.text(config.language)) from None
    except PermissionError as err:
        raise CommandError(say("service.cannot_write", path=err.filename)) from None
    if not had_account:
        ctx.print(say("service.account_created", user=name))
    if not user_mode and name:
        ctx.print(say("service.runs_as", user=name, folder=ctx.paths.root))
    ctx.print(say("service.unit_written", path=target))
    ctx.print(say("service.enable_hint", command=service_unit.enable_hint(user_mode)))
    return 0


def cmd_service_enable(ctx: Context, args: argparse.Namespace) -> int:
    """Run pmemail at boot: exit 0 enabled and answering, 1 otherwise (the sentence says why)."""
    from pmemail.app import service_enable  # subprocess, shlex: only for this command

    user_mode = args.user or service_enable.default_user_mode()
    outcome = service_enable.enable_service(ctx.config, ctx.config_path, ctx.paths, user_mode)
    text = outcome.text(ctx.config.language)
    if outcome.enabled and outcome.running:
        ctx.print(text)
        return 0
    raise CommandError(text, exit_code=1)

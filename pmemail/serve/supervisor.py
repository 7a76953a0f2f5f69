"""The supervisor of ``pmemail serve``: every service in one asyncio process.

Services start in order under one ``AsyncExitStack`` (pymap's pattern) and
stop in reverse, whether the process is asked to stop (SIGTERM, SIGINT, the
control socket's ``stop``) or a later service fails to start: the ones
already running are always stopped cleanly, so a half-started server never
keeps ports or leaves a message half-written.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path

from mailcore.interfaces import ListenError, Service, ServiceStartError
from mailcore.status import (
    BackupStatus,
    DyndnsStatus,
    ServerStatus,
    ServiceEntry,
    ServiceHeader,
    ServiceState,
    StatusAnswer,
)
from pmemail.serve.bind_errors import PortHint, describe_bind_error, describe_os_error
from pmemail.serve.control import Answer, ControlServer, Handler, Request
from pmemail.serve.logsetup import QUIET_ON_STDERR
from pmemail.serve.resources import quiet_exhaustion

log = logging.getLogger(__name__)

_FILE_ONLY = {QUIET_ON_STDERR: True}  # tracebacks go to the log file, never the terminal
RETRY_HOOKS = ("retry_now", "retry_all")  # queue runner methods "queue_retry" may call


class StartupFailed(Exception):
    """A service could not start; the message is one line for the admin."""


def _state_of(service: Service, running: set[str], failed: dict[str, str]) -> ServiceState:
    if service.name in failed:
        return "failed"
    return "running" if service.name in running else "stopped"


class Supervisor:
    """Run services until told to stop.

    Args:
        services: started in this order, stopped in reverse.
        control_socket: where the JSON control endpoint listens (None = none).
        port_hint: the unprivileged alternative for a low port, for error messages.
        stop_timeout: seconds one service may take to stop (``server.stop_timeout``);
            a hung one is abandoned so the others still stop and the process exits.
        on_listening: called once every service has started (every port is bound)
            and before the control socket is created: where root hands over to
            the service account, so the socket belongs to that account. An
            exception stops the services started so far and propagates.
        commands: more control commands by name (the certificate ones); the
            supervisor's own (status, stop, queue_retry, ping) cannot be replaced.
        backup_status: the ``backup`` key of the status (the last backup, the next one).
        dyndns_status: the ``dyndns`` key of the status (the last dynamic DNS update).
        handed_over: the mail services Postfix and Dovecot run instead (the
            status's ``handed_over`` key; empty: pmemail serves the mail).
    """

    def __init__(
        self,
        services: Sequence[Service],
        control_socket: Path | None = None,
        port_hint: PortHint | None = None,
        stop_timeout: float = 30.0,
        on_listening: Callable[[], None] | None = None,
        commands: Mapping[str, Handler] | None = None,
        backup_status: Callable[[], BackupStatus] | None = None,
        dyndns_status: Callable[[], DyndnsStatus] | None = None,
        handed_over: Sequence[str] = (),
    ) -> None:
        names = [s.name for s in services]
        if len(set(names)) != len(names):
            raise ValueError(f"service names must be unique: {names}")
        self.services = list(services)
        self.control_socket = control_socket
        self.port_hint = port_hint
        self.stop_timeout = stop_timeout
        self.on_listening = on_listening
        self.started_at = time.time()
        self.backup_status = backup_status
        self.dyndns_status = dyndns_status
        self.handed_over = list(handed_over)
        self._running: set[str] = set()
        self._failed: dict[str, str] = {}
        self._stop = asyncio.Event()
        self._commands: dict[str, Handler] = {
            **(commands or {}),
            "status": self._cmd_status,
            "stop": self._cmd_stop,
            "queue_retry": self._cmd_queue_retry,
            "ping": self._cmd_ping,
            "restart_service": self._cmd_restart_service,
        }
        self._restarting = asyncio.Lock()  # one service restart at a time

    def request_stop(self) -> None:
        """Ask :meth:`run` to shut down (safe from signal handlers)."""
        self._stop.set()

    async def run(self, ready: Callable[[], None] | None = None) -> None:
        """Start everything, wait for a stop request, stop everything.

        Args:
            ready: called once every service and the control socket run.

        Raises:
            StartupFailed: a service (or the control socket) could not start;
                the services started before it have been stopped again.
        """
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(quiet_exhaustion)
        signals = (signal.SIGTERM, signal.SIGINT)
        for sig in signals:
            loop.add_signal_handler(sig, self._on_signal, sig)
        try:
            async with AsyncExitStack() as stack:
                for service in self.services:
                    await self._start(service)
                    stack.push_async_callback(self._stop_service, service)
                if self.on_listening is not None:
                    self.on_listening()
                if self.control_socket is not None:
                    control = ControlServer(self.control_socket, self._handle)
                    await self._guard("control", control.start())
                    stack.push_async_callback(control.stop)
                log.info(
                    "pmemail serve running (pid %d): %s",
                    os.getpid(),
                    ", ".join(s.name for s in self.services) or "no services",
                )
                if ready is not None:
                    ready()
                await self._stop.wait()
                log.info("stopping")
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
        log.info("stopped")

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("received %s", sig.name)
        self._stop.set()

    async def _start(self, service: Service) -> None:
        log.info("starting %s", service.name)
        try:
            await self._guard(service.name, service.start())
        except StartupFailed:
            # a service that failed half-way (one of two ports bound) releases the rest
            await self._stop_service(service)
            raise
        self._running.add(service.name)

    async def _guard(self, name: str, starting: Awaitable[None]) -> None:
        """Await a start, turning every failure into a one-line StartupFailed."""
        try:
            await starting
        except ServiceStartError as err:
            message = self._explain(name, err)
        except OSError as err:
            message = describe_os_error(err, name, self.port_hint)
        except Exception as err:  # a bug in a service: still one line, details in the log
            log.exception("%s failed to start", name, extra=_FILE_ONLY)  # traceback: file only
            message = f"{name}: failed to start: {type(err).__name__}: {err}"
        else:
            return
        self._failed[name] = message
        # the CLI prints this line itself; the log file keeps a copy
        log.error("startup failed: %s", message, extra=_FILE_ONLY)
        raise StartupFailed(message)

    def _explain(self, name: str, err: ServiceStartError) -> str:
        """The service's own sentence, or a better one for a port it cannot listen on."""
        if isinstance(err, ListenError):
            better = describe_bind_error(err.error, name, err.host, err.port, self.port_hint)
            if better is not None:
                return better
        return str(err) if name.lower() in str(err).lower() else f"{name}: {err}"

    async def _stop_service(self, service: Service) -> None:
        log.info("stopping %s", service.name)
        try:
            await asyncio.wait_for(service.stop(), self.stop_timeout)
        except TimeoutError:
            log.error("%s did not stop within %g s; abandoned", service.name, self.stop_timeout)
        except Exception as err:  # keep stopping the others whatever one does
            log.error("%s did not stop cleanly: %s: %s", service.name, type(err).__name__, err)
            log.exception("%s stop failure", service.name, extra=_FILE_ONLY)
        self._running.discard(service.name)

    # -- control socket commands ------------------------------------------

    async def _handle(self, request: Request) -> Answer:
        command = self._commands.get(str(request["cmd"]))
        if command is None:
            known = ", ".join(sorted(self._commands))
            return {"ok": False, "error": f"unknown command {request['cmd']!r} (known: {known})"}
        return await command(request)

    async def _cmd_ping(self, request: Request) -> Answer:
        return {"ok": True, "pid": os.getpid()}

    async def _cmd_stop(self, request: Request) -> Answer:
        log.info("stop requested on the control socket")
        self._stop.set()
        return {"ok": True, "stopping": True}

    async def _cmd_restart_service(self, request: Request) -> Answer:
        """``{"cmd": "restart_service", "service": "imap"}``: stop then start that one service.

        The others keep running (mail still arrives while IMAP restarts). A
        service that cannot start again is reported ``failed`` in the status.
        """
        name = str(request.get("service", ""))
        service = next((s for s in self.services if s.name == name), None)
        if service is None:
            known = ", ".join(s.name for s in self.services)
            return {"ok": False, "error": f"no service {name!r} (known: {known})"}
        async with self._restarting:
            log.info("restart of %s requested on the control socket", name)
            await self._stop_service(service)
            self._failed.pop(name, None)
            try:
                await self._start(service)
            except StartupFailed as err:
                return {"ok": False, "error": str(err)}
        return {"ok": True, "service": name}

    async def _cmd_queue_retry(self, request: Request) -> Answer:
        for service in self.services:
            for hook_name in RETRY_HOOKS:
                hook = getattr(service, hook_name, None)
                if callable(hook):
                    # {"cmd": "queue_retry", "id": "..."} retries one message
                    result = hook(request["id"]) if request.get("id") else hook()
                    if asyncio.iscoroutine(result):
                        result = await result
                    return {"ok": True, "service": service.name, "result": result}
        return {"ok": False, "error": "no queue runner is configured in this server"}

    async def _cmd_status(self, request: Request) -> Answer:
        answer: StatusAnswer = {"ok": True, **self.status()}
        return dict(answer)

    def status(self) -> ServerStatus:
        """The whole server's state: pid, uptime and each service's status()."""
        services = []
        for service in self.services:
            header: ServiceHeader = {
                "name": service.name,
                "state": _state_of(service, self._running, self._failed),
            }
            entry: ServiceEntry = dict(header)
            try:
                entry.update(service.status())
            except Exception as err:  # a broken status() must not hide the others
                log.exception("%s.status() failed", service.name, extra=_FILE_ONLY)
                entry["status_error"] = f"{type(err).__name__}: {err}"
            # the supervisor's name and state win over a service that reports its own
            entry.update(header)
            services.append(entry)
        result: ServerStatus = {
            "pid": os.getpid(),
            "started_at": self.started_at,
            "uptime": round(time.time() - self.started_at, 3),
            "services": services,
        }
        if self.handed_over:  # absent from services, and not failed: Postfix and Dovecot's
            result["handed_over"] = list(self.handed_over)
        if self.backup_status is not None:
            result["backup"] = self.backup_status()
        if self.dyndns_status is not None:
            try:
                result["dyndns"] = self.dyndns_status()
            except OSError as err:  # an unreadable state dir must not hide the rest
                log.warning("dynamic DNS status unreadable: %s", err, extra=_FILE_ONLY)
        return result

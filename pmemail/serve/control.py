"""The local control endpoint of ``pmemail serve``: a Unix socket speaking JSON.

One request per line, one answer per line, both JSON objects::

    -> {"cmd": "status"}
    <- {"ok": true, "pid": 1234, "uptime": 12.5, "services": [...]}
    -> {"cmd": "nope"}
    <- {"ok": false, "error": "unknown command 'nope'"}

The status answer's shape is ``mailcore.status.StatusAnswer``; the
certificate commands are in ``pmemail.serve.cert_commands``.

The socket is mode 0600: only the server's owner (and root) may ask; the
answers carry counters and addresses, never passwords.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pmemail.fsutil import make_private_dir
from pmemail.serve.logsetup import QUIET_ON_STDERR

log = logging.getLogger(__name__)

Request = dict[str, Any]
Answer = dict[str, Any]
Handler = Callable[[Request], Awaitable[Answer]]

MAX_LINE = 64 * 1024  # a request
MAX_ANSWER = 4 * 1024 * 1024  # a status answer with many services
DEFAULT_TIMEOUT = 5.0


class ControlError(Exception):
    """The control socket cannot be reached or answered nonsense.

    ``str()`` is the English; ``code`` and ``params`` name it for the front ends
    (``pmemail.app.service_texts``, ids ``control.<code>``; "" = none).
    """

    def __init__(self, message: str, code: str = "", **params: str) -> None:
        """``message``: the English sentence; ``code`` + ``params``: the same by id."""
        super().__init__(message)
        self.code = code
        self.params = params


class NotRunning(ControlError):
    """No server listens on the control socket."""


class ControlServer:
    """Serve ``handler`` on a Unix socket.

    Args:
        path: the socket path (``DataPaths.control_socket``).
        handler: turns one request object into one answer object.
    """

    def __init__(self, path: Path, handler: Handler) -> None:
        self.path = path
        self.handler = handler
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        """Bind the socket (a leftover file is removed: the pid file lock
        already proved no other server owns it)."""
        make_private_dir(self.path.parent)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        # Bind with a tight umask so the socket is never briefly world-writable.
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._client, path=str(self.path), limit=MAX_LINE
            )
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)

    async def stop(self) -> None:
        """Close the socket and remove its file."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError:  # longer than MAX_LINE
                    await _send(writer, {"ok": False, "error": "request too long"})
                    return
                if not line:
                    return
                await _send(writer, await self._answer(line))
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, line: bytes) -> Answer:
        try:
            request = json.loads(line)
        except (ValueError, RecursionError):  # bad UTF-8 or JSON; nesting too deep
            return {"ok": False, "error": "request is not JSON"}
        if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
            return {"ok": False, "error": 'request must be an object like {"cmd": "status"}'}
        try:
            return await self.handler(request)
        except Exception as err:  # one bad command must not kill the control socket
            log.exception(
                "control command %r failed", request.get("cmd"), extra={QUIET_ON_STDERR: True}
            )  # the traceback: log file only
            return {"ok": False, "error": f"{type(err).__name__}: {err}"}


async def _send(writer: asyncio.StreamWriter, answer: Answer) -> None:
    writer.write(json.dumps(answer, default=str).encode() + b"\n")
    await writer.drain()


def _decode(raw: bytes, path: Path) -> Answer:
    if not raw.endswith(b"\n"):
        raise ControlError(
            f"{path}: the server closed the connection without answering", "closed", path=str(path)
        )
    try:
        answer = json.loads(raw)
    except (ValueError, RecursionError) as err:  # bad UTF-8 or JSON; nesting too deep
        raise ControlError(
            f"{path}: unreadable answer ({err})", "unreadable", path=str(path), error=str(err)
        ) from None
    if not isinstance(answer, dict):
        raise ControlError(f"{path}: the answer is not a JSON object", "not_object", path=str(path))
    return answer


def _unreachable(path: Path, err: OSError) -> ControlError:
    if isinstance(err, (FileNotFoundError, ConnectionRefusedError)):
        return NotRunning(
            f"pmemail serve is not running (no server on {path})", "not_running", path=str(path)
        )
    if isinstance(err, PermissionError):
        return ControlError(
            f"{path}: permission denied (run as the server's user or root)",
            "denied",
            path=str(path),
        )
    error = str(err.strerror or err)  # the system's words: data
    return ControlError(f"{path}: {error}", "system", path=str(path), error=error)


async def query_control(path: Path, request: Request, timeout: float = DEFAULT_TIMEOUT) -> Answer:
    """Send one request to a running server and return its answer.

    Raises:
        NotRunning: nothing listens on ``path``.
        ControlError: any other failure, with a one-line reason.
    """
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_unix_connection(str(path), limit=MAX_ANSWER)
            try:
                writer.write(json.dumps(request).encode() + b"\n")
                await writer.drain()
                raw = await reader.readline()
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except TimeoutError:
        raise _timed_out(path, timeout) from None
    except ValueError:  # answer longer than MAX_ANSWER
        raise ControlError(f"{path}: answer too long", "too_long", path=str(path)) from None
    except OSError as err:
        raise _unreachable(path, err) from None
    return _decode(raw, path)


def _timed_out(path: Path, timeout: float) -> ControlError:
    """The server took longer than ``timeout`` seconds to answer on ``path``."""
    return ControlError(
        f"{path}: no answer within {timeout:g} s",
        "timeout",
        path=str(path),
        seconds=f"{timeout:g}",
    )


def query_control_sync(path: Path, request: Request, timeout: float = DEFAULT_TIMEOUT) -> Answer:
    """Blocking twin of :func:`query_control` for the CLI and TUI worker threads.

    Plain sockets rather than ``asyncio.run`` so it works from any thread,
    including one where an event loop already runs.
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps(request).encode() + b"\n")
            raw = b""
            while not raw.endswith(b"\n") and len(raw) <= MAX_ANSWER:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
    except TimeoutError:
        raise _timed_out(path, timeout) from None
    except OSError as err:
        raise _unreachable(path, err) from None
    return _decode(raw, path)

"""The aiosmtpd internals ``StreamingSMTP`` relies on are still there, in the same shape.

Each name here is private to aiosmtpd (``_create_envelope`` is an underscore
name its documentation offers as a hook). An aiosmtpd release that renames or
reshapes one must fail here, by name, not as a puzzling SMTP misbehaviour.
Why each one is used is said where ``mailcore/smtp/session.py`` uses it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP

from mailcore.smtp.session import SpooledEnvelope, StreamingSMTP


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_private_methods_keep_their_signatures() -> None:
    """Overridden or called by StreamingSMTP: plain functions taking what we pass."""
    assert inspect.isfunction(SMTP._getaddr)
    assert parameters(SMTP._getaddr) == ["self", "arg"]
    assert inspect.isfunction(SMTP._reset_timeout)
    assert parameters(SMTP._reset_timeout) == ["self", "duration"]
    assert inspect.isfunction(SMTP._create_envelope)
    assert parameters(SMTP._create_envelope) == ["self"]


def test_mail_and_rcpt_still_parse_through_getaddr() -> None:
    """Otherwise the plain-address fast path would silently stop being used."""
    for command in (SMTP.smtp_MAIL, SMTP.smtp_RCPT):
        assert "self._getaddr(" in inspect.getsource(command)


def test_command_size_limits_is_a_class_level_dict() -> None:
    """The shared dict StreamingSMTP shadows per instance (EHLO adds to it)."""
    assert isinstance(SMTP.__dict__["command_size_limits"], dict)
    assert isinstance(SMTP.command_size_limit, int)
    assert "self.command_size_limits['MAIL'] +=" in inspect.getsource(SMTP.smtp_EHLO)


async def test_live_session_has_the_private_attributes(tmp_path: Path) -> None:
    """A connected session has its reader, its AUTH-over-TLS flag and our envelope."""
    loop = asyncio.get_running_loop()
    sessions: list[StreamingSMTP] = []

    def protocol() -> StreamingSMTP:
        proto = StreamingSMTP(
            object(), spool_dir=tmp_path, plaintext_auth_on_loopback=False, loop=loop
        )
        sessions.append(proto)
        return proto

    server = await loop.create_server(protocol, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        assert (await reader.readline()).startswith(b"220 ")
        (proto,) = sessions
        assert isinstance(proto._reader, asyncio.StreamReader)  # DATA reads it directly
        assert isinstance(proto._auth_require_tls, bool)  # lifted for implicit TLS, loopback
        assert isinstance(proto.envelope, SpooledEnvelope)  # via _create_envelope
        assert proto.command_size_limits is not SMTP.command_size_limits
    finally:
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()

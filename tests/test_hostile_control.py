"""The control socket (pmemail/serve/control.py) fed garbage, both ways.

The server side runs inside a real :class:`Supervisor` (no services, the
real command table); garbage lines must each get a JSON error answer, and
the socket must keep answering ``ping`` afterwards with nothing logged as
an error. The client side (:func:`query_control`) talks to a fake server
answering nonsense and must raise a one-line :class:`ControlError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmemail.serve.control import ControlError, NotRunning, query_control, query_control_sync
from pmemail.serve.supervisor import Supervisor
from tests.fuzz_grammar import CONTROL_REQUEST
from tests.hostile_support import one_line


@pytest.fixture
async def control(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Path]:
    caplog.set_level(logging.INFO)
    path = tmp_path / "pmemail.sock"
    supervisor = Supervisor([], control_socket=path, stop_timeout=5)
    ready = asyncio.Event()
    task = asyncio.ensure_future(supervisor.run(ready.set))
    await asyncio.wait_for(ready.wait(), 10)
    try:
        yield path
        answer = await query_control(path, {"cmd": "ping"})
        assert answer["ok"] is True  # still serving after the garbage
    finally:
        supervisor.request_stop()
        await asyncio.wait_for(task, 10)
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


async def exchange(path: Path, data: bytes) -> list[dict[str, object]]:
    """Send raw ``data``, half-close, and return every answer line as JSON."""
    reader, writer = await asyncio.open_unix_connection(str(path), limit=1 << 24)
    raw = b""
    try:
        try:
            writer.write(data)
            await writer.drain()
            writer.write_eof()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and hung up before reading everything
        while line := await asyncio.wait_for(reader.readline(), 10):
            raw += line
    except ConnectionResetError:
        pass  # whatever was answered before the reset is in raw
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    answers = [json.loads(line) for line in raw.splitlines()]
    for answer in answers:
        assert isinstance(answer, dict)
    return answers


def assert_error(answer: dict[str, object], words: str) -> None:
    assert answer["ok"] is False
    assert isinstance(answer["error"], str) and one_line(answer["error"])
    assert words in answer["error"], answer


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b"hello", "not JSON"),
        (b"{'cmd': 'status'}", "not JSON"),
        (b'{"cmd": "status"', "not JSON"),
        (b"[1, 2, 3]", "must be an object"),
        (b'"status"', "must be an object"),
        (b"null", "must be an object"),
        (b"{}", "must be an object"),
        (b'{"cmd": 5}', "must be an object"),
        (b'{"cmd": NaN}', "must be an object"),
        (b'{"cmd": "format_disk"}', "unknown command 'format_disk'"),
        (b'{"cmd": ""}', "unknown command"),
        (b'{"cmd": "queue_retry", "id": [1, {"x": null}]}', "no queue runner"),
    ],
    ids=[
        "binary",
        "text",
        "python_dict",
        "truncated",
        "list",
        "string",
        "null",
        "empty_object",
        "cmd_not_string",
        "nan",
        "unknown",
        "empty_cmd",
        "retry_without_queue",
    ],
)
async def test_garbage_request_gets_an_error_answer(control: Path, line: bytes, words: str) -> None:
    answers = await exchange(control, line + b"\n")
    assert len(answers) == 1, answers
    (answer,) = answers
    assert_error(answer, words)


async def test_several_bad_lines_then_a_good_one_on_one_connection(control: Path) -> None:
    answers = await exchange(control, b"junk\n[]\n\n" + b'{"cmd": "ping"}\n')
    assert [a["ok"] for a in answers] == [False, False, False, True]


@pytest.mark.parametrize(
    "data",
    [b'{"cmd": "' + b"x" * 200_000 + b'"}\n', b"x" * 1_000_000],
    ids=["200k_line", "1m_no_newline"],
)
async def test_huge_line_is_refused_and_the_server_keeps_running(
    control: Path, data: bytes
) -> None:
    # The server answers "request too long" and hangs up without reading the
    # rest; the unread bytes turn the close into a reset, which may destroy the
    # answer before the client reads it. Either way the server keeps serving
    # (the fixture pings it and checks the log).
    answers = await exchange(control, data)
    assert len(answers) <= 1
    for answer in answers:
        assert_error(answer, "too long")


async def test_connection_dropped_mid_line(control: Path) -> None:
    _reader, writer = await asyncio.open_unix_connection(str(control))
    writer.write(b'{"cmd": "sta')
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def test_deeply_nested_json(control: Path) -> None:
    (answer,) = await exchange(control, b"[" * 60_000 + b"\n")
    assert_error(answer, "not JSON")


def _batches(count: int) -> list[list[str]]:
    """``count`` lists of request lines drawn from the control grammar.

    Drawn up front (Hypothesis runs synchronously; the server needs this
    test's event loop, and ``Supervisor.run`` must own the main thread's
    signals): no shrinking, so a failure names the whole batch.
    """
    out: list[list[str]] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None)
    @given(st.lists(CONTROL_REQUEST, min_size=1, max_size=6))
    def draw(batch: list[str]) -> None:
        out.append(batch)

    draw()
    return out


async def test_grammar_fuzz(control: Path) -> None:
    """Requests from the control grammar (commands, odd fields, truncated JSON) sent
    together on one connection: one JSON answer each, a one-line error when refused."""
    examples = int(os.environ.get("PMEMAIL_FUZZ_EXAMPLES", "300"))
    for batch in _batches(examples):
        data = "".join(line.replace("\n", " ") + "\n" for line in batch).encode()
        answers = await exchange(control, data)
        assert len(answers) == len(batch), (batch, answers)
        for answer in answers:
            assert isinstance(answer.get("ok"), bool), (batch, answer)
            if answer["ok"] is False:
                assert isinstance(answer["error"], str) and one_line(answer["error"]), answer


# ---------------------------------------------------------------- a server answering nonsense

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def answering(data: bytes | None, done: list[asyncio.Event]) -> Reply:
    """A handler answering ``data`` (None: nothing) then waiting for the client to leave."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        finished = asyncio.Event()
        done.append(finished)
        try:
            await reader.readline()
            if data is not None:
                writer.write(data)
                await writer.drain()
                writer.close()
            await reader.read()  # until the client gives up and closes
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            finished.set()

    return serve


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "closed the connection without answering"),
        (b"not json\n", "unreadable answer"),
        (b"[1]\n", "not a JSON object"),
        (b'{"ok": true', "closed the connection without answering"),
        (None, "no answer within"),
    ],
    ids=["nothing", "not_json", "not_object", "no_newline", "silent"],
)
async def test_client_gets_one_line_control_error(
    tmp_path: Path, data: bytes | None, words: str
) -> None:
    path = tmp_path / "fake.sock"
    done: list[asyncio.Event] = []
    server = await asyncio.start_unix_server(answering(data, done), path=str(path))
    try:
        with pytest.raises(ControlError) as info:
            await query_control(path, {"cmd": "status"}, timeout=0.5)
        assert one_line(str(info.value)) and words in str(info.value)
        with pytest.raises(ControlError) as info:
            await asyncio.to_thread(query_control_sync, path, {"cmd": "status"}, 0.5)
        assert one_line(str(info.value)) and words in str(info.value)
    finally:
        server.close()
        await server.wait_closed()
        for finished in done:
            await asyncio.wait_for(finished.wait(), 5)


async def test_client_on_a_path_that_is_not_a_socket(tmp_path: Path) -> None:
    plain = tmp_path / "not-a-socket"
    plain.write_text("x")
    with pytest.raises(ControlError) as info:
        await query_control(plain, {"cmd": "status"}, timeout=0.5)
    assert one_line(str(info.value))
    with pytest.raises(NotRunning):
        await query_control(tmp_path / "absent.sock", {"cmd": "status"}, timeout=0.5)

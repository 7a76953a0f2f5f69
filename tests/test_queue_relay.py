"""The outbound queue against a real SMTP server (aiosmtpd) playing the ISP smarthost."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import subprocess
import sys
from email.message import Message
from pathlib import Path
from typing import cast

import pytest

from mailcore.queue import QueueStore, retry_delay
from tests.config_factory import free_port
from tests.queue_support import (
    LOCAL,
    Sink,
    fast_config,
    make_office,
    message,
    server_tls,
    smarthost,
    wait_until,
)


def report(raw: bytes) -> tuple[Message, list[Message], list[Message]]:
    """A DSN, its MIME parts and the header blocks of its message/delivery-status part."""
    dsn = email.message_from_bytes(raw)
    parts = dsn.get_payload()
    assert isinstance(parts, list)
    blocks = cast(Message, parts[1]).get_payload()
    assert isinstance(blocks, list)
    return dsn, cast(list[Message], parts), cast(list[Message], blocks)


async def test_delivered_through_smarthost(tmp_path: Path) -> None:
    """A queued message reaches the smarthost once, dot-stuffing intact, and leaves the queue."""
    sink = Sink()
    async with smarthost(sink) as port:
        office = make_office(fast_config(tmp_path, port))
        runner = office.runner()
        await runner.start()
        try:
            spool = office.spool("spool1", message())
            qid = await runner.enqueue(spool, LOCAL, ["bob@remote.test", "carol@remote.test"])
            spool.unlink()  # the caller deletes its spool right after enqueue
            await wait_until(lambda: runner.store.load(qid) is None)
        finally:
            await runner.stop()
    assert len(sink.received) == 1  # one transaction for both recipients
    sender, rcpts, content = sink.received[0]
    assert (sender, rcpts) == (LOCAL, ["bob@remote.test", "carol@remote.test"])
    assert b"\r\n.starts with a dot\r\n" in content
    assert runner.status()["delivered"] == 2
    assert runner.status()["queue_length"] == 0
    assert not list(runner.store.msg_dir.iterdir())


async def test_smarthost_down_then_back(tmp_path: Path) -> None:
    """Connection refused defers; once the smarthost listens again the retry delivers."""
    port = free_port()
    office = make_office(fast_config(tmp_path, port))
    runner = office.runner()
    await runner.start()
    try:
        qid = await runner.enqueue(office.spool("s", message()), LOCAL, ["bob@remote.test"])
        await wait_until(lambda: runner.deferred >= 2)
        entry = runner.store.load(qid)
        assert entry is not None and entry.recipients[0].state == "queued"
        assert entry.recipients[0].attempts >= 2 and entry.recipients[0].last_error
        sink = Sink()
        async with smarthost(sink, port):
            await wait_until(lambda: runner.store.load(qid) is None)
    finally:
        await runner.stop()
    assert [r[1] for r in sink.received] == [["bob@remote.test"]]
    assert office.inbox() == []  # no delay warning: the default is hours


async def test_550_bounces_to_local_sender(tmp_path: Path) -> None:
    """A 5xx produces an RFC 3464 multipart/report in the local sender's Maildir."""
    sink = Sink(reject={"nobody@remote.test": "550 5.1.1 no such user here"})
    async with smarthost(sink) as port:
        office = make_office(fast_config(tmp_path, port))
        runner = office.runner()
        await runner.start()
        try:
            qid = await runner.enqueue(
                office.spool("s", message(to="nobody@remote.test")),
                LOCAL,
                ["nobody@remote.test", "bob@remote.test"],
            )
            await wait_until(lambda: runner.store.load(qid) is None)
        finally:
            await runner.stop()
    assert [r[1] for r in sink.received] == [["bob@remote.test"]]
    [raw] = office.inbox()
    dsn, parts, blocks = report(raw)
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    assert dsn["To"] == f"<{LOCAL}>" and dsn["Auto-Submitted"] == "auto-replied"
    assert [p.get_content_type() for p in parts] == [
        "text/plain",
        "message/delivery-status",
        "text/rfc822-headers",
    ]
    assert len(blocks) == 2  # per-message + one recipient
    assert blocks[0]["Reporting-MTA"] == "dns; mail.example.be"
    rcpt = blocks[1]
    assert rcpt["Final-Recipient"] == "rfc822; nobody@remote.test"
    assert rcpt["Action"] == "failed" and rcpt["Status"] == "5.1.1"
    assert "550" in rcpt["Diagnostic-Code"]
    assert "Message-ID: <m1@example.be>" in parts[2].get_payload()
    assert runner.bounced == 1 and runner.delivered == 1


async def test_bounce_is_never_bounced(tmp_path: Path) -> None:
    """A message with the null sender that fails permanently is dropped, not bounced."""
    sink = Sink(reject={"gone@remote.test": "550 5.1.1 gone"})
    async with smarthost(sink) as port:
        office = make_office(fast_config(tmp_path, port))
        runner = office.runner()
        await runner.start()
        try:
            qid = await runner.enqueue(office.spool("s", message()), "", ["gone@remote.test"])
            await wait_until(lambda: runner.store.load(qid) is None)
        finally:
            await runner.stop()
    assert runner.bounced == 1
    assert runner.store.ids() == [] and sink.received == []
    assert office.inbox() == []


async def test_remote_sender_bounce_is_queued_with_null_sender(tmp_path: Path) -> None:
    """A bounce for a remote sender goes out through the queue as <>."""
    sink = Sink(reject={"x@remote.test": "554 5.7.1 rejected"})
    async with smarthost(sink) as port:
        office = make_office(fast_config(tmp_path, port))
        runner = office.runner()
        await runner.start()
        try:
            await runner.enqueue(
                office.spool("s", message()), "someone@far.test", ["x@remote.test"]
            )
            await wait_until(lambda: len(sink.received) == 1 and not runner.store.ids())
        finally:
            await runner.stop()
    sender, rcpts, content = sink.received[0]
    assert (sender, rcpts) == ("<>", ["someone@far.test"])  # aiosmtpd shows MAIL FROM:<>
    assert email.message_from_bytes(content).get_content_type() == "multipart/report"


async def test_delay_warning_once_then_give_up(tmp_path: Path) -> None:
    """One 'delayed' DSN after delay_warning_after, then a 'failed' one after give_up_after."""
    config = fast_config(tmp_path, free_port())
    config.queue.delay_warning_after = 0.0
    config.queue.give_up_after = 0.5
    office = make_office(config)
    runner = office.runner()
    await runner.start()
    try:
        qid = await runner.enqueue(office.spool("s", message()), LOCAL, ["bob@remote.test"])
        await wait_until(lambda: runner.store.load(qid) is None)
    finally:
        await runner.stop()
    actions = []
    for raw in office.inbox():
        _, _, blocks = report(raw)
        actions.append(blocks[1]["Action"])
    assert sorted(actions) == ["delayed", "failed"]
    assert runner.deferred >= 2


async def test_auth_over_starttls_with_ca_file(tmp_path: Path) -> None:
    """STARTTLS verified against relay.ca_file, then AUTH; the smarthost requires both."""
    server_ctx, ca_file = server_tls(tmp_path)
    sink = Sink()
    async with smarthost(sink, tls=server_ctx, auth=True) as port:
        config = fast_config(tmp_path, port)
        config.relay.tls = "starttls"
        config.relay.ca_file = str(ca_file)
        config.relay.username, config.relay.password = "office", "s3cret"
        office = make_office(config)
        runner = office.runner()
        await runner.start()
        try:
            qid = await runner.enqueue(office.spool("s", message()), LOCAL, ["bob@remote.test"])
            await wait_until(lambda: runner.store.load(qid) is None)
        finally:
            await runner.stop()
    assert sink.logins == ["office"] and len(sink.received) == 1
    assert sink.encrypted == [True]


async def test_auth_over_implicit_tls(tmp_path: Path) -> None:
    """relay.tls = "tls": SMTP over TLS from the first byte (port 465 style), then AUTH."""
    server_ctx, ca_file = server_tls(tmp_path)
    sink = Sink()
    async with smarthost(sink, implicit_tls=server_ctx, auth=True) as port:
        config = fast_config(tmp_path, port)
        config.relay.tls = "tls"
        config.relay.ca_file = str(ca_file)
        config.relay.username, config.relay.password = "office", "s3cret"
        office = make_office(config)
        runner = office.runner()
        await runner.start()
        try:
            qid = await runner.enqueue(office.spool("s", message()), LOCAL, ["bob@remote.test"])
            await wait_until(lambda: runner.store.load(qid) is None)
        finally:
            await runner.stop()
        assert (await asyncio.to_thread(runner.relay.probe)).ok  # the settings check
    assert sink.logins == ["office", "office"] and sink.encrypted == [True]
    assert [r[1] for r in sink.received] == [["bob@remote.test"]]


@pytest.mark.parametrize("relay_tls", ["tls", "starttls"])
async def test_untrusted_smarthost_certificate_defers(tmp_path: Path, relay_tls: str) -> None:
    """Without the CA file the certificate is not trusted (implicit TLS or STARTTLS):
    deferred with the verification error, never sent in clear."""
    server_ctx, _ = server_tls(tmp_path)
    sink = Sink()
    implicit = relay_tls == "tls"
    async with smarthost(
        sink, tls=None if implicit else server_ctx, implicit_tls=server_ctx if implicit else None
    ) as port:
        config = fast_config(tmp_path, port)
        config.relay.tls = relay_tls  # type: ignore[assignment]
        office = make_office(config)
        runner = office.runner()
        await runner.start()
        try:
            qid = await runner.enqueue(office.spool("s", message()), LOCAL, ["bob@remote.test"])
            await wait_until(lambda: runner.deferred >= 1)
        finally:
            await runner.stop()
    entry = runner.store.load(qid)
    assert entry is not None and "CERTIFICATE_VERIFY_FAILED" in entry.recipients[0].last_error
    assert sink.received == []


async def test_queue_survives_restart(tmp_path: Path) -> None:
    """A new runner instance picks up what an earlier one left pending."""
    port = free_port()
    office = make_office(fast_config(tmp_path, port))
    first = office.runner()
    await first.start()
    qid = await first.enqueue(office.spool("s", message()), LOCAL, ["bob@remote.test"])
    await wait_until(lambda: first.deferred >= 1)
    await first.stop()
    sink = Sink()
    async with smarthost(sink, port):
        second = office.runner()
        await second.start()
        try:
            await wait_until(lambda: second.store.load(qid) is None)
        finally:
            await second.stop()
    assert len(sink.received) == 1 and second.delivered == 1


_KILLED_ENQUEUE = """
import os, signal, sys
from pathlib import Path
from mailcore.queue import QueueStore
store = QueueStore(Path(sys.argv[1]))
entry = store.add(Path(sys.argv[2]), sys.argv[3], ["bob@remote.test"])
print(entry.id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


async def test_queued_message_survives_kill_9(tmp_path: Path) -> None:
    """A process killed right after enqueue leaves a message the next runner delivers."""
    sink = Sink()
    async with smarthost(sink) as port:
        office = make_office(fast_config(tmp_path, port))
        spool = office.spool("s", message())
        proc = subprocess.run(
            [sys.executable, "-c", _KILLED_ENQUEUE, str(office.paths.queue), str(spool), LOCAL],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parent.parent,
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        qid = proc.stdout.strip()
        orphan = office.paths.queue / "msg" / "ORPHAN000.eml"  # a crash before the metadata
        orphan.write_bytes(b"x")
        runner = office.runner()
        await runner.start()
        try:
            await wait_until(lambda: runner.store.load(qid) is None)
        finally:
            await runner.stop()
    assert len(sink.received) == 1
    assert not orphan.exists()
    assert os.listdir(office.paths.queue / "meta") == []


def test_retry_delay_backoff() -> None:
    """first_retry, times retry_factor per attempt, capped at max_retry_interval."""
    config = fast_config(Path("/nonexistent"), 1).queue
    config.first_retry, config.retry_factor, config.max_retry_interval = 300, 1.5, 1000
    assert [retry_delay(config, n) for n in (1, 2, 3, 4)] == [300, 450, 675, 1000]
    assert retry_delay(config, 10_000) == 1000


def test_store_ignores_bad_ids(tmp_path: Path) -> None:
    """Ids are validated before they touch a path."""
    store = QueueStore(tmp_path)
    assert store.load("../../etc/passwd") is None

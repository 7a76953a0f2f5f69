"""Direct delivery to the recipient's MX, with a loopback DNS server answering the lookups."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from mailcore.queue import QueueRunner, QueueStore, RelayClient
from mailcore.queue.mx import DestinationError, MxResolver, parse_nameserver
from tests.queue_support import (
    LOCAL,
    BrokenStartTLS,
    Office,
    Sink,
    fast_config,
    make_office,
    message,
    server_tls,
    smarthost,
    wait_until,
)

ZONE = {
    # the MX host's name exists only in this DNS: the system's resolver cannot find it
    ("remote.test", "MX"): "10 mx.remote.test.",
    ("mx.remote.test", "A"): "127.0.0.1",
    ("nomx.test", "A"): "127.0.0.1",
    ("nullmx.test", "MX"): "0 .",
    ("noaddr.test", "MX"): "10 gone.noaddr.test.",
}
EXISTING = {"remote.test", "mx.remote.test", "nomx.test", "nullmx.test", "noaddr.test"}


@pytest.fixture
def dns_server() -> Iterator[int]:
    """A tiny authoritative DNS server on 127.0.0.1 (UDP) for the names in ZONE."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            q = query.question[0]
            name = q.name.to_text().rstrip(".")
            rtype = dns.rdatatype.to_text(q.rdtype)
            if name not in EXISTING:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            elif (name, rtype) in ZONE:
                reply.answer.append(
                    dns.rrset.from_text(q.name, 60, "IN", rtype, ZONE[(name, rtype)])
                )
            sock.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(sock.getsockname()[1])
    stop.set()
    thread.join()
    sock.close()


def test_mx_lookup(dns_server: int) -> None:
    """MX by preference; the domain itself without MX; NXDOMAIN and null MX are permanent."""
    res = MxResolver("127.0.0.1", dns_server, 2.0)
    assert res.hosts("remote.test") == ["mx.remote.test"]
    assert res.hosts("nomx.test") == ["nomx.test"]
    # the hosts' addresses come from the same resolver (network.resolver), not the system's
    assert res.addresses("mx.remote.test") == ["127.0.0.1"]
    assert res.addresses("192.0.2.7") == ["192.0.2.7"]
    with pytest.raises(DestinationError) as gone:
        res.addresses("gone.noaddr.test")
    assert not gone.value.permanent
    assert MxResolver().addresses("mx.remote.test") == ["mx.remote.test"]  # system: smtplib
    for bad in ("missing.test", "nullmx.test"):
        with pytest.raises(DestinationError) as err:
            res.hosts(bad)
        assert err.value.permanent
    assert parse_nameserver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_nameserver("[::1]:53") == ("::1", 53)
    assert parse_nameserver("10.0.0.1") == ("10.0.0.1", 53)


async def deliver_direct(tmp_path: Path, dns_port: int, mx_port: int, rcpts: list[str]) -> Office:
    """Queue one message in relay.mode=direct and run the queue until it is gone."""
    config = fast_config(tmp_path, 1)
    config.relay.mode = "direct"
    office = make_office(config)
    relay = RelayClient(
        config.relay,
        "mail.example.be",
        5.0,
        MxResolver("127.0.0.1", dns_port, 2.0),
        direct_port=mx_port,
    )
    runner = QueueRunner(
        QueueStore(office.paths.queue),
        relay,
        office.users,
        office.delivery,
        config.queue,
        "mail.example.be",
    )
    await runner.start()
    try:
        qid = await runner.enqueue(office.spool("s", message()), LOCAL, rcpts)
        await wait_until(lambda: runner.store.load(qid) is None)
    finally:
        await runner.stop()
    return office


async def test_direct_delivery_and_unknown_domain(tmp_path: Path, dns_server: int) -> None:
    """relay.mode=direct: delivered to the MX; a domain that does not exist bounces."""
    sink = Sink()
    async with smarthost(sink) as mx_port:
        office = await deliver_direct(
            tmp_path, dns_server, mx_port, ["bob@remote.test", "x@missing.test"]
        )
    assert [r[1] for r in sink.received] == [["bob@remote.test"]]
    assert sink.encrypted == [False]  # this MX offers no STARTTLS
    [dsn] = office.inbox()
    assert b"Final-Recipient: rfc822; x@missing.test" in dsn and b"Status: 5.1.2" in dsn


async def test_direct_opportunistic_starttls(tmp_path: Path, dns_server: int) -> None:
    """An MX offering STARTTLS with a self-signed certificate: encrypted, not verified."""
    server_ctx, _ = server_tls(tmp_path, "localhost")  # a CA the client has never seen
    sink = Sink()
    async with smarthost(sink, tls=server_ctx, require_starttls=False) as mx_port:
        office = await deliver_direct(tmp_path, dns_server, mx_port, ["bob@remote.test"])
    assert [r[1] for r in sink.received] == [["bob@remote.test"]]
    assert sink.encrypted == [True]
    assert office.inbox() == []  # no bounce, no delay notice


async def test_direct_broken_starttls_falls_back_to_clear(tmp_path: Path, dns_server: int) -> None:
    """An MX whose STARTTLS handshake fails gets the message in clear on a new connection."""
    server_ctx, _ = server_tls(tmp_path, "localhost")
    sink = Sink()
    async with smarthost(
        sink, tls=server_ctx, require_starttls=False, server_class=BrokenStartTLS
    ) as mx_port:
        office = await deliver_direct(tmp_path, dns_server, mx_port, ["bob@remote.test"])
    assert sink.broken_handshakes == 1  # tried TLS once, then a second connection in clear
    assert [r[1] for r in sink.received] == [["bob@remote.test"]]
    assert sink.encrypted == [False]
    assert office.inbox() == []

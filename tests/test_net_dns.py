"""DNS checks against a tiny dnspython server on 127.0.0.1, and the echo client on loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer

import pytest

from netcore.checks.dns_check import dns_result
from netcore.echo_service import port_reachable, public_ip
from netcore.mail_dns import look_up, make_resolver
from tests.lab.echo_server import EchoHandler
from tests.tiny_dns import TinyDns, Zone, dns_servers

PUBLIC = "203.0.113.2"
GOOD: Zone = {
    ("example.be.", "MX"): ["10 mail.example.be."],
    ("mail.example.be.", "A"): [PUBLIC],
    ("example.be.", "TXT"): ['"v=spf1 mx ip4:203.0.113.2 ~all"'],
    ("2.113.0.203.in-addr.arpa.", "PTR"): ["mail.example.be."],
}


@pytest.fixture
def tiny_dns() -> Iterator[Callable[[Zone], TinyDns]]:
    """TinyDns servers on demand, closed after the test."""
    yield from dns_servers()


def test_published_records_are_ok(tiny_dns: Callable[[Zone], TinyDns]) -> None:
    server = tiny_dns(GOOD)
    found = look_up(make_resolver(server.address, 2.0), "example.be", PUBLIC)
    assert found.mx == ["mail.example.be"] and found.mx_addresses == {"mail.example.be": [PUBLIC]}
    assert (found.ptr, found.errors) == ("mail.example.be", {})
    res = dns_result("example.be", "mail.example.be", PUBLIC, found, 0.1)
    assert res.status == "ok", res


def test_missing_records_are_listed_to_publish(tiny_dns: Callable[[Zone], TinyDns]) -> None:
    server = tiny_dns({("example.be.", "TXT"): ['"hello"']})
    found = look_up(make_resolver(server.address, 2.0), "example.be", PUBLIC)
    res = dns_result("example.be", "mail.example.be", PUBLIC, found, 0.1)
    assert res.status == "warn"
    assert set(res.details["problems"]) >= {
        "example.be has no MX record",
        f"{PUBLIC} has no reverse DNS (PTR) name",
        "example.be has no SPF record",
    }
    assert "example.be. IN MX 10 mail.example.be." in res.advice
    assert "2.113.0.203.in-addr.arpa. IN PTR mail.example.be.   ; ask your ISP" in res.advice


def test_mx_pointing_elsewhere_fails(tiny_dns: Callable[[Zone], TinyDns]) -> None:
    server = tiny_dns(GOOD | {("mail.example.be.", "A"): ["198.51.100.77"]})
    found = look_up(make_resolver(server.address, 2.0), "example.be", PUBLIC)
    res = dns_result("example.be", "mail.example.be", PUBLIC, found, 0.1)
    assert res.status == "fail" and "does not resolve to" in res.finding


def test_silent_dns_server_is_a_reported_timeout() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        mute.bind(("127.0.0.1", 0))
        res = make_resolver(f"127.0.0.1:{mute.getsockname()[1]}", 0.2)
        found = look_up(res, "example.be", PUBLIC)
    assert found.errors["mx"] == "the DNS server did not answer in time"


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_echo_public_ip_first_good_answer_wins(echo: str) -> None:
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{dead.getsockname()[1]}"
    answers = public_ip([closed, echo], 2.0)
    assert answers.address == "127.0.0.1" and not answers.disagreement
    assert answers.errors == {closed: "cannot connect"}


def test_echo_port_probe_from_the_service(echo: str) -> None:
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        assert port_reachable([echo], port, 5.0) == (True, echo)
    assert port_reachable([echo], port, 5.0) == (False, echo)

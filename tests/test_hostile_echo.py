"""The echo service answering nonsense (netcore/echo_service.py).

A fake echoip service on 127.0.0.1 answers text that is not an address,
HTML, a huge body, 404, too late, a body that never ends, and bad JSON for
``/port/N``. Each URL must get its own one-line reason, and the doctor's
``public_ip`` check must report it — never a traceback, never a hang.
"""

from __future__ import annotations

import json

import pytest

from netcore.checks.address import public_ip_result
from netcore.echo_service import port_reachable, public_ip
from tests.hostile_support import FakeHttp, Reply, one_line
from tests.test_hostile_router import bounded

TIMEOUT = 0.5  # network.http_timeout for these tests
HTML = (
    b"<!DOCTYPE html>\n<html>\n<head><title>Captive portal</title></head>\n<body>\n"
    + b"<p>Please accept the terms of use of this hotspot to continue.</p>\n" * 8
    + b"</body>\n</html>\n"
)  # what a hotel/captive portal answers instead

# name -> the reply to GET /ip
IP_NONSENSE = {
    "text": Reply(200, b"hello, world"),
    "not_found": Reply(404, b"no such page"),
    "server_error": Reply(500, HTML, "text/html"),
    "too_slow": Reply(200, b"203.0.113.2", delay=TIMEOUT * 4),
    "silent": Reply(silent=True),
    "empty": Reply(200, b""),
}


def ask(reply: Reply) -> tuple[str, dict[str, str], str]:
    """(url, errors, doctor finding) for an echo service answering ``reply`` to /ip."""
    with FakeHttp({"/ip": reply}) as fake:
        answers = bounded(lambda: public_ip([fake.base], TIMEOUT), 10)
        url = fake.base
    check = public_ip_result(answers, 0.1)
    assert check.status == "fail" and one_line(check.finding)
    assert answers.address == ""
    return url, answers.errors, check.finding


@pytest.mark.parametrize("case", sorted(IP_NONSENSE))
def test_public_ip_nonsense_gives_one_line_per_url(case: str) -> None:
    url, errors, _ = ask(IP_NONSENSE[case])
    assert list(errors) == [url]
    assert one_line(errors[url]), errors


def test_slow_service_is_reported_as_timeout() -> None:
    url, errors, _ = ask(IP_NONSENSE["too_slow"])
    assert errors[url] == "no answer in time"


def test_one_bad_service_does_not_hide_a_good_one() -> None:
    with (
        FakeHttp({"/ip": Reply(200, HTML, "text/html")}) as bad,
        FakeHttp({"/ip": Reply(200, b"203.0.113.2\n")}) as good,
    ):
        answers = bounded(lambda: public_ip([bad.base, good.base], TIMEOUT), 10)
    assert answers.address == "203.0.113.2"
    assert list(answers.errors) == [bad.base]
    check = public_ip_result(answers, 0.1)
    assert check.status == "ok" and check.details["errors"] == answers.errors


@pytest.mark.parametrize("body", [HTML, b"A" * 5_000_000], ids=["html", "huge"])
def test_non_address_body_gives_a_short_one_line_reason(body: bytes) -> None:
    url, errors, _ = ask(Reply(200, body, "text/html"))
    assert one_line(errors[url]), errors[url][:500]


def test_body_that_never_finishes_is_a_timeout() -> None:
    url, errors, _ = ask(Reply(200, b"203.", trickle=TIMEOUT / 5))
    assert errors[url] == "no answer in time"


# ---------------------------------------------------------------- /port/N

PORT_NONSENSE = {
    "not_json": Reply(200, b"reachable!", "application/json"),
    "html_404": Reply(404, HTML, "text/html"),
    "json_list": Reply(200, b"[true]", "application/json"),
    "json_null": Reply(200, b"null", "application/json"),
    "too_slow": Reply(200, b'{"reachable": true}', delay=TIMEOUT * 4),
}


@pytest.mark.parametrize("case", sorted(PORT_NONSENSE))
def test_port_check_nonsense_gives_no_verdict_and_one_line(case: str) -> None:
    with FakeHttp({"/port/25": PORT_NONSENSE[case]}) as fake:
        verdict, reason = bounded(lambda: port_reachable([fake.base], 25, TIMEOUT), 10)
    assert verdict is None
    assert one_line(reason) and reason.startswith(fake.base)


def test_port_check_falls_through_to_the_next_service() -> None:
    with (
        FakeHttp({"/port/25": Reply(200, b"{", "application/json")}) as bad,
        FakeHttp(
            {"/port/25": Reply(200, b'{"ip": "203.0.113.2", "port": 25, "reachable": false}')}
        ) as good,
    ):
        verdict, url = bounded(lambda: port_reachable([bad.base, good.base], 25, TIMEOUT), 10)
    assert (verdict, url) == (False, good.base)


@pytest.mark.parametrize(
    "body",
    [{"reachable": "false"}, {"reachable": None}, {}],
    ids=["string_false", "null", "missing"],
)
def test_port_check_rejects_a_non_boolean_verdict(body: dict[str, object]) -> None:
    with FakeHttp({"/port/25": Reply(200, json.dumps(body).encode(), "application/json")}) as fake:
        verdict, reason = bounded(lambda: port_reachable([fake.base], 25, TIMEOUT), 10)
    assert verdict is None
    assert "reachable" in reason and "'reachable'" not in reason

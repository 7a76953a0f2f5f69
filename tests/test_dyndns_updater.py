"""The dyndns2 client against a real dyndns2 server on loopback: changes and every answer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from netcore.dyndns.protocol import PROVIDER_TROUBLE_WAIT, read_answer, update_url
from netcore.dyndns.settings import DyndnsSettings, not_wanted_reason
from netcore.dyndns.state import DyndnsState
from netcore.dyndns.updater import DyndnsUpdater
from netcore.ip_history import IpHistory
from pmemail.config.model import Config
from tests.dyndns_support import PASSWORD, TOKEN, USER, DyndnsServer, dyndns_server

HOST = "mail.example.be"


class Clock:
    """Epoch seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[DyndnsServer]:
    with dyndns_server() as srv:
        yield srv


def settings(url: str, provider: str = "custom", **changes: object) -> DyndnsSettings:
    base: dict[str, object] = {
        "provider": provider,
        "server": url,
        "hostname": HOST,
        "username": USER,
        "password": PASSWORD,
        "retry": 60.0,
        "timeout": 5.0,
    }
    return DyndnsSettings(**(base | changes))  # type: ignore[arg-type]


def updater(tmp_path: Path, s: DyndnsSettings, clock: Clock) -> DyndnsUpdater:
    return DyndnsUpdater(s, tmp_path, clock=clock)


# ------------------------------------------------------------------ pure protocol
def test_dyndns2_request_shape() -> None:
    """hostname and myip in the query of /nic/update; OVH adds system=dyndns."""
    assert update_url("noip", "https://d.example/", HOST, "192.0.2.1", "") == (
        "https://d.example/nic/update?hostname=mail.example.be&myip=192.0.2.1"
    )
    assert "system=dyndns&hostname=" in update_url("ovh", "https://o", HOST, "192.0.2.1", "")


def test_duckdns_request_shape() -> None:
    """Duck DNS: the sub-domain alone, the token and the address in /update."""
    url = update_url("duckdns", "https://www.duckdns.org", "office.duckdns.org", "192.0.2.1", "t")
    assert url == "https://www.duckdns.org/update?domains=office&token=t&ip=192.0.2.1"


@pytest.mark.parametrize(
    ("status", "body", "code", "verdict"),
    [
        (200, b"good 192.0.2.1\n", "good", "done"),
        (200, b"nochg 192.0.2.1", "nochg", "done"),
        (200, b"OK", "OK", "done"),
        (200, b"KO", "KO", "stop"),
        (200, b"badauth", "badauth", "stop"),
        (200, b"911\n", "911", "wait"),
        (200, b"dnserr", "dnserr", "wait"),
        (401, b"", "badauth", "stop"),
        (503, b"<html>busy</html>", "http 503", "retry"),
        (200, b"<html>captive portal</html>", "unknown", "retry"),
    ],
)
def test_answers_are_read(status: int, body: bytes, code: str, verdict: str) -> None:
    """The first word decides; an HTTP error without a code is judged by its status."""
    answer = read_answer(status, body)
    assert (answer.code, answer.verdict) == (code, verdict)


def test_hand_edited_state_file_is_survived(tmp_path: Path) -> None:
    """Wrong types in dyndns.json fall back to the defaults instead of breaking serve."""
    path = tmp_path / "dyndns.json"
    path.write_text('{"sent_address": 7, "next_try": "soon", "stopped": 1, "failures": 2}')
    state = DyndnsState.load(path)
    kept = (state.sent_address, state.next_try, state.stopped, state.failures)
    assert kept == ("", 0.0, False, 2)
    path.write_text("[1, 2]")
    assert DyndnsState.load(path) == DyndnsState()


# ------------------------------------------------------------- against the server
def test_update_only_when_the_address_changes(tmp_path: Path, server: DyndnsServer) -> None:
    """First address sent, the same one not resent, a new one sent."""
    clock = Clock()
    up = updater(tmp_path, settings(server.url), clock)
    first = up.update("192.0.2.1")
    assert first.action == "sent" and first.answer is not None and first.answer.code == "good"
    assert server.records[HOST] == "192.0.2.1"
    seen = server.requests[0]
    assert seen.credentials == (USER, PASSWORD)
    assert seen.query == {"hostname": HOST, "myip": "192.0.2.1"}
    assert seen.user_agent.startswith("pmemail")
    clock.now += 3600
    written = (tmp_path / "dyndns.json").stat().st_ino  # each save is a new file (atomic)
    assert up.update("192.0.2.1").action == "unchanged"
    assert server.count() == 1
    assert (tmp_path / "dyndns.json").stat().st_ino == written  # no write every interval
    changed = up.update("198.51.100.9")
    assert changed.action == "sent" and server.records[HOST] == "198.51.100.9"
    state = DyndnsState.load(tmp_path / "dyndns.json")
    assert state.sent_address == "198.51.100.9" and state.last_answer == "good"
    assert state.last_success == clock.now


def test_nochg_is_success_and_not_resent(tmp_path: Path, server: DyndnsServer) -> None:
    """The provider already had it: nochg counts as done, and nothing is repeated."""
    server.records[HOST] = "192.0.2.1"
    clock = Clock()
    up = updater(tmp_path, settings(server.url), clock)
    result = up.update("192.0.2.1")
    assert result.answer is not None and result.answer.code == "nochg"
    assert up.update("192.0.2.1").action == "unchanged" and server.count() == 1
    forced = up.update("192.0.2.1", force=True)  # `pmemail dyndns update`: once more
    assert forced.answer is not None and forced.answer.code == "nochg" and server.count() == 2


def test_no_address_sends_nothing(tmp_path: Path, server: DyndnsServer) -> None:
    """An unknown public address is never sent (no myip would mean "the caller's")."""
    assert updater(tmp_path, settings(server.url), Clock()).update("").action == "no_address"
    assert server.count() == 0


@pytest.mark.parametrize(
    "code", ["badauth", "abuse", "nohost", "notfqdn", "numhost", "badagent", "!donator"]
)
def test_refusals_stop_until_the_config_changes(
    tmp_path: Path, server: DyndnsServer, code: str
) -> None:
    """A refusal of the settings: no more requests, even forced or for a new address,
    until a setting changes."""
    clock = Clock()
    server.script = [(200, code)]
    up = updater(tmp_path, settings(server.url), clock)
    assert up.update("192.0.2.1").answer is not None
    clock.now += 86400
    assert up.update("198.51.100.9").action == "stopped"
    assert up.update("198.51.100.9", force=True).action == "stopped"
    assert server.count() == 1
    fixed = updater(tmp_path, settings(server.url, username=USER, hostname="m2.example.be"), clock)
    again = fixed.update("198.51.100.9")
    assert again.action == "sent" and again.answer is not None and again.answer.code == "good"


def test_wrong_password_from_the_server_itself(tmp_path: Path, server: DyndnsServer) -> None:
    """A 401 with badauth in the body (No-IP's way) stops; the right password resumes."""
    clock = Clock()
    bad = updater(tmp_path, settings(server.url, password="wrong"), clock)
    assert bad.update("192.0.2.1").state.stopped
    assert bad.update("192.0.2.1").action == "stopped" and server.count() == 1
    good = updater(tmp_path, settings(server.url), clock)
    assert good.update("192.0.2.1").action == "sent" and server.records[HOST] == "192.0.2.1"


@pytest.mark.parametrize("code", ["911", "dnserr"])
def test_provider_trouble_waits_30_minutes(tmp_path: Path, server: DyndnsServer, code: str) -> None:
    """911 / dnserr: nothing before 30 minutes, not even forced; then the update goes."""
    clock = Clock()
    server.script = [(200, code)]
    up = updater(tmp_path, settings(server.url, retry=1.0), clock)
    first = up.update("192.0.2.1")
    assert first.state.next_try >= clock.now + PROVIDER_TROUBLE_WAIT
    clock.now += PROVIDER_TROUBLE_WAIT - 1
    assert up.update("192.0.2.1").action == "waiting"
    assert up.update("192.0.2.1", force=True).action == "waiting"
    assert server.count() == 1
    clock.now += 1
    done = up.update("192.0.2.1")
    assert done.answer is not None and done.answer.code == "good"
    assert done.state.failures == 0 and done.state.next_try == 0.0


def test_unknown_answers_back_off_doubling(tmp_path: Path, server: DyndnsServer) -> None:
    """An error page: retry after dyndns.retry, then twice that, capped at an hour."""
    clock = Clock()
    server.script = [(503, "busy"), (200, "<html>"), (503, "")]
    up = updater(tmp_path, settings(server.url, retry=60.0), clock)
    waits = []
    for _ in range(3):
        result = up.update("192.0.2.1")
        assert result.action == "sent"
        waits.append(result.state.next_try - clock.now)
        assert up.update("192.0.2.1").action == "waiting"
        clock.now = result.state.next_try
    assert waits == [60.0, 120.0, 240.0]
    assert up.update("192.0.2.1").answer is not None and server.records[HOST] == "192.0.2.1"


def test_unreachable_server_backs_off(tmp_path: Path, server: DyndnsServer) -> None:
    """Nobody listens: the error is kept, a retry waits; forced, it goes at once."""
    from tests.config_factory import free_port

    clock = Clock()
    up = updater(tmp_path, settings(f"http://127.0.0.1:{free_port()}"), clock)
    failed = up.update("192.0.2.1")
    assert failed.error and failed.state.last_error and failed.state.next_try > clock.now
    assert up.update("192.0.2.1").action == "waiting"
    assert up.update("192.0.2.1", force=True).action == "sent"


def test_duckdns_variant(tmp_path: Path, server: DyndnsServer) -> None:
    """Duck DNS: token in the query, no basic auth; KO stops."""
    clock = Clock()
    s = settings(server.url, "duckdns", hostname="office.duckdns.org", username="", password=TOKEN)
    result = updater(tmp_path, s, clock).update("192.0.2.1")
    assert result.answer is not None and result.answer.code == "OK"
    assert server.records["office.duckdns.org"] == "192.0.2.1"
    assert server.requests[0].authorization == ""
    wrong = updater(tmp_path / "w", settings(server.url, "duckdns", password="nope"), clock)
    assert wrong.update("192.0.2.1").state.stopped


# ----------------------------------------------------------------- when wanted
def test_wanted_follows_the_verdict(tmp_path: Path) -> None:
    """auto: only on a dynamic address (admin's answer or a change seen), once configured."""
    config = Config()
    config.dyndns.username = USER
    history = IpHistory(tmp_path)
    assert not_wanted_reason(config, history) == "not_dynamic"
    config.isp.fixed_ip = "no"
    assert not_wanted_reason(config, history) == ""
    config.isp.fixed_ip = "yes"
    history.record("192.0.2.1", now=1.0)
    history.record("192.0.2.2", now=2.0)
    assert not_wanted_reason(config, history) == ""  # a change seen beats the answer
    config.dyndns.username = ""
    assert not_wanted_reason(config, history) == "not_configured"
    config.dyndns.enabled = "no"
    assert not_wanted_reason(config, history) == "disabled"


def test_https_with_the_configured_ca(tmp_path: Path) -> None:
    """HTTPS, as every provider's default: verified against dyndns.ca_file; an unknown CA
    is a failure (retried later), never an update sent in clear."""
    import ssl

    import trustme

    ca = trustme.CA()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with dyndns_server(tls=ctx) as srv:
        assert srv.url.startswith("https://")
        clock = Clock()
        unknown = updater(tmp_path / "a", settings(srv.url), clock).update("192.0.2.1")
        assert unknown.answer is None and unknown.error and srv.count() == 0
        trusted = updater(tmp_path / "b", settings(srv.url, ca_file=str(ca_file)), clock)
        result = trusted.update("192.0.2.1")
        assert result.answer is not None and result.answer.code == "good"
        assert srv.requests[0].credentials == (USER, PASSWORD)


_RACE = """
import sys
from pathlib import Path
from netcore.dyndns.settings import DyndnsSettings
from netcore.dyndns.updater import DyndnsUpdater
url, state_dir, user, password = sys.argv[1:5]
s = DyndnsSettings(provider="custom", server=url, hostname="mail.example.be",
                   username=user, password=password, retry=60.0, timeout=5.0)
print(DyndnsUpdater(s, Path(state_dir)).update("192.0.2.7").action)
"""


def test_updaters_in_several_processes_send_once(tmp_path: Path, server: DyndnsServer) -> None:
    """serve and ``pmemail dyndns update`` at the same moment: one request, both see it."""
    argv = [sys.executable, "-c", _RACE, server.url, str(tmp_path), USER, PASSWORD]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(6)]
    actions = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert actions == ["sent"] + ["unchanged"] * 5
    assert len(server.requests) == 1
    assert DyndnsState.load(tmp_path / "dyndns.json").sent_address == "192.0.2.7"

"""The spam engine: a real rspamd on loopback scores what port 25 receives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.antispam_support import antispam_server, antispam_status, folder, message, send
from tests.config_factory import free_port
from tests.rspamd_support import GTUBE, GTUBE_JUNK, rspamd_available, running_rspamd
from tests.smtp_support import MailServer

pytestmark = pytest.mark.skipif(not rspamd_available(), reason="Debian package rspamd missing")


@pytest.fixture(scope="module")
def rspamd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One rspamd for the module (it takes seconds to start)."""
    with running_rspamd(tmp_path_factory.mktemp("rspamd")) as url:
        yield url


@pytest.fixture
def server(tmp_path: Path, rspamd_url: str) -> Iterator[MailServer]:
    """pmemail asking that rspamd; reject at 15, Junk from 6 (the defaults)."""
    srv = antispam_server(tmp_path, "127.0.0.1:1", sender_auth=False, rspamd_url=rspamd_url)
    yield srv
    srv.stop()


def _headers(data: bytes) -> str:
    return data.split(b"\r\n\r\n", 1)[0].decode()


def test_gtube_is_refused_at_data(server: MailServer) -> None:
    """GTUBE scores 15: refused with 550, nothing delivered."""
    code, text = send(server, "a@sender.net", message("a@sender.net", body=GTUBE + "\n"))
    assert code == 550 and b"spam" in text
    assert folder(server, "alice@example.be") == []
    assert antispam_status(server)["refused"] == {"spam": 1}


def test_likely_spam_goes_to_junk(server: MailServer) -> None:
    """A score between junk_score and reject_score: delivered, unread, in Junk."""
    code, _ = send(server, "a@sender.net", message("a@sender.net", body=GTUBE_JUNK + "\n"))
    assert code == 250
    assert folder(server, "alice@example.be") == []
    junk = folder(server, "alice@example.be", "Junk")
    assert len(junk) == 1
    assert "X-Spam-Score: 6.0" in _headers(junk[0]) and "X-Spam-Status: Yes" in _headers(junk[0])
    status = antispam_status(server)
    assert status["junk"] == {"spam": 1} and status["filtering"] == "engine"


def test_clean_mail_is_delivered_with_its_score(server: MailServer) -> None:
    """Clean mail lands in INBOX with X-Spam-Status: No."""
    assert send(server, "a@sender.net", message("a@sender.net"))[0] == 250
    (delivered,) = folder(server, "alice@example.be")
    assert "X-Spam-Status: No" in _headers(delivered)


def test_engine_down_delivers_and_says_basic(tmp_path: Path) -> None:
    """No rspamd answering: mail is delivered unscored; the status says basic filtering."""
    srv = antispam_server(
        tmp_path, "127.0.0.1:1", sender_auth=False, rspamd_url=f"http://127.0.0.1:{free_port()}"
    )
    try:
        assert send(srv, "a@sender.net", message("a@sender.net", body=GTUBE + "\n"))[0] == 250
        (delivered,) = folder(srv, "alice@example.be")
        assert "X-Spam" not in _headers(delivered)
        assert antispam_status(srv)["filtering"] == "basic"
    finally:
        srv.stop()

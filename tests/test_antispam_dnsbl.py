"""DNS blocklists at connection time, and the attachment policy at DATA, on port 25."""

from __future__ import annotations

import io
import smtplib
import zipfile
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailcore.antispam.attachments import extension_blocked
from mailcore.antispam.dnsbl import query_name
from tests.antispam_support import OUTSIDE, antispam_server, antispam_status, folder, message, send
from tests.smtp_support import MailServer
from tests.tiny_dns import MuteDns, TinyDns, Zone, dns_servers

LIST = "bl.test.net"
LISTED_ZONE: Zone = {
    (f"2.0.0.127.{LIST}.", "A"): ["127.0.0.2"],  # 127.0.0.2 is listed
    (f"4.0.0.127.{LIST}.", "A"): ["127.255.255.254"],  # "query refused" error code
}


@pytest.fixture
def tiny_dns() -> Iterator[Callable[[Zone], TinyDns]]:
    """TinyDns servers on demand, closed after the test."""
    yield from dns_servers()


def _ehlo(server: MailServer, source: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), source_address=(source, 0)) as client:
        return client.ehlo("mta.sender.net")


def test_query_names() -> None:
    """RFC 5782 names: reversed octets, IPv6 nibbles, mapped IPv4 as IPv4."""
    assert query_name("192.0.2.99", "zen.example") == "99.2.0.192.zen.example"
    assert query_name("::ffff:192.0.2.99", "zen.example") == "99.2.0.192.zen.example"
    assert str(query_name("2001:db8::1", "l")).startswith("1.0.0.0.")
    assert query_name("x", "l") is None


def test_listed_client_is_refused_with_the_list_name(
    tmp_path: Path, tiny_dns: Callable[[Zone], TinyDns]
) -> None:
    """A listed address gets 554 naming the list at HELO/EHLO, and no transaction."""
    srv = antispam_server(tmp_path, tiny_dns(LISTED_ZONE).address, sender_auth=False, dnsbl=[LIST])
    try:
        code, text = _ehlo(srv, OUTSIDE)
        assert code == 554 and f"listed by {LIST}".encode() in text
        code, text = send(srv, "a@sender.net", message("a@sender.net"))
        assert code == 554
        with smtplib.SMTP("127.0.0.1", srv.port("smtp"), source_address=(OUTSIDE, 0)) as c:
            assert c.helo("mta")[0] == 554
            assert c.mail("a@sender.net")[0] == 503  # no HELO accepted yet
            assert c.ehlo("mta")[0] == 554
            assert c.mail("a@sender.net")[0] in (503, 554)
        # unlisted neighbour, this machine, and a list that refuses to answer: served
        assert send(srv, "a@sender.net", message("a@sender.net"), source="127.0.0.3")[0] == 250
        assert send(srv, "a@sender.net", message("a@sender.net"), source="127.0.0.1")[0] == 250
        assert send(srv, "a@sender.net", message("a@sender.net"), source="127.0.0.4")[0] == 250
        assert antispam_status(srv)["refused"]["dnsbl"] >= 3
    finally:
        srv.stop()


def test_blocklist_timeout_fails_open(tmp_path: Path) -> None:
    """A blocklist that never answers lets the client in."""
    mute = MuteDns()
    srv = antispam_server(
        tmp_path, mute.address, sender_auth=False, dnsbl=[LIST], dnsbl_timeout=0.2
    )
    try:
        assert send(srv, "a@sender.net", message("a@sender.net"))[0] == 250
    finally:
        srv.stop()
        mute.close()


def _with_attachment(name: str, content: bytes, ctype: str = "application/octet-stream") -> bytes:
    msg = EmailMessage()
    msg["From"] = "a@sender.net"
    msg["To"] = "alice@example.be"
    msg["Subject"] = "Invoice"
    msg.set_content("See attached.\n")
    maintype, subtype = ctype.split("/")
    msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, b"MZ\x90\x00 not really a program")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "ctype"),
    [
        ("setup.exe", b"MZ\x90\x00", "application/octet-stream"),
        ("invoice.pdf.exe", b"MZ\x90\x00", "application/pdf"),
        ("invoice.pdf", b"MZ\x90\x00", "application/x-msdownload"),
        ("script.JS. ", b"alert(1)", "text/plain"),
        ("invoice.zip", _zip("docs/readme.txt", "docs/invoice.pdf.scr"), "application/zip"),
    ],
)
def test_executable_attachments_are_refused(
    tmp_path: Path, name: str, content: bytes, ctype: str
) -> None:
    """Programs, disguised or zipped, are refused at DATA with the file's name."""
    srv = antispam_server(tmp_path, "127.0.0.1:1", sender_auth=False)
    try:
        code, text = send(srv, "a@sender.net", _with_attachment(name, content, ctype))
        assert code == 550 and b"Attachment" in text
        assert folder(srv, "alice@example.be") == []
        assert antispam_status(srv)["refused"] == {"attachment": 1}
    finally:
        srv.stop()


def test_documents_and_harmless_zips_pass(tmp_path: Path) -> None:
    """A PDF and a zip of documents are delivered."""
    srv = antispam_server(tmp_path, "127.0.0.1:1", sender_auth=False)
    try:
        pdf = _with_attachment("report.pdf", b"%PDF-1.4", "application/pdf")
        assert send(srv, "a@sender.net", pdf)[0] == 250
        docs = _with_attachment("docs.zip", _zip("a.pdf", "b.xlsx"), "application/zip")
        assert send(srv, "a@sender.net", docs)[0] == 250
        assert len(folder(srv, "alice@example.be")) == 2
    finally:
        srv.stop()


def test_extension_rules() -> None:
    """Only the last extension counts, as Windows reads it."""
    blocked = frozenset({"exe", "js"})
    assert extension_blocked("a.pdf.exe", blocked) and extension_blocked("A.EXE.. ", blocked)
    assert not extension_blocked("exe", blocked) and not extension_blocked("a.exe.pdf", blocked)


def test_greylisting_defers_first_attempt_then_knows_the_server(tmp_path: Path) -> None:
    """First attempt 451, the retry passes, then that server's other mail is not delayed."""
    srv = antispam_server(
        tmp_path,
        "127.0.0.1:1",
        sender_auth=False,
        greylisting=True,
        greylist_delay=0.0,  # the retry right after is late enough
        greylist_whitelist=["partner.net"],
    )
    try:
        code, text = send(srv, "a@sender.net", message("a@sender.net"))
        assert code == 451 and b"Greylisted" in text
        assert send(srv, "a@sender.net", message("a@sender.net"))[0] == 250
        assert send(srv, "other@else.net", message("other@else.net"))[0] == 250
        # whitelisted sender domain: never delayed; this machine: never checked
        assert send(srv, "x@partner.net", message("x@partner.net"), source="127.0.1.9")[0] == 250
        assert send(srv, "a@sender.net", message("a@sender.net"), source="127.0.0.1")[0] == 250
        assert send(srv, "a@sender.net", message("a@sender.net"), source="127.0.1.9")[0] == 451
        assert antispam_status(srv)["refused"] == {"greylist": 2}
    finally:
        srv.stop()


def test_zip_member_names_cannot_inject_reply_lines(tmp_path: Path) -> None:
    """A member named with CR LF and non-ASCII is shown escaped on one reply line."""
    srv = antispam_server(tmp_path, "127.0.0.1:1", sender_auth=False)
    try:
        data = _with_attachment("a.zip", _zip("x\r\n250 2.0.0 OK\r\nfacture\u00e9.exe"))
        code, text = send(srv, "a@sender.net", data)
        assert code == 550 and b"\n" not in text and b"\\xe9" in text
    finally:
        srv.stop()

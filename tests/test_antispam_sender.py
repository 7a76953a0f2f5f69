"""Port 25 sender checks against a real DNS server on loopback: SPF, DKIM, DMARC,
the office's own domains, forged Authentication-Results, DNS faults."""

from __future__ import annotations

import shutil
import smtplib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.antispam_support import (
    OUTSIDE,
    SELECTOR,
    antispam_server,
    antispam_status,
    dkim_key,
    folder,
    message,
    send,
    signed,
    zone_for,
)
from tests.smtp_support import PASSWORDS, MailServer, client_tls
from tests.tiny_dns import MuteDns, TinyDns, Zone, dns_servers

KEY, KEY_TXT = dkim_key()
OTHER_KEY, _ = dkim_key()
RECORDS = {
    "spf-pass.net": f"v=spf1 ip4:{OUTSIDE} -all",
    "spf-fail.net": "v=spf1 ip4:192.0.2.1 -all",
    "spf-soft.net": "v=spf1 ~all",
    # signs with DKIM, no SPF record, DMARC reject: only the signature can pass
    f"{SELECTOR}._domainkey.signer.net": KEY_TXT,
    "_dmarc.signer.net": "v=DMARC1; p=reject",
    "reject.net": "v=spf1 ip4:192.0.2.1 -all",
    "_dmarc.reject.net": "v=DMARC1; p=reject",
    "quarantine.net": "v=spf1 ip4:192.0.2.1 -all",
    "_dmarc.quarantine.net": "v=DMARC1; p=quarantine",
    "monitor.net": "v=spf1 ip4:192.0.2.1 -all",
    "_dmarc.monitor.net": "v=DMARC1; p=none; rua=mailto:d@monitor.net",
    # the office's own domain: only its real server may send as it
    "example.be": "v=spf1 ip4:192.0.2.10 -all",
    f"{SELECTOR}._domainkey.example.be": KEY_TXT,
    "_dmarc.example.be": "v=DMARC1; p=none",
}


@pytest.fixture
def tiny_dns() -> Iterator[Callable[[Zone], TinyDns]]:
    """TinyDns servers on demand, closed after the test."""
    yield from dns_servers()


@pytest.fixture
def server(tmp_path: Path, tiny_dns: Callable[[Zone], TinyDns]) -> Iterator[MailServer]:
    """pmemail with the sender checks on, its resolver the test zone."""
    dns = tiny_dns(zone_for(RECORDS))
    dns.mute.add(f"{SELECTOR}._domainkey.slow.net.")  # a key lookup the sender makes time out
    srv = antispam_server(tmp_path, dns.address)
    yield srv
    srv.stop()


def _results(data: bytes) -> str:
    """The Authentication-Results field of a delivered message, unfolded."""
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    fields = [f for f in head.replace("\r\n\t", " ").split("\r\n") if f.startswith("Auth")]
    assert len(fields) == 1, fields
    return fields[0]


@pytest.mark.parametrize(
    ("domain", "result"),
    [("spf-pass.net", "pass"), ("spf-soft.net", "softfail"), ("spf-none.net", "none")],
)
def test_spf_results_are_recorded(server: MailServer, domain: str, result: str) -> None:
    """SPF pass, softfail and none are delivered with the result in Authentication-Results."""
    code, _ = send(server, f"news@{domain}", message(f"news@{domain}"))
    assert code == 250
    ar = _results(folder(server, "alice@example.be")[0])
    assert ar.startswith("Authentication-Results: mail.example.be;")
    assert f"spf={result} smtp.mailfrom={domain}" in ar
    assert "dkim=none" in ar and "dmarc=none" in ar


def test_spf_fail_without_dmarc_is_delivered(server: MailServer) -> None:
    """SPF fail alone (no DMARC policy) is a fact for the reader, not a refusal."""
    assert send(server, "a@spf-fail.net", message("a@spf-fail.net"))[0] == 250
    assert "spf=fail" in _results(folder(server, "alice@example.be")[0])


def test_dkim_good_signature_passes_dmarc(server: MailServer) -> None:
    """A valid signature of the From: domain passes DKIM and so DMARC (p=reject)."""
    data = signed(message("boss@signer.net"), "signer.net", KEY)
    assert send(server, "bounces@signer.net", data)[0] == 250
    ar = _results(folder(server, "alice@example.be")[0])
    assert "dkim=pass header.d=signer.net" in ar and "dmarc=pass header.from=signer.net" in ar


def test_dkim_broken_body_fails_and_dmarc_rejects(server: MailServer) -> None:
    """A body changed after signing fails DKIM; the domain's p=reject refuses it."""
    data = signed(message("boss@signer.net"), "signer.net", KEY).replace(b"Hello", b"Pay up")
    code, text = send(server, "bounces@signer.net", data)
    assert code == 550 and b"DMARC policy of signer.net" in text
    assert folder(server, "alice@example.be") == []


def test_dkim_wrong_key_fails(server: MailServer) -> None:
    """A signature made with another key than the published one fails."""
    data = signed(message("boss@signer.net"), "signer.net", OTHER_KEY)
    assert send(server, "bounces@signer.net", data)[0] == 550


@pytest.mark.parametrize(
    ("domain", "code", "where"),
    [("reject.net", 550, None), ("quarantine.net", 250, "Junk"), ("monitor.net", 250, "")],
)
def test_dmarc_policies(server: MailServer, domain: str, code: int, where: str | None) -> None:
    """DMARC failing: p=reject refused, p=quarantine to Junk, p=none delivered."""
    assert send(server, f"x@{domain}", message(f"x@{domain}"))[0] == code
    if where is not None:
        delivered = folder(server, "alice@example.be", where)
        assert len(delivered) == 1 and "dmarc=fail" in _results(delivered[0])


def test_own_domain_spoof_from_outside_is_refused(server: MailServer) -> None:
    """Mail from outside claiming @example.be without SPF or DKIM for it: a clear 550."""
    code, text = send(server, "boss@example.be", message("boss@example.be"))
    assert code == 550
    assert b"not allowed to send as @example.be" in text
    assert b"submission port" in text
    # the envelope may be honest while the From: header lies: refused the same
    code, _ = send(server, "x@spf-pass.net", message("boss@example.be"))
    assert code == 550
    assert folder(server, "alice@example.be") == []
    assert antispam_status(server)["refused"] == {"own_domain": 2}


def test_unanswered_foreign_signature_does_not_excuse_a_spoof(server: MailServer) -> None:
    """A signature of another domain whose key never resolves is no reason to let a spoof in."""
    data = signed(message("boss@example.be"), "slow.net", OTHER_KEY)
    code, _ = send(server, "boss@example.be", data)
    assert code == 550


def test_hostile_from_domain_is_no_dns_fault(server: MailServer) -> None:
    """A From: domain that cannot be a DNS name is no record, not a DNS fault."""
    data = message("x@" + "a" * 70 + ".net").replace(b"To:", b"X-Test: 1\r\nTo:")
    assert send(server, "boss@example.be", data)[0] == 550


def test_own_domain_signed_elsewhere_is_accepted(server: MailServer) -> None:
    """A service signing with the office's DKIM key may send as the office."""
    data = signed(message("boss@example.be"), "example.be", KEY)
    assert send(server, "boss@example.be", data)[0] == 250


def test_own_domain_from_this_machine_and_submission(server: MailServer) -> None:
    """The same message from 127.0.0.1 (this machine) or by logged-in staff is accepted."""
    assert (
        send(server, "alice@example.be", message("alice@example.be"), source="127.0.0.1")[0] == 250
    )
    with smtplib.SMTP("127.0.0.1", server.port("submission"), source_address=(OUTSIDE, 0)) as c:
        c.starttls(context=client_tls())
        c.login("alice@example.be", PASSWORDS["alice@example.be"])
        refused = c.sendmail("alice@example.be", ["bob@example.be"], message("alice@example.be"))
    assert refused == {}
    assert len(folder(server, "bob@example.be")) == 1


def test_forged_authentication_results_are_removed(server: MailServer) -> None:
    """A sender's "Authentication-Results: mail.example.be; ... pass" never reaches the reader."""
    forged = b"Authentication-Results: mail.example.be; dmarc=pass header.from=bank.net\r\n"
    other = b"Authentication-Results: mx.elsewhere.net; spf=pass\r\n"
    data = forged + other + message("a@spf-fail.net")
    assert send(server, "a@spf-fail.net", data)[0] == 250
    delivered = folder(server, "alice@example.be")[0]
    assert b"header.from=bank.net" not in delivered and b"mx.elsewhere.net" in delivered
    assert "spf=fail" in _results(delivered.replace(other, b""))


def test_dns_timeout_fails_open(tmp_path: Path) -> None:
    """A resolver that never answers: even own-domain mail is delivered (temperror), not 5xx."""
    mute = MuteDns()
    srv = antispam_server(tmp_path, mute.address)
    try:
        assert send(srv, "boss@example.be", message("boss@example.be"))[0] == 250
        assert "spf=temperror" in _results(folder(srv, "alice@example.be")[0])
    finally:
        srv.stop()
        mute.close()


def _swaks(server: MailServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *("swaks", "--server", "127.0.0.1", "--port", str(server.port("smtp"))),
            *("--local-interface", OUTSIDE, "--helo", "mta.sender.net"),
            *("--to", "alice@example.be", *args),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("swaks") is None, reason="Debian package swaks missing")
def test_swaks_spoof_and_executable_are_refused(server: MailServer, tmp_path: Path) -> None:
    """swaks as the remote MTA: the boss's address from outside, then an .exe, both 550."""
    spoof = _swaks(server, "--from", "boss@example.be", "--h-From", "boss@example.be")
    assert spoof.returncode != 0
    assert "550 5.7.1 This server is not allowed to send as @example.be" in spoof.stdout
    program = tmp_path / "invoice.pdf.exe"
    program.write_bytes(b"MZ\x90\x00")
    exe = _swaks(
        server,
        "--from",
        "news@spf-pass.net",
        "--attach",
        f"@{program}",
        "--attach-name",
        "invoice.pdf.exe",
    )
    assert exe.returncode != 0 and "550 5.7.1 Attachment 'invoice.pdf.exe' refused" in exe.stdout
    assert folder(server, "alice@example.be") == []


HOSTILE = [
    b"\x00\xff\xfe garbage without any header\r\n",
    b"From: boss@example.be\r\nDKIM-Signature: v=1; a=rsa-sha256; d=; b=\r\n\r\nbody\r\n",
    b"From: =?utf-8?b?////?= <a@\xff\xfe.net>\r\nSubject: x\r\n\r\nbody\r\n",
    b"From: a@spf-pass.net\r\nDKIM-Signature: " + b"x" * 5000 + b"\r\n\r\nbody\r\n",
    b"From: a@spf-pass.net\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    + b"--b\r\nContent-Type: application/zip; name=a.zip\r\n"
    + b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBBQ!!!not base64\r\n--b--\r\n",
    b"From: a@spf-pass.net\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    + b"--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" * 200,
]


@pytest.mark.parametrize("data", HOSTILE)
def test_hostile_messages_get_an_answer_not_an_internal_error(
    server: MailServer, data: bytes
) -> None:
    """Broken headers, signatures and MIME: 250 or a 5xx verdict, never 451 (a crash)."""
    code, _ = send(server, "a@spf-pass.net", data)
    assert code in (250, 550), code

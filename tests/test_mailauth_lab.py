"""Issue 14's "Done when", in the router lab: port 25 verdicts, signed outgoing mail, the doctor.

pmemail serves in lab-lan behind the lab's miniupnpd router (ports mapped by
``pmemail ports apply``), asking the lab's DNS in lab-wan (SPF, DKIM, DMARC,
a DNS blocklist) and an rspamd on lab-lan's loopback. swaks on the internet
side (198.51.100.10) delivers to the office's public address 203.0.113.2;
mail sent by staff leaves through the queue to the partner's MX (the lab's
SMTP sink) and Debian's opendkim-testmsg verifies its signature against the
key record ``pmemail dns records`` says to publish.

Run under the lab lock, one file at a time: ``python -m pytest tests/test_mailauth_lab.py``
(root; Debian's rspamd, swaks, opendkim-tools).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.certs.selfsigned import CERT_NAME
from pmemail.config.paths import DataPaths
from tests.antispam_support import dkim_key
from tests.dns_support import opendkim_verify, txt
from tests.lab import Lab
from tests.lab.constants import NS_WAN, REMOTE_IP, WAN_IP
from tests.lab.process import stop_popen
from tests.mailauth_lab_support import (
    BLOCKLIST,
    DOMAIN,
    PASSWORD,
    REMOTE,
    SUBMISSION,
    USER,
    MailOffice,
    listing,
    start_rspamd,
    swaks,
    wait_for,
)
from tests.rspamd_support import GTUBE, GTUBE_JUNK, rspamd_available

pytestmark = [
    pytest.mark.lab,
    pytest.mark.slow,
    pytest.mark.timeout(400),
    pytest.mark.skipif(not rspamd_available(), reason="Debian package rspamd missing"),
    pytest.mark.skipif(shutil.which("swaks") is None, reason="Debian package swaks missing"),
]


def header_block(data: bytes) -> str:
    """A delivered message's header fields, unfolded."""
    head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    return re.sub(r"\r?\n[ \t]+", " ", head)


@pytest.fixture
def rspamd(router: Lab, tmp_path: Path) -> Iterator[None]:
    """rspamd on lab-lan's loopback for one test, stopped with time to end its workers."""
    proc = start_rspamd(router, tmp_path / "rspamd")
    try:
        yield
    finally:
        stop_popen(proc, grace_s=30)


@pytest.mark.usefixtures("rspamd")
def test_port_25_verdicts_and_signed_outgoing_mail(router: Lab, tmp_path: Path) -> None:
    """Spoof, GTUBE, likely spam, clean, .exe, blocklisted client; staff's mail signed."""
    office = MailOffice.create(router, tmp_path / "office")
    office.publish()
    office.ports_apply()
    office.serve()

    # (1) the boss's address from the internet, no authentication: refused, said why
    spoof = swaks(router, "--from", f"boss@{DOMAIN}")
    assert spoof.returncode != 0, spoof.stdout
    assert "550 5.7.1 This server is not allowed to send as @example.be" in spoof.stdout
    assert "authenticate on the submission port" in spoof.stdout

    sender = ("--from", f"news@{REMOTE}")
    # (2) GTUBE: refused as spam at DATA
    gtube = swaks(router, *sender, "--header", "Subject: gtube", "--body", GTUBE)
    assert gtube.returncode != 0
    assert re.search(r"<\*\* +550 5\.7\.1 Message refused as spam", gtube.stdout), gtube.stdout

    # (3) likely spam, not certain: accepted, in Junk
    junk = swaks(router, *sender, "--header", "Subject: likely spam", "--body", GTUBE_JUNK)
    assert junk.returncode == 0, junk.stdout
    (in_junk,) = office.folder("Junk")
    assert "Subject: likely spam" in header_block(in_junk)
    assert "X-Spam-Status: Yes" in header_block(in_junk)

    # (4) clean mail from a partner whose SPF authorizes the remote host: INBOX, results
    clean = swaks(router, *sender, "--header", "Subject: quarterly figures", "--body", "Hello.")
    assert clean.returncode == 0, clean.stdout
    (delivered,) = office.folder()
    head = header_block(delivered)
    assert "Subject: quarterly figures" in head
    results = [f for f in head.split("\r\n") if f.startswith("Authentication-Results:")]
    assert len(results) == 1, head
    assert results[0].startswith("Authentication-Results: mail.example.be;"), results
    assert f"spf=pass smtp.mailfrom={REMOTE}" in results[0], results
    assert f"dmarc=pass header.from={REMOTE}" in results[0], results
    assert "X-Spam-Status: No" in head

    # (5) a program as attachment: refused with its name
    program = tmp_path / "invoice.pdf.exe"
    program.write_bytes(b"MZ\x90\x00 not really a program")
    exe = swaks(router, *sender, "--attach", f"@{program}", "--attach-name", "invoice.pdf.exe")
    assert exe.returncode != 0
    assert "550 5.7.1 Attachment 'invoice.pdf.exe' refused" in exe.stdout, exe.stdout

    # outgoing: staff submits from a hotel (STARTTLS, AUTH); the queue delivers to the
    # partner's MX, signed; opendkim-testmsg checks it with the published key record
    cafile = str(DataPaths(office.data).tls_dir / CERT_NAME)
    msg_id = "<outgoing-1@example.be>"
    sent = router.run_python(
        NS_WAN,
        "tests.serve_lab_clients:submit",
        WAN_IP,
        SUBMISSION,
        REMOTE_IP,
        cafile,
        USER,
        PASSWORD,
        f"partner@{REMOTE}",
        msg_id,
        timeout=60,
    )
    assert sent == {"auth_before_tls": False, "refused": {}}

    def relayed() -> list[str]:
        return [m["data"] for m in router.smtp_messages() if msg_id in m["data"]]

    assert wait_for(lambda: bool(relayed()), 60), office.log_tail()
    (wire,) = relayed()
    assert wire.startswith("DKIM-Signature: v=1; a=rsa-sha256;"), wire[:300]
    assert re.search(r"^Date: ", wire, re.M), wire[:800]  # the client sent none: added, signed
    key = office.record("dkim")
    rc, out = opendkim_verify(
        tmp_path / "opendkim",
        wire.encode().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
        [(key["name"], "TXT", txt(key["text"]))],
    )
    assert rc == 0, out

    # (6) the remote host now on the office's blocklist: 554 naming the list, at EHLO
    office.publish(extra=[listing(REMOTE_IP)])
    listed = swaks(router, *sender, "--body", "Hello again.")
    assert listed.returncode != 0
    assert f"554 5.7.1 Your address {REMOTE_IP} is listed by {BLOCKLIST}" in listed.stdout
    assert len(office.folder()) == 1 and len(office.folder("Junk")) == 1  # nothing more

    # what the dashboard shows: the engine scores, each refusal counted by its reason
    code, out, err = office.pmemail("status", "--json")
    assert code == 0, err
    smtp = next(s for s in json.loads(out)["services"] if s["name"] == "smtp")
    assert smtp["antispam"]["filtering"] == "engine", smtp
    assert smtp["antispam"]["junk"] == {"spam": 1}, smtp
    refused = {"own_domain": 1, "spam": 1, "attachment": 1}
    assert refused.items() <= smtp["antispam"]["refused"].items(), smtp
    assert smtp["antispam"]["refused"]["dnsbl"] >= 1, smtp  # swaks may try HELO after EHLO
    office.stop()


def test_doctor_flags_each_wrong_record_and_a_listed_address(router: Lab, tmp_path: Path) -> None:
    """Published as `dns records` says: every row ok. Two records missing, two wrong: each
    row flagged with the exact record to publish; 203.0.113.2 on the blocklist: dnsbl fails."""
    office = MailOffice.create(router, tmp_path / "office")
    office.publish()
    checks = office.doctor()
    for kind in ("spf", "dkim", "dmarc", "mta_sts"):
        row = checks[f"records.{kind}"]
        assert row["status"] == "ok", row
    assert checks["dnsbl"]["status"] == "ok", checks["dnsbl"]

    spf, dkim = office.record("spf"), office.record("dkim")
    dmarc, mta_sts = office.record("dmarc"), office.record("mta_sts")
    _pem, other_key = dkim_key()
    office.publish(
        leave_out=[dmarc["name"], mta_sts["name"]],
        extra=[
            {"name": spf["name"], "type": "TXT", "value": txt("v=spf1 ip4:192.0.2.1 -all")},
            {"name": dkim["name"], "type": "TXT", "value": txt(other_key)},
            listing(WAN_IP),
        ],
    )
    checks = office.doctor()
    for kind, record, status in (
        ("spf", spf, "fail"),  # another server's address only
        ("dkim", dkim, "fail"),  # another key
        ("dmarc", dmarc, "warn"),  # missing
        ("mta_sts", mta_sts, "warn"),  # missing
    ):
        row = checks[f"records.{kind}"]
        assert row["status"] == status and record["name"] in row["finding"], row
        assert record["zone_line"] in row["advice"], row
    row = checks["dnsbl"]
    assert row["status"] == "fail", row
    assert BLOCKLIST in row["finding"] and WAN_IP in row["finding"] and row["advice"], row

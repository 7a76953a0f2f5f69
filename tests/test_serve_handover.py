"""``pmemail serve`` after the hand-over: only the network side runs (issue 19).

With ``server.mail_engine = "postfix-dovecot"`` a real ``pmemail serve``
process leaves the mail ports free for Postfix and Dovecot (a test socket
binds each one), runs port 80 (challenge, autoconfig, redirect), the
certificates and the backups, and its status names the mail services
``handed_over`` instead of failed. ``pmemail handover done|undo`` writes the
key with the config writer.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.status import ServiceEntry
from pmemail.app.status_snapshot import LocalPort, LocalSnapshot, MailCounters, QueueFacts
from pmemail.config import load_config
from pmemail.serve.composition import MAIL_SIDE
from pmemail_tui.i18n import set_language
from pmemail_tui.widgets.dashboard.engine import engine_bar
from pmemail_tui.widgets.dashboard.panels import service_rows
from tests.config_factory import free_port
from tests.serve_support import DOMAIN, Server, ServeSetup, pmemail

MAIL_PORTS = ("smtp", "submission", "imap", "pop3", "https")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 301 itself is the answer under test


def _get(port: int, path: str) -> tuple[int, str, str]:
    """(status, Location, body) of a plain GET on loopback, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status, answer.headers.get("Location", ""), answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location", ""), ""


def _handed_over_setup(root: Path) -> ServeSetup:
    setup = ServeSetup(root)
    setup.overrides = {
        "server": {"mail_engine": "postfix-dovecot"},
        "backup": {"interval": 86400.0},
        # ACME on against a CA nobody answers, a resolver nobody answers: the
        # certificates service runs (and fails its attempt) without leaving loopback
        "acme": {
            "enabled": True,
            "client_names": False,
            "directory": f"http://127.0.0.1:{free_port()}/dir",
        },
        "network": {"resolver": f"127.0.0.1:{free_port()}", "dns_timeout": 0.2},
    }
    setup.write()
    return setup


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServeSetup, Server]]:
    setup = _handed_over_setup(tmp_path)
    server = Server(setup)
    try:
        server.wait_ready()
        yield setup, server
    finally:
        server.terminate()


def test_mail_ports_stay_free_and_the_network_side_runs(
    served: tuple[ServeSetup, Server],
) -> None:
    setup, server = served
    for name in MAIL_PORTS:  # Postfix and Dovecot could bind each one
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", setup.ports[name]))
            sock.listen(1)
    done = pmemail(setup, "status", "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    states = {s["name"]: s["state"] for s in status["services"]}
    assert states == {"http": "running", "certificates": "running", "backup": "running"}
    assert status["handed_over"] == list(MAIL_SIDE)
    assert not set(states) & set(status["handed_over"])
    human = pmemail(setup, "status")
    assert human.returncode == 0, human.stderr
    assert "failed" not in human.stdout
    assert (
        "Handed over to Postfix and Dovecot (server.mail_engine), not run here: "
        + (", ".join(MAIL_SIDE))
        in human.stdout
    )
    # port 80: Thunderbird's autoconfig, and a redirect for everything else
    web = setup.ports["webmail"]
    code, _, body = _get(web, "/.well-known/autoconfig/mail/config-v1.1.xml")
    assert code == 200 and "clientConfig" in body
    code, location, _ = _get(web, "/")
    assert code == 301 and location.startswith(f"https://mail.{DOMAIN}")
    code, location, _ = _get(web, "/login")  # no webmail here, not even for the office
    assert code == 301 and location.startswith(f"https://mail.{DOMAIN}")
    assert server.proc.poll() is None
    code, err = server.terminate()
    assert code == 0, err
    logs = "".join(f.read_text() for f in setup.data.rglob("*.log")) + err
    assert "running only http, certificates, backup" in logs


def test_handover_done_and_undo_write_the_engine(tmp_path: Path) -> None:
    setup = ServeSetup(tmp_path)
    setup.write()
    done = pmemail(setup, "handover", "done", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    reload = ["systemctl", "reload", "postfix", "dovecot"]
    assert doc == {
        "ok": True,
        "config_file": str(setup.config),
        "mail_engine": "postfix-dovecot",
        "after_renew": reload,
    }
    config = load_config(setup.config)
    assert config.server.mail_engine == "postfix-dovecot"
    assert config.acme.after_renew == reload
    assert config.mail.domain == DOMAIN  # the rest of the file is kept
    undo = pmemail(setup, "--lang", "fr", "handover", "undo")
    assert undo.returncode == 0, undo.stderr
    assert 'server.mail_engine = "pmemail"' in undo.stdout and "Arrêtez Postfix" in undo.stdout
    config = load_config(setup.config)
    assert config.server.mail_engine == "pmemail" and config.acme.after_renew == []


def test_handover_done_keeps_the_admins_own_command(tmp_path: Path) -> None:
    setup = ServeSetup(tmp_path)
    own = ["/usr/local/bin/reload-mail", "--quiet"]
    setup.overrides = {"acme": {"after_renew": own}}
    setup.write()
    done = pmemail(setup, "handover", "done")
    assert done.returncode == 0, done.stderr
    assert "/usr/local/bin/reload-mail" in done.stdout
    assert load_config(setup.config).acme.after_renew == own
    pmemail(setup, "handover", "undo")
    assert load_config(setup.config).acme.after_renew == own  # not ours to clear


def test_the_switch_over_readme_keeps_serve_running_in_both_languages() -> None:
    """The export's README records the hand-over and keeps the systemd unit running."""
    from pmemail.app.handover_export import say
    from pmemail.app.handover_files import polkit_reload_rule

    facts = dict(smtp_ports="25", domains=DOMAIN, imap_port=143, pop3_port=110)
    en = say("readme", "en", maildirs="/srv/mail", user="pmemail", **facts)
    fr = say("readme", "fr", maildirs="/srv/mail", user="pmemail", **facts)
    for text in (en, fr):
        assert "pmemail handover done" in text and "systemctl start pmemail" in text
        assert 'acme.after_renew = ["systemctl", "reload", "postfix", "dovecot"]' in text
        assert "polkit/50-pmemail-reload.rules" in text and "(pmemail)" in text
    assert "keep it running" in en and "laissez-le tourner" in fr
    rule = polkit_reload_rule('pm"x')
    assert 'subject.user == "pm\\"x"' in rule  # quoted: a name cannot end the string
    assert '"postfix.service", "dovecot.service"' in rule and '"reload"' in rule


def test_engine_sentences_in_english_and_french() -> None:
    """The hand-over's engine catalogue (doctor, status, handover): both languages."""
    from pmemail.app.cert_wording import placeholders
    from pmemail.app.mail_engine_texts import TEXTS

    for msgid, texts in TEXTS.items():
        assert set(texts) == {"en", "fr"}, msgid
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), msgid
        assert texts["en"] != texts["fr"] or msgid == "check.title", msgid


def _snapshot(running: bool, services: list[ServiceEntry]) -> LocalSnapshot:
    ports = [
        LocalPort("smtp", 25, 25, "", True, True, "Postfix"),
        LocalPort("imap", 143, 143, "", True, True, "pmemail"),
    ]
    return LocalSnapshot(
        taken_at=0.0,
        running=running,
        reason="" if running else "pmemail serve is not running",
        process=None,
        services=services,
        mail=MailCounters(),
        queue=QueueFacts(),
        ports=ports,
        log_lines=[],
        engine="postfix-dovecot",
    )


def test_dashboard_rows_after_the_hand_over() -> None:
    """Running: the mail ports first, then the network side, one row per name (a server
    not restarted since still reports its smtp); stopped: the bar says what waits."""
    set_language("en")
    services: list[ServiceEntry] = [
        {"name": "smtp", "state": "running"},
        {"name": "http", "state": "running"},
        {"name": "backup", "state": "running"},
    ]
    rows = service_rows(_snapshot(True, services))
    keys = [key for key, _ in rows]
    assert keys == ["smtp", "imap", "http", "backup"]
    cells = dict(rows)
    assert str(cells["smtp"][1]) == "served by Postfix"
    assert str(cells["imap"][1]) == "served by pmemail"
    assert engine_bar(_snapshot(True, services)) is None  # the usual "running" line
    bar = engine_bar(_snapshot(False, []))
    assert bar is not None and "router leases, dynamic DNS, backups" in str(bar)
    set_language("fr")
    bar = engine_bar(_snapshot(False, []))
    assert bar is not None and "baux du routeur" in str(bar)
    set_language("en")

"""``pmemail --lang fr``: the everyday commands and their error paths, no English sentence.

The sweep runs the commands in-process through the CLI's ``main`` (as
tests/test_french_cli_users_service.py does) on a temp config, and asks
:func:`tests.french_screen_support.english_words` about every line. Beside it,
the sentences the sweep cannot reach on this machine: the router monitor's
events (the dashboard and ``pmemail status`` word them), the ports command's
profile warning and system errors, and the webmail's and the CLI's sizes.
"""

from __future__ import annotations

import errno
import io
import re
import string
import time
from pathlib import Path
from typing import Any

import pytest

from mailcore.queue.store import QueueStore
from mailcore.webmail.mailview import format_size
from mailcore.webmail.wording import too_large
from netcore.checks.verdict_messages import ENGLISH, Msg
from netcore.plan import PlanError, build_plan
from netcore.profiles import ProfileError, load_profile
from pmemail.app import config_texts, queue_texts, service_texts
from pmemail.app.formatting import duration, size
from pmemail.app.forwarding_status import monitor_event_text, monitor_events
from pmemail.app.verdict_texts import FRENCH, sayer
from pmemail.cli import ports_cmd
from pmemail.cli.context import CommandError, Context
from pmemail.cli.main import main
from pmemail.cli.serve_cmd import _worded
from pmemail.config import save_config
from pmemail.serve.router_monitor import RouterMonitorService
from tests.config_factory import write_config
from tests.french_screen_support import english_words

# flags, paths and config keys (server.mail_engine) are data, not sentences
_DATA = re.compile(r"--[\w-]+|\S*/\S*")
_KEYS = re.compile(r"\b\w+(?:[._]\w+)+\b")


def _english(text: str) -> list[str]:
    return [
        line for line in text.splitlines() if english_words(_KEYS.sub(" ", _DATA.sub(" ", line)))
    ]


def _run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str]:
    code = main(["--lang", "fr", "--config", str(config), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_cli_sweep_says_no_english_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """status, ports plan, users, collector, backup, dns, cert, queue; a missing, a bad config."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    setup = write_config(tmp_path / "office")
    config = setup.path
    queue = QueueStore(setup.paths.queue)
    mail = tmp_path / "m.eml"
    mail.write_bytes(b"Subject: x\r\n\r\nhello\r\n")
    queue.add(mail, "marie@example.be", ["bob@remote.test"])
    said: list[str] = []
    for args in (
        ["status"],
        ["ports", "plan", "--lan-ip", "192.168.1.20"],
        ["users", "list"],
        ["collector", "held"],
        ["backup"],
        ["dns", "records"],
        ["cert", "status"],
        ["queue", "list"],
        ["queue", "delete", "nosuchid99"],
    ):
        _code, text = _run(capsys, config, *args)
        said.append(text)
    joined = "\n".join(said)
    assert "pmemail serve n'est pas en marche (aucun serveur sur" in joined
    assert "plan des ports (cet ordinateur : 192.168.1.20)" in joined
    assert " octets  de <marie@example.be>" in joined and "en attente" in joined
    assert "aucun message de la file n'a l'identifiant nosuchid99" in joined
    assert re.search(r"archive de \d+,\d k?o", joined), joined
    missing = tmp_path / "absent.toml"
    code, text = _run(capsys, missing, "users", "list")
    assert code == 78 and "erreur de configuration" in text and "n'existe pas" in text
    said.append(text)
    bad = tmp_path / "bad.toml"
    bad.write_text("[mail]\ndomain = 5\n", encoding="utf-8")
    code, text = _run(capsys, bad, "status")
    assert code == 78 and "mail.domain : attendu un texte, reçu 5" in text
    said.append(text)
    for body, expected in (
        ("[mail]\nmax_message_size = [1]\n", "attendu un nombre entier 1024-"),
        ("[mail]\ncolour = 1\n", "mail.colour : clé inconnue (connues ici : "),
        ("[server]\nmail_engine = 2\n", 'valeurs "pmemail" ou "postfix-dovecot", reçu 2'),
        ("[mail]\ndomain = {a = 1}\n", "attendu un texte, reçu une table"),
    ):
        bad.write_text(body, encoding="utf-8")
        code, text = _run(capsys, bad, "status")
        assert code == 78 and expected in text, text
        said.append(text.split(" (connues ici")[0])  # the known keys are key names: data
    assert _english("\n".join(said)) == []


def test_bad_address_in_the_plan_is_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PlanError carries its message id: ``ports plan`` words it in French."""
    setup = write_config(tmp_path)
    setup.config.ports.smtp.internal_host = "serveur"
    save_config(setup.path, setup.config)
    code, text = _run(capsys, setup.path, "ports", "plan", "--lan-ip", "192.168.1.20")
    assert code == 2
    assert "ports.smtp.internal_host : 'serveur' n'est pas une adresse IPv4" in text
    assert _english(text) == []
    with pytest.raises(PlanError) as caught:
        build_plan(setup.config, "192.168.1.20")
    assert "is not an IPv4 address" in str(caught.value)  # the English stays for the logs


def test_ports_profile_warning_and_system_error_in_french(tmp_path: Path) -> None:
    """The unknown router profile's warning, and an OSError framed with what was tried."""
    setup = write_config(tmp_path, {"isp": {"router_profile": "grille-pain"}})
    out = io.StringIO()
    ctx = Context(config_path=setup.path, language_flag="fr", out=out)
    profile = ports_cmd._profile(ctx)
    assert profile is not None  # the generic profile, after the warning
    warning = out.getvalue()
    assert warning.startswith("attention : aucun profil de routeur 'grille-pain'")
    assert _english(warning) == []

    def refused() -> None:
        raise PermissionError(errno.EACCES, "Permission non accordée", "/var/lib/x/state.json")

    with pytest.raises(CommandError) as caught:
        ports_cmd._guarded(ctx, refused, "apply")
    assert str(caught.value) == (
        "impossible de rediriger les ports : /var/lib/x/state.json: Permission non accordée"
    )
    with pytest.raises(ProfileError) as unknown:
        load_profile("grille-pain")
    assert unknown.value.msg.id == "fwd.profile.unknown"
    assert str(unknown.value).startswith("no router profile 'grille-pain'; known: ")


class _Checks:
    """A monitor's ``check_once`` answering prepared results (pure logic: no router)."""

    def __init__(self, *results: dict[str, Any]) -> None:
        self.results = list(results)

    def check_once(self) -> dict[str, Any]:
        result = self.results.pop(0)
        if isinstance(result.get("raise"), Exception):
            raise result["raise"]
        return result


async def test_router_monitor_events_are_message_ids_worded_in_french(tmp_path: Path) -> None:
    """Restored, renewed, rebooted, a refusal with its id, a failed check: French sentences."""
    refusal = Msg("fwd.pmp.quota")
    plan_error = Msg("fwd.plan.not_ipv4", {"where": "ports.smtp.internal_host", "value": "'x'"})
    monitor = _Checks(
        {
            "checked_at": time.time(),
            "router_rebooted": True,
            "restored": ["25/TCP"],
            "renewed": ["143/TCP"],
            "failed": [
                {"key": "993/TCP", "message": refusal.english(), "msg": refusal.to_dict()},
                {"key": "110/TCP", "message": "a plain reason"},
            ],
        },
        {
            "checked_at": time.time(),
            "failed": [{"key": "", "message": plan_error.english(), "msg": plan_error.to_dict()}],
        },
        {"raise": ConnectionResetError("reset")},
    )
    service = RouterMonitorService(monitor, 60.0)  # type: ignore[arg-type]
    for _ in range(3):
        await service.check()
    status = service.status()
    texts = [e.text for e in monitor_events([{"name": "router", **status}], "fr")]
    assert texts[:3] == [
        "le routeur a redémarré : pmemail lui redemande ses redirections",
        "le routeur avait perdu la redirection 25/TCP : rétablie",
        "la redirection 143/TCP du routeur a été renouvelée",
    ]
    assert texts[3] == (
        "la redirection 993/TCP du routeur n'a pas pu être maintenue : le quota de "
        "redirections du routeur pour cet ordinateur est épuisé"
    )
    assert texts[4].endswith(": a plain reason")  # no id: the router's own words, as data
    assert texts[5] == (
        "la vérification du routeur a échoué : ports.smtp.internal_host : 'x' n'est pas une "
        "adresse IPv4 (le routeur redirige vers une adresse du réseau local comme 192.168.1.20)"
    )
    assert texts[6].startswith("la vérification du routeur a échoué : ConnectionResetError")
    assert status["last_event"] == status["events"][-1]
    english = monitor_event_text(status["events"][1], "en")
    assert english == "the router had lost the mapping 25/TCP: restored"
    ctx = Context(config_path=write_config(tmp_path).path, language_flag="fr")
    shown = _worded(ctx, {"name": "router", "state": "running", **status})
    assert "events" not in shown
    assert shown["last_event"].startswith("la vérification du routeur a échoué")


def test_sizes_and_durations_in_french() -> None:
    """The webmail's "4,8 Mo", the CLI's "7,0 ko", "3j 4h"; English unchanged."""
    assert format_size(int(4.8 * 1024 * 1024), "fr") == "4,8 Mo"
    assert format_size(int(4.8 * 1024 * 1024)) == "4.8 MB"
    assert format_size(12 * 1024, "fr") == "12 Ko" and format_size(512, "fr") == "512 o"
    assert "jusqu'à 64 Ko" in too_large("fr", 64 * 1024)
    assert size(7_000, "fr") == "7,0 ko" and size(7_000) == "7.0 kB"
    assert size(12, "fr") == "12 o" and size(3 * 10**12, "fr") == "3000,0 Go"
    assert duration(3 * 86400 + 4 * 3600, "fr") == "3j 4h"
    assert duration(3 * 86400 + 4 * 3600) == "3d 4h"
    assert duration(250, "fr") == "4min 10s"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("catalogue", [queue_texts.TEXTS, config_texts.TEXTS, service_texts.TEXTS])
def test_new_catalogues_have_both_languages(catalogue: dict[str, dict[str, str]]) -> None:
    """Each id: English and French, with the same placeholders."""
    for msgid, texts in catalogue.items():
        assert set(texts) == {"en", "fr"}, msgid
        assert _fields(texts["en"]) == _fields(texts["fr"]), msgid


def test_forwarding_ids_added_here_have_french() -> None:
    """The plan's, the profile's, the system errors' and the monitor's ids: both languages."""
    ids = [k for k in ENGLISH if k.startswith(("fwd.plan.", "fwd.profile.", "fwd.os.", "fwd.mon"))]
    assert len(ids) >= 15
    for msgid in ids:
        assert msgid in FRENCH, msgid
        assert _fields(ENGLISH[msgid]) == _fields(FRENCH[msgid]), msgid
    assert sayer("fr")(Msg("fwd.line.profile_warning", {"reason": "x"})) == "attention : x"


async def test_dashboard_network_panel_words_the_monitor_events_in_french() -> None:
    """The Ports tab's network panel: the monitor's events as French sentences."""
    from textual.app import App, ComposeResult

    from pmemail_tui.i18n import set_language
    from pmemail_tui.widgets.dashboard.network_panel import NetworkPanel
    from tests.french_screen_support import english_lines, screen_lines

    class _Panel(App[None]):
        def compose(self) -> ComposeResult:
            yield NetworkPanel()

    event = {"id": "fwd.monitor.restored", "params": {"mapping": "25/TCP"}, "at": time.time()}
    set_language("fr")
    try:
        async with _Panel().run_test() as pilot:
            panel = pilot.app.query_one(NetworkPanel)
            panel.show(None)
            panel.show_monitor(monitor_events([{"name": "router", "events": [event]}], "fr"))
            await pilot.pause()
            lines = screen_lines(pilot.app.screen)
            assert any("le routeur avait perdu la redirection 25/TCP" in x for x in lines), lines
            assert english_lines(pilot.app.screen) == []
    finally:
        set_language("en")


async def test_dashboard_server_line_says_not_running_in_french(tmp_path: Path) -> None:
    """No server: the snapshot names the reason by id, the server line words it in French."""
    from textual.app import App, ComposeResult

    from pmemail.app.status_snapshot import LocalProbe
    from pmemail_tui.i18n import set_language
    from pmemail_tui.widgets.dashboard.panels import ServerBar
    from tests.french_screen_support import english_lines, screen_lines

    setup = write_config(tmp_path)
    snap = LocalProbe(setup.config, setup.paths).snapshot()
    assert not snap.running and snap.reason_key == "server.not_running"

    class _Bar(App[None]):
        def compose(self) -> ComposeResult:
            yield ServerBar()

    set_language("fr")
    try:
        async with _Bar().run_test() as pilot:
            pilot.app.query_one(ServerBar).show(snap)
            await pilot.pause()
            lines = screen_lines(pilot.app.screen)
            assert any("pmemail serve n'est pas en marche" in x for x in lines), lines
            assert english_lines(pilot.app.screen) == []
    finally:
        set_language("en")


def test_status_against_a_mute_socket_says_why_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A control socket that closes without answering: the refusal is a French sentence."""
    import socket
    import threading

    setup = write_config(tmp_path)
    path = setup.paths.control_socket
    path.parent.mkdir(parents=True, exist_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)

        def hang_up() -> None:
            conn, _ = server.accept()
            conn.recv(65536)  # the request read, then no answer
            conn.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        code, text = _run(capsys, setup.path, "status")
        thread.join(10)
    assert code == 2
    assert "le serveur a fermé la connexion sans répondre" in text
    assert _english(text) == []


def _model_docs() -> set[str]:
    """Every doc of the config model, nested tables and table lists included."""
    import dataclasses
    import typing

    from pmemail.config.model import Config

    docs: set[str] = set()

    def walk(cls: type) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.metadata.get("doc"):
                docs.add(f.metadata["doc"])
            for kind in (hints[f.name], *typing.get_args(hints[f.name])):
                if dataclasses.is_dataclass(kind) and isinstance(kind, type):
                    walk(kind)

    walk(Config)
    return docs


def test_every_config_doc_has_its_french() -> None:
    """A new key cannot print English in ``pmemail --lang fr config show``."""
    from pmemail.config.docs_fr import french_doc, french_docs

    docs = _model_docs()
    assert len(docs) >= 150
    missing = [d for d in docs if french_doc(d) == d and d not in french_docs().values()]
    assert missing == []


# in the comments: key names, dotted keys, the values a key takes and the example's
# key = value lines are data
_CONFIG_DATA = re.compile(r'\b\w+(?:[._]\w+)+\b|\b(?:none|yes|no)\b|^# \w+ = ("[^"]*"|\S+)')


def test_config_show_comments_in_french(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``config show`` in French: every comment line; the file on disk keeps its English."""
    setup = write_config(tmp_path)
    code, text = _run(capsys, setup.path, "config", "show")
    assert code == 0
    assert "# Configuration de pmemail. Chaque clé est facultative" in text
    comments = [line for line in text.splitlines()[1:] if line.startswith("#")]
    assert len(comments) > 100
    english = [c for c in comments if english_words(_CONFIG_DATA.sub(" ", _DATA.sub(" ", c)))]
    assert english == []
    assert "# pmemail configuration. Every key is optional" in setup.path.read_text()


def test_doctor_row_marks_in_french() -> None:
    """The doctor's table: each row's mark in the language too."""
    from netcore.checks.result import CheckResult
    from pmemail.cli.doctor_cmd import _row

    failed = CheckResult("lan", "LAN", "fail", "no default route")
    skipped = CheckResult("lan", "LAN", "skipped", "not checked")
    assert _row(failed, "fr").startswith("ÉCHEC ") and _row(skipped, "fr").startswith("omis  ")
    assert _row(failed).startswith("FAIL  ")

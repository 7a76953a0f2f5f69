"""Issue 17: the whole wizard in French, in a real terminal, inside the router lab.

``pmemail --lang fr`` runs in tmux inside ``lab-lan`` (the office's mail
server behind a stock miniupnpd router) and is driven with keys and mouse
clicks only: welcome → network → checks → domain → ports → forward (mapped
by UPnP) → outbound → users → launch (the service enabled through a fake
``systemctl``) → summary (the verdict taken after the launch, with its time)
→ dashboard, where a user is added who then logs in over IMAP.

Every screen is read as the admin sees it (``capture-pane``) and must hold
no English sentence (:mod:`tests.french_screen_support`'s detector). Waits
poll for the screen's content; nothing is timed.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pmemail.app.server_process import server_pid, stop_server
from pmemail.app.wizard_state import load_state
from pmemail.config import DataPaths, load_config
from tests.fake_systemctl import FakeSystemctl, install_fake_systemctl
from tests.french_screen_support import english_words
from tests.lab import Lab, RouterConfig
from tests.lab.constants import LAN_PC, NS_LAN, NS_PC
from tests.lab.process import kill_pids
from tests.tmux_support import ROOT, Terminal
from tests.tui_wizard_lab import LOCAL, lab_config

pytestmark = [
    pytest.mark.lab,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]
WAIT = 90.0
IMAP_PORT = LOCAL["imap"][1]
PASSWORD = "Lune-Orange-Velo-42"
# The lab router's own model name (UPnP modelName), shown as it is: data, not a sentence.
ROUTER_MODEL = "Debian router"
FIELD = 22  # columns from a form row's label into its field (labels are 20 wide)

# pmemail inside lab-lan, in a mount namespace of its own where the system unit
# directory is the test's: the service is installed and "enabled" for real
# (by the fake systemctl first on PATH) without touching the machine's systemd.
LAUNCHER = """\
export PATH={bin}:$PATH PYTHONPATH={root}
exec ip netns exec {ns} unshare -m --propagation private \\
    sh -c 'mount --bind "$0" /etc/systemd/system && exec "$@"' {units} "$@"
"""


class FrenchWalk:
    """The terminal, and every screen read so far with the English lines it held."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.english: list[str] = []

    def shows(self, text: str, timeout: float = WAIT) -> str:
        """Wait for ``text``, then read the whole screen for English."""
        screen = self.terminal.wait_for(text, timeout)
        for line in screen.splitlines():
            words = english_words(line.replace(ROUTER_MODEL, ""))
            if words:
                self.english.append(f"[{text}] {line.strip()!r}: {words}")
        return screen

    def step(self, n: int, title: str) -> str:
        """The wizard's step ``n`` is on screen."""
        return self.shows(f"Étape {n} sur 10 · {title}")


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSystemctl:
    units = tmp_path / "units"
    units.mkdir()
    return install_fake_systemctl(tmp_path, units, monkeypatch)


@pytest.fixture
def terminal(router: Lab, tmp_path: Path, fake: FakeSystemctl) -> Iterator[Terminal]:
    config = lab_config(tmp_path)
    launcher = tmp_path / "launcher.sh"
    launcher.write_text(
        LAUNCHER.format(bin=fake.home / "bin", root=ROOT, ns=NS_LAN, units=tmp_path / "units")
    )
    term = Terminal(config, launcher=f"sh {launcher}", args="--lang fr", size=(120, 40))
    try:
        yield term
    finally:
        term.kill()
        _stop_server(config)


def _stop_server(config_path: Path) -> None:
    """The server the fake systemctl started (in lab-lan), ended by its pid."""
    config = load_config(config_path)
    paths = DataPaths.from_config(config, config_path)
    pid = server_pid(paths)
    if pid is not None:
        try:
            stop_server(config, paths)
        except Exception:  # a server that does not answer is killed below
            pass
        kill_pids([pid])


def _imap_login(router: Lab, address: str, password: str) -> str:
    """Log in over IMAP from lab-lan (the server's own machine) and list INBOX."""
    code = f"""
import imaplib, json, ssl
imap = imaplib.IMAP4("127.0.0.1", {IMAP_PORT})
if "STARTTLS" in imap.capabilities:
    imap.starttls(ssl._create_unverified_context())
typ, _ = imap.login({address!r}, {password!r})
status, data = imap.select("INBOX")
imap.logout()
print(json.dumps(typ + " " + status))
"""
    return str(router.run_python(NS_LAN, code, timeout=30))


def _checked_after(config_path: Path) -> str:
    """After which step the latest checks ran (the launch step runs them again)."""
    state = load_state(config_path.parent / "data" / "state")
    return str(state.answers.get("checks", {}).get("checked_after", ""))


def _until(what: str, condition: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("router", [RouterConfig(secure_mode=False)], indirect=True)
def test_french_wizard_in_the_lab_to_a_running_service(
    router: Lab, terminal: Terminal, fake: FakeSystemctl
) -> None:
    router.serve_banner(NS_PC, [3389], name="pc")  # the remote desktop PC answers
    walk = FrenchWalk(terminal)
    terminal.start()
    walk.step(1, "Bienvenue")
    terminal.keys("PageDown")
    walk.step(2, "Réseau")
    screen = walk.shows("passerelle 192.168.2.1")
    screen = walk.shows("UPnP")  # the router row once the router answered
    assert "Debian Debian" not in screen, screen
    terminal.keys("PageDown")
    walk.step(3, "Vérification de l'abonnement internet")
    walk.shows("Verdict")
    screen = walk.shows("Relancer les vérifications")
    terminal.keys("PageDown")
    walk.step(4, "Domaine et DNS")
    terminal.fill("Domaine :", "bureau.be", right=FIELD)
    terminal.fill("Nom du serveur :", "mail.bureau.be", right=FIELD)
    walk.shows("bureau.be. IN MX 10 mail.bureau.be.")
    terminal.keys("PageDown")
    walk.step(5, "Plan des ports")
    terminal.fill("Adresse du PC :", LAN_PC, right=FIELD)
    walk.shows(LAN_PC)
    terminal.keys("PageDown")
    walk.step(6, "Redirection sur le routeur")
    terminal.click("Ouvrir les ports sur le routeur")
    screen = walk.shows(f"redirigé par UPNP vers {LAN_PC}:3389")
    terminal.keys("PageDown")
    walk.step(7, "Courrier sortant")
    terminal.keys("PageDown")
    walk.step(8, "Utilisateurs")
    terminal.fill("Nom :", "Marie Dupont", right=FIELD)
    terminal.fill("Adresse :", "marie", right=FIELD)
    terminal.fill("Mot de passe :", PASSWORD, right=FIELD, secret=True)
    terminal.click("Ajouter cet utilisateur")
    walk.shows("marie@bureau.be")
    terminal.keys("PageDown")
    walk.step(9, "Démarrage")
    terminal.click("Démarrer à chaque boot")
    walk.shows("redémarre tout seul")
    assert {"enable", "start"} <= set(fake.verbs()), fake.verbs()
    _until("the checks after the launch", lambda: _checked_after(terminal.config) == "launch")
    terminal.keys("PageDown")
    walk.step(10, "Résumé")
    screen = walk.shows("après l'étape « Démarrage »")
    verdict = next(line for line in screen.splitlines() if "Dernières vérifications" in line)
    assert re.search(r"\d{1,2}:\d{2}", verdict), verdict
    terminal.keys("PageDown")
    walk.shows("Vue d'ensemble")
    terminal.keys("6")
    terminal.click("Ajouter")
    walk.shows("Nouvelle boîte aux lettres")
    terminal.fill("Adresse (nom@domaine)", "jean@bureau.be", below=1)
    terminal.fill("Nom complet", "Jean Peeters", below=1)
    terminal.fill("Mot de passe (au moins", PASSWORD, below=1, secret=True)
    terminal.keys("Enter")  # Enter in a field is OK
    walk.shows("jean@bureau.be")
    assert not walk.english, "\n".join(walk.english)
    assert _imap_login(router, "jean@bureau.be", PASSWORD) == "OK OK"

"""``pmemail --lang fr users …`` and ``service install|enable``: every line in French.

The commands run in-process through the CLI's ``main``, as the other CLI tests
do; :func:`tests.french_screen_support.english_words` names any English word
left, once flags and paths (data) are taken out.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from pmemail.app import service_account, service_unit
from pmemail.cli.main import main
from tests.config_factory import write_config
from tests.fake_systemctl import install_fake_systemctl
from tests.french_screen_support import english_words

# flags (--remove, --user), paths (/tmp/pytest-of-root/...) and the subcommand a refusal
# names as typed ("pmemail: alias add: ...") are data, not sentences
_DATA = re.compile(r"--[\w-]+|\S*/\S*|^pmemail: [a-z ]+:")


def _english(text: str) -> list[str]:
    return [line for line in text.splitlines() if english_words(_DATA.sub(" ", line))]


class _Cli:
    """Runs ``pmemail --lang fr --config CONFIG ARGS`` in-process; keeps every line."""

    def __init__(
        self, config: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch
    ) -> None:
        self.config, self.capsys, self.mp = config, capsys, mp
        self.lines: list[str] = []

    def __call__(self, *args: str, code: int = 0, stdin: str = "") -> str:
        self.mp.setattr("sys.stdin", io.StringIO(stdin))
        assert main(["--lang", "fr", "--config", str(self.config), *args]) == code, args
        out = self.capsys.readouterr()
        self.lines += [out.out, out.err]
        return out.out + out.err


def test_users_commands_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results and refusals of add, passwd, protocol, remove, alias and catch-all."""
    cli = _Cli(write_config(tmp_path).path, capsys, monkeypatch)
    pw = "--password-stdin"
    marie, secret = "marie@example.be", "un secret bien long\n"
    assert "aucun utilisateur pour l'instant" in cli("users", "list")
    assert "marie@example.be ajouté (imap)" in cli("users", "add", marie, pw, stdin=secret)
    assert "existe déjà" in cli("users", "add", marie, pw, code=2)
    assert "n'est pas géré ici" in cli("users", "add", "zoe@far.test", pw, code=2)
    assert "mot de passe vide" in cli("users", "add", "zoe", pw, stdin="\n", code=2)
    assert "utilisateur inconnu" in cli("users", "passwd", "zoe@example.be", pw, code=2)
    assert "mot de passe modifié" in cli("users", "passwd", marie, pw, stdin=secret)
    assert "relève maintenant son courrier en pop3" in cli("users", "protocol", marie, "pop3")
    cli("users", "alias", "add", "info@example.be", marie)
    assert "vers lui-même" in cli("users", "alias", "add", marie, marie, code=2)
    assert "alias inconnu" in cli("users", "alias", "remove", marie, code=2)
    assert "alias info@example.be supprimé" in cli("users", "alias", "remove", "info@example.be")
    assert "alias inconnu" in cli("users", "alias", "remove", "info@example.be", code=2)
    assert "donnez soit une CIBLE" in cli("users", "alias", "catchall", "example.be", code=2)
    assert "fourre-tout de example.be" in cli("users", "alias", "catchall", "example.be", marie)
    assert "supprimée" in cli("users", "alias", "catchall", "example.be", "--remove")
    assert "son courrier reste sur le disque" in cli("users", "remove", marie)
    assert "utilisateur inconnu" in cli("users", "remove", marie, code=2)
    assert _english("\n".join(cli.lines)) == []


def test_service_install_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user unit written, then refused as existing; a system unit the account cannot run."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    cli = _Cli(write_config(tmp_path).path, capsys, monkeypatch)
    written = cli("service", "install", "--user")
    assert "(non activé)" in written and "pour le démarrer maintenant" in written
    assert "existe déjà" in cli("service", "install", "--user", code=1)

    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    monkeypatch.setattr(service_unit, "SYSTEM_UNIT_DIR", closed / "units")
    monkeypatch.setattr(service_account, "_run", _no_useradd)
    system = _Cli(
        write_config(closed, {"server": {"user": "pmemail-unit-test"}}).path, capsys, monkeypatch
    )
    assert "ne pourrait pas lire" in system("service", "install", code=2)
    assert _english("\n".join(cli.lines + system.lines)) == []


def test_service_enable_without_systemd_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """systemctl answering "offline" (a container): what to run at boot, in French."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    fake = install_fake_systemctl(tmp_path, tmp_path / "xdg" / "systemd" / "user", monkeypatch)
    fake.go_offline()
    cli = _Cli(write_config(tmp_path).path, capsys, monkeypatch)
    assert "ne fait pas tourner systemd" in cli("service", "enable", "--user", code=1)
    assert _english("\n".join(cli.lines)) == []


def test_refusal_reasons_are_message_ids() -> None:
    """The account and unit refusals carry an id; ``str()`` stays the English sentence."""
    err = service_account.AccountError("service.no_useradd", user="pmemail")
    assert str(err) == "cannot create user 'pmemail': useradd is not installed"
    assert (
        err.text("fr") == "impossible de créer l'utilisateur 'pmemail' : useradd n'est pas installé"
    )
    refused = service_unit.UnitRefused("service.cannot_write", path="/etc/systemd/system")
    assert "permission refusée" in refused.text("fr")


def _no_useradd(command: object) -> object:
    raise AssertionError(f"ran {command}")

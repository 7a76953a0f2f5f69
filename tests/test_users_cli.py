"""``pmemail users ...``: add/list/passwd/remove/protocol/alias/catchall, and bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mailcore.users import UserStore
from pmemail.cli.main import main
from pmemail.config.paths import DataPaths
from tests.config_factory import write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config file with two local domains and an empty data dir."""
    return write_config(tmp_path, {"mail": {"extra_domains": ["example.org"]}}).path


def store(config: Path) -> UserStore:
    """The user store the CLI writes to."""
    return UserStore(DataPaths(config.parent / "data").users_db, ["example.be", "example.org"])


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    config: Path,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    """``pmemail --config CONFIG users ARGV`` in process; (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--config", str(config), "users", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def list_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, config: Path
) -> dict[str, object]:
    code, out, _ = run(capsys, monkeypatch, config, "list", "--json")
    assert code == 0
    doc = json.loads(out)
    assert isinstance(doc, dict)
    return doc


def test_add_list_passwd_protocol_remove(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The life of a user, checked through --json and the store's own login check."""
    code, out, _ = run(
        capsys,
        monkeypatch,
        config,
        "add",
        "Alice@Example.BE",
        "--password-stdin",
        "--name",
        "Alice A.",
        stdin="first-pw\n",
    )
    assert code == 0 and "alice@example.be" in out
    assert (
        run(
            capsys,
            monkeypatch,
            config,
            "add",
            "bob@example.org",
            "--protocol",
            "pop3",
            "--password-stdin",
            stdin="bob-password\n",
        )[0]
        == 0
    )
    doc = list_json(capsys, monkeypatch, config)
    assert doc["domains"] == ["example.be", "example.org"]
    assert doc["users"] == [
        {"address": "alice@example.be", "protocol": "imap", "name": "Alice A."},
        {"address": "bob@example.org", "protocol": "pop3", "name": ""},
    ]
    assert doc["aliases"] == [] and doc["catchall"] == {}
    assert store(config).authenticate("alice@example.be", "first-pw") is not None

    assert (
        run(
            capsys,
            monkeypatch,
            config,
            "passwd",
            "alice@example.be",
            "--password-stdin",
            stdin="second-pw\n",
        )[0]
        == 0
    )
    assert store(config).authenticate("alice@example.be", "first-pw") is None
    assert store(config).authenticate("alice@example.be", "second-pw") is not None

    assert run(capsys, monkeypatch, config, "protocol", "alice@example.be", "pop3")[0] == 0
    code, out, _ = run(capsys, monkeypatch, config, "remove", "bob@example.org")
    assert code == 0 and "mail stays on disk" in out
    users = list_json(capsys, monkeypatch, config)["users"]
    assert users == [{"address": "alice@example.be", "protocol": "pop3", "name": "Alice A."}]


def test_aliases_and_catchall(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """alias add/list/remove and catchall set/remove, seen by the resolver too."""
    run(
        capsys,
        monkeypatch,
        config,
        "add",
        "alice@example.be",
        "--password-stdin",
        stdin="long enough pw\n",
    )
    assert (
        run(capsys, monkeypatch, config, "alias", "add", "Info@example.be", "alice@example.be")[0]
        == 0
    )
    assert (
        run(capsys, monkeypatch, config, "alias", "add", "sales@example.org", "info@example.be")[0]
        == 0
    )
    code, out, _ = run(capsys, monkeypatch, config, "alias", "list", "--json")
    assert code == 0
    assert json.loads(out) == {
        "aliases": [
            {"alias": "info@example.be", "target": "alice@example.be"},
            {"alias": "sales@example.org", "target": "info@example.be"},
        ],
        "catchall": {},
    }
    assert store(config).resolve("sales@example.org") == ["alice@example.be"]

    assert (
        run(capsys, monkeypatch, config, "alias", "catchall", "example.org", "alice@example.be")[0]
        == 0
    )
    assert store(config).resolve("anything@example.org") == ["alice@example.be"]
    assert list_json(capsys, monkeypatch, config)["catchall"] == {"example.org": "alice@example.be"}
    assert run(capsys, monkeypatch, config, "alias", "catchall", "example.org", "--remove")[0] == 0
    assert store(config).resolve("anything@example.org") is None

    assert run(capsys, monkeypatch, config, "alias", "remove", "sales@example.org")[0] == 0
    code, out, _ = run(capsys, monkeypatch, config, "alias", "list")
    assert code == 0 and "sales@" not in out and "info@example.be" in out


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (
            ("add", "two words", "--password-stdin"),
            "long enough pw\n",
            "cannot be the part before @",
        ),
        (
            ("add", "bob@elsewhere.test", "--password-stdin"),
            "long enough pw\n",
            "domain is not local",
        ),
        (("add", "bob%other@example.be", "--password-stdin"), "long enough pw\n", "part before @"),
        (
            ("add", "andré", "--password-stdin"),
            "long enough pw\n",
            "for example “andre@example.be”",
        ),
        (("add", "bob", "--password-stdin"), "short\n", "at least 8 characters (5 given)"),
        (("add", "bob", "--password-stdin"), "Azerty123\n", "most common ones"),
        (("add", "bobby.smith", "--password-stdin"), "bobby.smith\n", "not be the address"),
        (("passwd", "alice@example.be", "--password-stdin"), "1234567\n", "at least 8"),
        (("add", "alice@example.be", "--password-stdin"), "long enough pw\n", "already exists"),
        (("add", "new@example.be", "--password-stdin"), "\n", "empty password"),
        (("passwd", "ghost@example.be", "--password-stdin"), "long enough pw\n", "no such user"),
        (("remove", "ghost@example.be"), "", "no such user"),
        (("protocol", "ghost@example.be", "imap"), "", "no such user"),
        (("alias", "add", "x@example.be", "ghost@example.be"), "", "neither a user nor an alias"),
        (("alias", "add", "alice@example.be", "alice@example.be"), "", "cannot point to itself"),
        (("alias", "add", "x@remote.test", "alice@example.be"), "", "domain is not local"),
        (("alias", "remove", "ghost@example.be"), "", "no such alias"),
        (("alias", "catchall", "example.be"), "", "either a TARGET or --remove"),
        (("alias", "catchall", "remote.test", "alice@example.be"), "", "domain is not local"),
    ],
)
def test_bad_input_one_clear_line(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
    stdin: str,
    message: str,
) -> None:
    """Every refusal: non-zero exit, one line on stderr naming the problem, no traceback."""
    run(
        capsys,
        monkeypatch,
        config,
        "add",
        "alice@example.be",
        "--password-stdin",
        stdin="long enough pw\n",
    )
    code, out, err = run(capsys, monkeypatch, config, *argv, stdin=stdin)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


def test_real_process_reads_password_from_pipe(config: Path) -> None:
    """The installed entry point, as a script would call it: password on a pipe."""
    cmd = [sys.executable, "-m", "pmemail", "--config", str(config), "users"]
    added = subprocess.run(
        [*cmd, "add", "carol@example.be", "--password-stdin"],
        input="carol-pw\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    assert store(config).authenticate("carol@example.be", "carol-pw") is not None
    refused = subprocess.run(
        [*cmd, "add", "carol@example.be", "--password-stdin"],
        input="x\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == ["pmemail: add: carol@example.be already exists"]


def test_a_bare_name_gets_the_mail_domain(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``users add marie`` adds marie@<mail.domain>, as the wizard does."""
    code, out, _ = run(
        capsys, monkeypatch, config, "add", "Marie", "--password-stdin", stdin="long enough pw\n"
    )
    assert code == 0 and "marie@example.be" in out
    assert store(config).authenticate("marie@example.be", "long enough pw") is not None

"""The backup store without a server: incremental chains, retention, a full disk, age.

The server-side acceptance (backup while serving, restore, same UIDs) is in
``test_backup_restore.py``; these check the storage rules one at a time.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mailcore.backup import archive
from mailcore.backup.errors import BackupError
from mailcore.backup.manifest import complete_backups, load
from mailcore.backup.restore import restore
from mailcore.backup.state import read_state
from mailcore.backup.writer import BackupSettings, make_backup
from pmemail.app.backup_actions import error_text, run_backup, say
from pmemail.app.backup_texts import TEXTS
from pmemail.app.cert_wording import placeholders
from pmemail.config.paths import DataPaths
from tests.config_factory import make_config

BOX = "mail/example.be/alice"


def _data(root: Path) -> Path:
    for sub in ("cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"):
        (root / BOX / sub).mkdir(parents=True, exist_ok=True)
    (root / BOX / "cur" / "1.a,S=5:2,S").write_bytes(b"hello")
    (root / BOX / "tmp" / "2.half").write_bytes(b"not delivered yet")
    (root / "logs").mkdir(exist_ok=True)
    (root / "logs" / "pmemail.log").write_text("noise\n")
    with sqlite3.connect(root / "users.sqlite3") as db:
        db.execute("CREATE TABLE IF NOT EXISTS users (address TEXT)")
        db.execute("INSERT INTO users VALUES ('alice@example.be')")
    return root


def _settings(tmp_path: Path, **kw: Any) -> BackupSettings:
    return BackupSettings(tmp_path / "backups", **kw)


def test_incremental_stores_only_changes_and_follows_flag_renames(tmp_path: Path) -> None:
    """A renamed (flagged) message is not stored again; a new one is; the restore has both."""
    root = _data(tmp_path / "data")
    settings = _settings(tmp_path)
    first = make_backup(root, None, settings)
    assert first.manifest.kind == "full" and first.stored_files == 2
    cur = root / BOX / "cur"
    os.rename(cur / "1.a,S=5:2,S", cur / "1.a,S=5:2,FS")
    (root / BOX / "new" / "3.b,S=3").write_bytes(b"new")
    second = make_backup(root, None, settings)
    assert second.manifest.kind == "incremental"
    # the new message, and the users db only if its snapshot changed (it did not)
    assert second.stored_files == 1
    target = tmp_path / "restored"
    restore(settings.dest, target, None)
    assert (target / BOX / "cur" / "1.a,S=5:2,FS").read_bytes() == b"hello"
    assert (target / BOX / "new" / "3.b,S=3").read_bytes() == b"new"
    assert (target / BOX / "tmp").is_dir() and not any((target / BOX / "tmp").iterdir())
    assert (target / BOX / ".Sent" / "cur").is_dir()  # an empty folder comes back too
    assert not (target / "logs").exists()
    with sqlite3.connect(target / "users.sqlite3") as db:
        assert db.execute("SELECT address FROM users").fetchall() == [("alice@example.be",)]


def test_full_every_and_retention_keep_what_kept_backups_need(tmp_path: Path) -> None:
    """keep=1, full_every=2: full, incr, full: the first chain goes once the new full is in."""
    root = _data(tmp_path / "data")
    settings = _settings(tmp_path, keep=1, full_every=2)
    a = make_backup(root, None, settings)
    b = make_backup(root, None, settings)
    assert b.manifest.kind == "incremental" and b.removed == []  # b reads from a
    c = make_backup(root, None, settings)
    assert c.manifest.kind == "full"
    assert sorted(c.removed) == sorted([a.manifest.name, b.manifest.name])
    assert [p.name for p in complete_backups(settings.dest)] == [c.manifest.name]


def test_disk_full_keeps_the_previous_backup_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while writing the archive: no partial directory, the previous one intact."""
    paths = DataPaths(_data(tmp_path / "data"))
    setup = make_config(tmp_path, {"backup": {"dir": str(tmp_path / "backups")}})
    good = run_backup(setup.config, None, paths)
    (paths.root / BOX / "new" / "4.c,S=2000000").write_bytes(os.urandom(2_000_000))

    real_open = open

    class FullDisk(io.FileIO):
        written = 0

        def write(self, data: Any) -> int:
            FullDisk.written += len(data)
            if FullDisk.written > 100_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    def fake_open(file: Any, mode: str = "r", *args: Any, **kw: Any) -> Any:
        return FullDisk(file, mode) if mode == "xb" else real_open(file, mode, *args, **kw)

    monkeypatch.setattr(archive, "open", fake_open, raising=False)
    with pytest.raises(BackupError) as caught:
        run_backup(setup.config, None, paths)
    monkeypatch.undo()
    err = caught.value
    assert err.msgid == "error.disk_full" and err.params["previous"] == good.manifest.name
    text = error_text(err, "en")
    assert "FAILED" in text and good.manifest.name in text and "intact" in text
    assert "ÉCHOUÉE" in error_text(err, "fr")
    dest = tmp_path / "backups"
    assert [p.name for p in dest.iterdir() if not p.name.startswith(".lock")] == [
        good.manifest.name
    ]
    assert load(dest / good.manifest.name).name == good.manifest.name
    state = read_state(paths.state)
    assert state.last_name == good.manifest.name and state.last_error == "error.disk_full"
    assert (state.last_failure or 0) >= (state.last_success or 0)


@pytest.mark.skipif(shutil.which("age") is None, reason="the age tool is not installed")
def test_age_encrypted_backup_needs_the_identity(tmp_path: Path) -> None:
    """Encrypted to a public key; restored only with the identity file."""
    identity = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    public = next(
        line.split(": ", 1)[1]
        for line in identity.read_text().splitlines()
        if line.startswith("# public key: ")
    )
    root = _data(tmp_path / "data")
    settings = _settings(tmp_path, recipients=(public,), compression="xz")
    done = make_backup(root, None, settings)
    assert done.manifest.archive == "data.tar.xz.age"
    assert b"hello" not in (done.path / done.manifest.archive).read_bytes()
    with pytest.raises(BackupError) as caught:
        restore(settings.dest, tmp_path / "no-key", None)
    assert caught.value.msgid == "error.identity_needed"
    assert not (tmp_path / "no-key").exists()
    restore(settings.dest, tmp_path / "with-key", None, identity)
    assert (tmp_path / "with-key" / BOX / "cur" / "1.a,S=5:2,S").read_bytes() == b"hello"


def test_damaged_archive_is_refused_and_target_untouched(tmp_path: Path) -> None:
    """A flipped byte in a stored file: the restore fails and leaves nothing behind."""
    root = _data(tmp_path / "data")
    settings = _settings(tmp_path, compression="none")
    done = make_backup(root, None, settings)
    tar = done.path / done.manifest.archive
    data = tar.read_bytes()
    tar.write_bytes(data.replace(b"hello", b"jello"))
    with pytest.raises(BackupError) as caught:
        restore(settings.dest, tmp_path / "target", None)
    assert caught.value.msgid == "error.corrupt"
    assert not (tmp_path / "target").exists()
    assert not any(p.name.startswith(".target") for p in tmp_path.iterdir())


def test_every_sentence_in_english_and_french() -> None:
    """Each id has both languages, with the same placeholders."""
    for msgid, texts in TEXTS.items():
        assert set(texts) == {"en", "fr"}, msgid
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), msgid
    assert say("kind.incremental", "fr") == "incrémentale"


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 1 MiB tmpfs (root only): a real full disk, no injection."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr!r}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "age"])
def test_real_full_disk(tmp_path: Path, small_disk: Path, encrypted: bool) -> None:
    """On a really full filesystem: disk_full, the previous backup intact, no partial dir."""
    recipients: tuple[str, ...] = ()
    if encrypted:
        if shutil.which("age") is None:
            pytest.skip("the age tool is not installed")
        identity = tmp_path / "key.txt"
        subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
        text = identity.read_text()
        recipients = (text.split("# public key: ", 1)[1].split()[0],)
    root = _data(tmp_path / "data")
    settings = BackupSettings(small_disk / "backups", recipients=recipients)
    good = make_backup(root, None, settings)
    (root / BOX / "new" / "5.big,S=3000000").write_bytes(os.urandom(3_000_000))
    with pytest.raises(BackupError) as caught:
        make_backup(root, None, settings)
    assert caught.value.msgid == "error.disk_full", caught.value.params
    assert [p.name for p in complete_backups(settings.dest)] == [good.manifest.name]
    assert sorted(p.name for p in settings.dest.iterdir()) == [".lock", good.manifest.name]
    restore(settings.dest, tmp_path / "back", None, tmp_path / "key.txt" if encrypted else None)
    assert (tmp_path / "back" / BOX / "cur" / "1.a,S=5:2,S").read_bytes() == b"hello"


def test_doctor_warns_past_two_periods_with_the_last_error() -> None:
    """ok within two periods; past them (or never) a warning, with the failure in words."""
    from mailcore.backup.state import BackupState
    from pmemail.app.backup_check import judge_backup

    day = 86400.0
    state = BackupState(last_success=1000.0, last_name="20261202T000000Z-full", last_size=2048)
    assert judge_backup(state, day, "/nas", 1000 + 2 * day, "en").status == "ok"
    late = judge_backup(state, day, "/nas", 1000 + 2 * day + 1, "en")
    assert late.status == "warn" and "20261202T000000Z-full" in late.finding
    assert "/nas" in late.advice
    state.last_failure, state.last_error = 1000 + day, "error.disk_full"
    state.last_error_params = {"dest": "/nas", "previous": "20261202T000000Z-full"}
    failed = judge_backup(state, day, "/nas", 1000 + 3 * day, "fr")
    assert failed.status == "warn" and "plein" in failed.finding
    never = judge_backup(BackupState(), day, "/nas", 5.0, "en")
    assert never.status == "warn" and "no backup" in never.finding


def test_handover_sentences_in_english_and_french() -> None:
    """The hand-over's catalogue: both languages, the same placeholders."""
    from pmemail.app.handover_texts import TEXTS as HANDOVER

    for msgid, texts in HANDOVER.items():
        assert set(texts) == {"en", "fr"}, msgid
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), msgid


def test_restore_on_a_new_machine_takes_the_config_from_the_backup(tmp_path: Path) -> None:
    """No config file yet: the backed-up one is written first, its data_dir (relative to
    the file) receives the data; an existing config is kept and the old one put beside it."""
    from pmemail.app.backup_actions import run_restore

    old = tmp_path / "old"
    old.mkdir()
    config = old / "pmemail.toml"
    config.write_text('data_dir = "data"\nlanguage = "fr"\n')
    _data(old / "data")
    settings = _settings(tmp_path)
    make_backup(old / "data", config, settings)
    new_config = tmp_path / "new" / "etc" / "pmemail.toml"
    outcome = run_restore(new_config, settings.dest)
    assert outcome.config_written == new_config
    assert new_config.read_text() == config.read_text()
    assert outcome.data_dir == tmp_path / "new" / "etc" / "data"
    assert (outcome.data_dir / BOX / "cur" / "1.a,S=5:2,S").read_bytes() == b"hello"
    forced = run_restore(new_config, settings.dest, force=True)
    assert forced.config_written == new_config.with_name("pmemail.toml.from-backup")
    assert forced.moved_aside is not None and forced.moved_aside.is_dir()

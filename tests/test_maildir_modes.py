"""Mail directories are 0700 whatever the umask: delivery, IMAP CREATE, webmail, POP3, data_dir."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.delivery import MaildirDelivery, maildir_path
from mailcore.pop3.maildrop import Maildrop, SizeCache
from pmemail.config.paths import DataPaths
from pmemail.fsutil import make_private_dir
from tests.config_factory import make_config
from tests.imap_support import IMAP, USER, ServerThread
from tests.serve_support import Server, ServeSetup
from tests.webmail_support import ALICE, ALICE_PW, client, csrf_of, login, running_stack


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a plain mkdir makes 0755 directories."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_private(top: Path, *folders: Path) -> None:
    """``top`` and everything from it down to each folder and its cur/new/tmp is 0700."""
    for folder in folders:
        checked = [folder / sub for sub in ("cur", "new", "tmp")]
        path = folder
        while path != top.parent:
            checked.append(path)
            path = path.parent
        for path in checked:
            assert mode(path) == 0o700, f"{path} is {oct(mode(path))}"


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o222])
def test_make_private_dir_ignores_the_umask(tmp_path: Path, umask: int) -> None:
    """Missing parents too; a directory that exists keeps its mode unless tightened."""
    old = os.umask(umask)
    try:
        make_private_dir(tmp_path / "a" / "b" / "c")
        loose = tmp_path / "loose"
        loose.mkdir(mode=0o755)
        loose.chmod(0o755)
        make_private_dir(loose)
    finally:
        os.umask(old)
    for path in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert mode(path) == 0o700
    assert mode(loose) == 0o755
    make_private_dir(loose, tighten=True)
    assert mode(loose) == 0o700
    (tmp_path / "file").write_text("")
    with pytest.raises(FileExistsError):
        make_private_dir(tmp_path / "file")


def test_delivery_makes_private_maildirs(tmp_path: Path, umask_022: None) -> None:
    paths = DataPaths(tmp_path / "data")
    message = tmp_path / "msg"
    message.write_bytes(b"Subject: hi\r\n\r\nbody\r\n")
    delivery = MaildirDelivery(paths, fsync=False)
    delivery.deliver_sync(message, ["alice@example.be"])
    delivery.deliver_sync(message, ["alice@example.be"], folder="Sent")
    inbox = maildir_path(paths, "alice@example.be")
    assert_private(paths.root, inbox, inbox / ".Sent")
    assert (inbox / ".Sent" / "maildirfolder").is_file()


def test_imap_create_makes_private_folders(tmp_path: Path, umask_022: None) -> None:
    """Real imaplib against the real server: the user's tree and CREATEd folders."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    try:
        c = srv.connect()
        assert c.create("Projects.2024")[0] == "OK"  # its parent Projects is created too
        assert c.create("Clients")[0] == "OK"
        c.logout()
    finally:
        srv.stop()
    root = maildir_path(srv.paths, USER)
    folders = [root / f".{name}" for name in ("Projects", "Projects.2024", "Clients", "Sent")]
    assert_private(srv.paths.maildirs, root, *folders)


async def test_webmail_folder_is_private(tmp_path: Path, umask_022: None) -> None:
    async with running_stack(tmp_path) as stack:
        async with client() as http:
            token = csrf_of(await (await login(http, stack.url, ALICE, ALICE_PW)).text())
            resp = await http.post(stack.url + "/folders", data={"_csrf": token, "name": "Work"})
            assert resp.status == 200 and str(resp.url).endswith("/mail?f=Work")
        root = maildir_path(stack.paths, ALICE)
        assert_private(stack.paths.maildirs, root, root / ".Work")


def test_pop3_maildrop_makes_a_private_maildir(tmp_path: Path, umask_022: None) -> None:
    root = tmp_path / "mail" / "example.be" / "bob"
    Maildrop.open(root, SizeCache()).close()
    assert_private(tmp_path / "mail", root)


def test_init_makes_a_private_data_dir(tmp_path: Path, umask_022: None) -> None:
    data = tmp_path / "new" / "data"
    cfg = tmp_path / "pmemail.toml"
    done = subprocess.run(
        [sys.executable, "-m", "pmemail", "--config", str(cfg), "init", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert mode(data) == mode(data.parent) == 0o700


def test_serve_makes_the_data_dir_private(tmp_path: Path, umask_022: None) -> None:
    """Also one made 0755 before (by an older version, or by hand)."""
    setup = ServeSetup(tmp_path)
    setup.write()
    setup.data.mkdir(mode=0o755)
    server = Server(setup)
    try:
        server.wait_ready()
        assert mode(setup.data) == 0o700
    finally:
        code, err = server.terminate()
    assert code == 0, err

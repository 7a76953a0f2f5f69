"""Folder rename and delete from the webmail, with IMAP's semantics, seen by IMAP."""

from __future__ import annotations

import asyncio
import imaplib
from pathlib import Path

import aiohttp
import pytest

from tests.webmail_support import ALICE, ALICE_PW, Stack, client, csrf_of, login, running_stack

pytestmark = pytest.mark.timeout(60)


async def _post(http: aiohttp.ClientSession, stack: Stack, **fields: str) -> tuple[int, str]:
    async with http.get(stack.url + "/mail") as r:
        token = csrf_of(await r.text())
    async with http.post(stack.url + "/folders", data={"_csrf": token, **fields}) as r:
        return r.status, await r.text()


def _imap_list(port: int) -> list[str]:
    with imaplib.IMAP4("127.0.0.1", port, timeout=10) as imap:
        imap.login(ALICE, ALICE_PW)
        _, data = imap.list()
    lines = [line for line in data if isinstance(line, bytes)]
    return sorted(line.decode().rsplit(" ", 1)[-1].strip('"') for line in lines)


async def test_rename_and_delete_a_folder(tmp_path: Path) -> None:
    """Rename takes the subfolders along; a folder with subfolders is not deleted; delete
    needs the confirmation; standard folders stay; IMAP sees every change."""
    async with running_stack(tmp_path) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        for name in ("Projects", "Projects.Roof"):
            status, _ = await _post(http, stack, name=name)
            assert status == 200
        async with http.get(stack.url + "/mail?f=Projects") as r:
            page = await r.text()
        assert "Rename or delete this folder" in page and "its 0 message(s)" in page
        status, page = await _post(http, stack, op="rename", name="Projects", new="Work")
        assert status == 200 and "Folder renamed to Work." in page
        names = await asyncio.to_thread(_imap_list, stack.imap_port)
        assert "Work" in names and "Work.Roof" in names and "Projects" not in names
        status, page = await _post(http, stack, op="delete", name="Work", confirm="on")
        assert status == 400 and "has folders inside it" in page
        status, page = await _post(http, stack, op="delete", name="Work.Roof")
        assert status == 400 and "Tick the box" in page
        status, page = await _post(http, stack, op="delete", name="Work.Roof", confirm="on")
        assert status == 200 and "Folder Work.Roof deleted." in page
        for standard in ("INBOX", "Trash", "Sent"):
            status, page = await _post(http, stack, op="delete", name=standard, confirm="on")
            assert status == 400 and "cannot be renamed or deleted" in page
        async with http.get(stack.url + "/mail?f=Trash") as r:
            assert "Rename or delete this folder" not in await r.text()
        names = await asyncio.to_thread(_imap_list, stack.imap_port)
        assert "Work" in names and "Work.Roof" not in names and "Trash" in names

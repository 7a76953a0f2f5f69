"""A first webmail open of a big folder does not stall the process's other clients.

The folder's files are written straight into the Maildir (as another MDA
would), so the webmail's first list request indexes 5,000 messages. The
clients run in threads with blocking ``requests`` so that they measure the
server as an outside browser would, not the event loop they share with it.
Only correctness is asserted; the timings are printed.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.webmail_support import ALICE, ALICE_PW, csrf_of, local_ca, running_stack

pytestmark = pytest.mark.timeout(180)
COUNT = 5_000


def _fill_maildir(root: Path) -> None:
    """COUNT small messages, half in cur/ (some read), half in new/, without ,W= sizes."""
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i in range(COUNT):
        data = (
            f"From: Sender {i} <s{i}@remote.example>\nTo: {ALICE}\n"
            f"Subject: bulk number {i:05d}\nDate: Mon, 02 Jan 2023 10:00:00 +0000\n"
            f"\nbody {i}\n"
        ).encode()
        name = f"{1_700_000_000 + i}.M{i}P1.other-mda"
        if i % 2:
            (root / "new" / name).write_bytes(data)
        else:
            (root / "cur" / f"{name}:2,{'S' if i % 4 == 0 else ''}").write_bytes(data)


def _login(url: str) -> requests.Session:
    """A logged-in browser session that has not opened any folder yet."""
    http = requests.Session()
    token = csrf_of(http.get(url + "/login", timeout=60).text)
    r = http.post(
        url + "/login",
        data={"_csrf": token, "address": ALICE, "password": ALICE_PW},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 303, r.text[:300]
    return http


def _list_while_polling(url: str) -> tuple[requests.Response, list[tuple[int, float]], float]:
    """GET /mail in one thread while another keeps fetching small pages until it is done.

    Returns:
        (the list response, (status, seconds) of each small request, list seconds).
    """
    http = _login(url)
    done = threading.Event()
    polls: list[tuple[int, float]] = []

    def poll() -> None:
        while not done.is_set():
            t0 = time.perf_counter()
            for path in ("/login", "/.well-known/autoconfig/mail/config-v1.1.xml"):
                r = requests.get(url + path, timeout=60)
            polls.append((r.status_code, time.perf_counter() - t0))

    poller = threading.Thread(target=poll)
    poller.start()
    t0 = time.perf_counter()
    try:
        listed = http.get(url + "/mail", timeout=120)
    finally:
        elapsed = time.perf_counter() - t0
        done.set()
        poller.join()
    return listed, polls, elapsed


async def test_first_open_of_a_big_folder_leaves_others_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first list of a 5,000-message folder is right; small requests made meanwhile
    are all answered; a search finds one message among them."""
    certs = local_ca(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certs.ca_pem))  # requests checks HTTPS
    async with running_stack(tmp_path, tls=certs.server) as stack:
        _fill_maildir(stack.paths.maildirs / "example.be" / "alice")
        listed, polls, elapsed = await asyncio.to_thread(_list_while_polling, stack.url)
        worst = max((s for _, s in polls), default=0.0)
        print(
            f"\nfirst list of {COUNT} messages: {elapsed:.2f} s; {len(polls)} small "
            f"request pairs answered meanwhile, slowest {worst:.3f} s"
        )
        assert listed.status_code == 200, listed.text[:300]
        assert "bulk number 04999" in listed.text and "bulk number 04994" not in listed.text
        assert f"Page 1 of {COUNT // stack.config.webmail.page_size}" in listed.text
        assert all(status == 200 for status, _ in polls)

        http = await asyncio.to_thread(_login, stack.url)
        t0 = time.perf_counter()
        found = await asyncio.to_thread(http.get, stack.url + "/mail?q=number+01234", timeout=120)
        print(f"search over {COUNT} senders/subjects: {time.perf_counter() - t0:.2f} s")
        assert found.status_code == 200
        subjects = re.findall(r"<a href=[^>]*>(bulk number \d{5})</a>", found.text)
        assert subjects == ["bulk number 01234"]
        inbox = await stack.store.mailbox(ALICE).open("INBOX")
        assert len(inbox.messages) == COUNT and inbox.unseen() == COUNT - COUNT // 4

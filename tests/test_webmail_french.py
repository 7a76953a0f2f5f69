"""With ``language = "fr"`` the webmail's older pages read French: log in, the list,
a message, Write and Reply, and the error pages.

The words a reader sees (text, placeholders, labels, titles) are checked with
:func:`tests.french_screen_support.english_words`; the message itself is French data.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import pytest

from mailcore.mailstore import INBOX
from tests.config_factory import make_config
from tests.french_screen_support import english_words
from tests.webmail_support import ALICE, ALICE_PW, WEBMAIL, client, csrf_of, login, running_stack

pytestmark = pytest.mark.timeout(60)

# the attributes a reader sees or a screen reader says
_SHOWN = ("placeholder", "aria-label", "title", "data-autosaved", "data-session-lost")


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.lines += [v for k, v in attrs if k in _SHOWN and v]

    def handle_data(self, data: str) -> None:
        self.lines += [line.strip() for line in data.splitlines() if line.strip()]


def english_in(page: str) -> list[str]:
    """The lines of ``page`` a reader sees that hold an English word."""
    parser = _Words()
    parser.feed(page)
    return [line for line in parser.lines if english_words(line)]


def _smtp(port: int) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "carole@loin.example", ALICE, "Devis"
    msg.set_content("Voici le devis.")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="devis.pdf")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.send_message(msg)


async def test_older_pages_in_french(tmp_path: Path) -> None:
    """Each page in French, with no English word left."""
    config = make_config(tmp_path, WEBMAIL, {"": {"language": "fr"}}).config
    async with running_stack(tmp_path, config) as stack, client() as http:
        pages: dict[str, str] = {}
        async with http.get(stack.url + "/login") as r:
            pages["login"] = await r.text()
            token = csrf_of(pages["login"])
        async with http.post(
            stack.url + "/login", data={"_csrf": token, "address": ALICE, "password": "non"}
        ) as r:
            pages["wrong password"] = await r.text()
            assert r.status == 401
        async with http.get(stack.url + "/nowhere") as r:
            pages["404 logged out"] = await r.text()
        await asyncio.to_thread(_smtp, stack.smtp_port)
        await login(http, stack.url, ALICE, ALICE_PW)
        uid = stack.store.mailbox(ALICE).folder(INBOX).messages[0].uid
        for name, path in (
            ("list", "/mail"),
            ("empty folder", "/mail?f=Trash"),
            ("message", f"/msg?f=INBOX&uid={uid}"),
            ("write", "/compose"),
            ("reply", f"/compose?mode=reply&f=INBOX&uid={uid}"),
            ("forward", f"/compose?mode=forward&f=INBOX&uid={uid}"),
            ("gone message", "/msg?f=INBOX&uid=999"),
            ("404", "/nowhere"),
        ):
            async with http.get(stack.url + path) as r:
                pages[name] = await r.text()
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("_csrf", csrf_of(pages["write"]))
        form.add_field("to", "chez moi")
        async with http.post(stack.url + "/send", data=form) as r:
            pages["refused send"] = await r.text()
            assert r.status == 400
        async with http.post(stack.url + "/action", data={"op": "delete"}) as r:
            pages["no csrf"] = await r.text()
            assert r.status == 403
    assert '<html lang="fr">' in pages["write"]
    assert "Se connecter" in pages["login"] and "Mot de passe" in pages["login"]
    assert "Adresse ou mot de passe incorrect." in pages["wrong password"]
    assert "Répondre à tous" in pages["message"] and "Pièces jointes" in pages["message"]
    assert "Objet" in pages["write"] and "Enregistrer le brouillon" in pages["write"]
    assert "Le message d'origine sera joint." in pages["forward"].replace("&#39;", "'")
    assert "Ce message n'existe plus." in pages["gone message"].replace("&#39;", "'")
    assert "Il n'y a pas de page à cette adresse." in pages["404"].replace("&#39;", "'")
    assert "Ce dossier est vide." in pages["empty folder"]
    assert "jeton de sécurité" in pages["no csrf"]
    assert "ce n&#39;est pas une adresse : " in pages["refused send"]
    found = {name: english_in(page) for name, page in pages.items()}
    assert {name: lines for name, lines in found.items() if lines} == {}


async def test_english_stays_english(tmp_path: Path) -> None:
    """``language = "en"``: the same pages in English (the detector does see them)."""
    config = make_config(tmp_path, WEBMAIL, {"": {"language": "en"}}).config
    async with running_stack(tmp_path, config) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        async with http.get(stack.url + "/compose") as r:
            page = await r.text()
    assert '<html lang="en">' in page and "Save draft" in page
    assert english_in(page)

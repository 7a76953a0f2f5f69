"""An upload over ``mail.max_message_size`` is refused while it streams in, counted as the
base64 it becomes, with a sentence in the office's language; the default limit takes a
100 MiB attachment."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
import pytest

from mailcore.webmail.compose import (
    MESSAGE_OVERHEAD,
    PART_OVERHEAD,
    Draft,
    Upload,
    _write_base64,
    encoded_size,
    write_message,
)
from mailcore.webmail.compose_views import UploadTooLarge, _spool_upload
from mailcore.webmail.wording import LANGUAGES, TEXTS
from pmemail.config import Config
from tests.config_factory import make_config
from tests.webmail_support import (
    ALICE,
    ALICE_PW,
    BOB,
    WEBMAIL,
    client,
    csrf_of,
    login,
    running_stack,
)

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 56, 57, 58, 114, 1000, 57 * 1024 + 5])
def test_encoded_size_is_what_is_written(tmp_path: Path, size: int) -> None:
    """``encoded_size`` is exactly the base64 the message carries for a file."""
    path = tmp_path / "f"
    path.write_bytes(b"\xff" * size)
    out = io.BytesIO()
    _write_base64(path, out)
    assert encoded_size(size) == len(out.getvalue())


def test_the_default_limit_takes_a_100_mib_attachment(tmp_path: Path) -> None:
    """A 100 MiB file, base64-encoded with its headers and a text, fits the default."""
    limit = Config().mail.max_message_size
    assert encoded_size(100 << 20) + PART_OVERHEAD + MESSAGE_OVERHEAD < limit
    path = tmp_path / "drawing.dwg"
    path.write_bytes(b"")
    draft = Draft(
        ALICE,
        "Alice",
        BOB,
        subject="plan",
        body="see attached",
        attachments=[Upload(path, "a" * 200 + ".dwg")],
    )
    out = io.BytesIO()
    write_message(draft, out)
    assert len(out.getvalue()) < PART_OVERHEAD + MESSAGE_OVERHEAD  # the overheads hold


class _Part:
    """What ``_spool_upload`` reads of an aiohttp body part: ``read_chunk``, counted."""

    def __init__(self, total: int) -> None:
        self.left, self.read = total, 0

    async def read_chunk(self, size: int = 8192) -> bytes:
        n = min(size, self.left)
        self.left -= n
        self.read += n
        return b"\0" * n


async def test_an_upload_stops_as_soon_as_its_base64_passes_the_budget(tmp_path: Path) -> None:
    """A 100 MB upload against a 1 MB budget: refused after about 3/4 MB read, not 100."""
    part = _Part(100 << 20)
    with pytest.raises(UploadTooLarge):
        await _spool_upload(part, tmp_path / "u", 1 << 20)  # type: ignore[arg-type]
    assert part.read <= (1 << 20) * 3 // 4 + (1 << 16)
    assert (tmp_path / "u").stat().st_size < 1 << 20


def test_every_sentence_exists_in_every_language() -> None:
    """Each webmail sentence has an English and a French text with the same fields."""
    for key, texts in TEXTS.items():
        assert set(texts) == set(LANGUAGES), key
        fields = {f for f in ("{limit}", "{files}") if f in texts["en"]}
        assert all(all(f in t for f in fields) for t in texts.values()), key


async def test_refusal_in_french(tmp_path: Path) -> None:
    """With ``language = "fr"`` the refusal is in French, and nothing was sent."""
    config = make_config(
        tmp_path, WEBMAIL, {"": {"language": "fr"}, "mail": {"max_message_size": 64 * 1024}}
    ).config
    async with running_stack(tmp_path, config) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        async with http.get(stack.url + "/compose") as r:
            token = csrf_of(await r.text())
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("_csrf", token)
        form.add_field("to", BOB)
        form.add_field("attachment", b"\0" * (60 * 1024), filename="plan.bin")
        async with http.post(stack.url + "/send", data=form) as r:
            text = await r.text()
            assert r.status == 413
            assert "Les pièces jointes sont trop volumineuses" in text and "64 Ko" in text
        assert not list((stack.paths.root / "spool").glob("webmail-*"))

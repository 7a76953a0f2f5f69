"""Drafts: saving the compose form into the Drafts folder and reopening it.

A draft is an ordinary message stored through the mail store
(``Folder.append_file`` with ``\\Draft``), so IMAP clients see the same drafts.
It carries Bcc (a draft is never sent as such) and its attachments; reopening
it fills the form again and lists those attachments with a "keep" box, and
the kept ones are copied, decoded, into spool files that the next save or
send treats like fresh uploads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mailcore.mailstore import Folder
from mailcore.mime import Part, decode_part, read_text, scan
from mailcore.webmail.compose import Draft, Upload, write_message

DRAFTS = "Drafts"
DRAFT_FLAGS = ("\\Draft", "\\Seen")
_MAX_BODY = 4 * 1024 * 1024


@dataclass
class OpenedDraft:
    """What the compose form shows for a stored draft."""

    values: dict[str, str]
    attachments: list[Part] = field(default_factory=list)


def open_draft(path: Path) -> OpenedDraft:
    """The form values and attachments of the draft stored at ``path``."""
    root = scan(path)
    values = {
        "to": root.header_text("to"),
        "cc": root.header_text("cc"),
        "bcc": root.header_text("bcc"),
        "subject": root.header_text("subject"),
        "in_reply_to": root.header_text("in-reply-to"),
        "references": root.header_text("references"),
        "body": "",
    }
    parts = root.parts
    body = next((p for p in parts if p.content_type == "text/plain" and not p.is_attachment), None)
    if body is not None:
        with open(path, "rb") as f:
            values["body"], _ = read_text(f, body, _MAX_BODY)
        typed = values["body"].replace("\r\n", "\n")
        # the line end the writer adds after the last line is not part of what was typed
        values["body"] = typed[:-1] if typed.endswith("\n") else typed
    return OpenedDraft(values, [p for p in parts if p.is_attachment])


def extract_kept(
    path: Path, numbers: list[int], spool: Path, tag: str
) -> tuple[list[Upload], Path | None, list[Path]]:
    """Copy the kept attachments of the draft at ``path`` into spool files.

    Returns:
        (uploads, forwarded message or None, every spool file written). A kept
        ``message/rfc822`` part becomes the forwarded message again (it must
        not be base64-encoded); any further one is kept as a plain file.
    """
    root = scan(path)
    wanted = set(numbers)
    uploads: list[Upload] = []
    forward: Path | None = None
    written: list[Path] = []
    with open(path, "rb") as f:
        for part in root.parts:
            if part.number not in wanted or not part.is_attachment:
                continue
            target = spool / f"webmail-{tag}-kept-{part.number}.upload"
            written.append(target)
            with open(target, "wb") as out:
                for chunk in decode_part(f, part):
                    out.write(chunk)
            if part.content_type == "message/rfc822" and forward is None:
                forward = target
            else:
                uploads.append(
                    Upload(target, part.filename or f"part-{part.number}", part.content_type)
                )
    return uploads, forward, written


def write_draft(draft: Draft, spool_file: Path) -> None:
    """Write the stored form of ``draft`` (Bcc kept) to ``spool_file`` (blocking)."""
    with open(spool_file, "wb") as out:
        write_message(draft, out, keep_bcc=True)


async def store_draft(drafts: Folder, spool_file: Path, replaces: int | None) -> int:
    """Append the draft written in ``spool_file`` to the Drafts folder (streamed, never
    whole in memory), removing the one it replaces; its uid.

    Raises:
        OSError: the draft could not be stored.
    """
    uid = await drafts.append_file(spool_file, DRAFT_FLAGS)
    if replaces is not None and replaces in drafts.by_uid:
        drafts.remove([replaces])
    return uid


def discard_draft(drafts: Folder, uid: int | None) -> None:
    """Remove the draft a sent message came from (if it is still there)."""
    if uid is not None and uid in drafts.by_uid:
        drafts.remove([uid])

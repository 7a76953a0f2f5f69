"""The one failure of the backup package: a message id and its parameters."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that did not happen; ``msgid`` names the sentence
    in ``pmemail.app.backup_texts`` and ``params`` fill it."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid, params)
        self.msgid = msgid
        self.params = params

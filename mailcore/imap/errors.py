"""Tagged failures raised by command handlers."""

from __future__ import annotations


class No(Exception):
    """Answer the command with a tagged NO (``code`` is the optional response code)."""

    def __init__(self, text: str, code: str = "") -> None:
        super().__init__(text)
        self.code = code


class Bad(Exception):
    """Answer the command with a tagged BAD (protocol error)."""

"""POP3 server (RFC 1939, CAPA, STLS, AUTH PLAIN) over users' INBOX Maildirs.

``wire`` parses and frames, ``session`` is the state machine, ``maildrop`` is
the locked Maildir snapshot, ``server`` is the asyncio service.
"""

from mailcore.pop3.server import Pop3Service, build_pop3_service

__all__ = ["Pop3Service", "build_pop3_service"]

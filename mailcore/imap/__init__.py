"""The IMAP4rev1 server (RFC 3501 + LITERAL+, IDLE, UIDPLUS, MOVE, SPECIAL-USE, CONDSTORE,
QRESYNC; the full list is ``capabilities``).

Layers, each usable and tested alone:

- wire format, pure: ``lexer`` (byte cursor), ``grammar`` (sequence sets, fetch
  items, search keys), ``commands`` (one command -> ``Command``), ``response``
  (values -> bytes), ``reader`` (a command with its literals from a stream);
- rendering of ``mailcore.mime`` structures: ``address``, ``structure``
  (ENVELOPE, BODYSTRUCTURE, BODY[section]), ``search``;
- session: ``session`` (state machine, dispatch), ``auth_cmds`` (LOGIN,
  AUTHENTICATE), ``idle_cmd`` (IDLE), ``mailbox_cmds``, ``message_cmds``,
  ``selected`` (a session's sequence numbers and updates), ``fetch``, ``qresync``
  (SELECT's QRESYNC parameter, VANISHED);
- ``server``: the ``Service`` for ``pmemail serve`` (``build_imap_service``).

Storage is ``mailcore.mailstore``, which knows nothing about IMAP.
"""

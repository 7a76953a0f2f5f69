"""The relay test's outcome in plain sentences (the wizard's outbound step, the dashboard).

The relay client (:mod:`mailcore.queue.relay`) answers with the server's or
the library's own words ("STARTTLS extension not supported by server.");
:func:`explain` recognises the usual failures and names them with an id of
:mod:`pmemail.app.relay_texts`; anything else keeps the raw reason as a
parameter of ``relay.other``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pmemail.app.cert_wording import render
from pmemail.app.relay_texts import TEXTS
from pmemail.config.model import RelayConfig

if TYPE_CHECKING:
    from mailcore.queue.relay import Outcome

# (words in the raw reason, lower-cased) → id; the first match wins
_PATTERNS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("starttls extension not supported",), "relay.no_starttls"),
    (("smtp auth extension not supported", "no suitable authentication"), "relay.no_auth"),
    (("certificate verify failed", "hostname mismatch", "certificate"), "relay.bad_certificate"),
    (("wrong version number", "unknown protocol", "record layer failure"), "relay.tls_mismatch"),
    (("connection refused", "errno 111"), "relay.refused"),
    (("timed out", "timeout"), "relay.timeout"),
    (
        ("name or service not known", "nodename nor servname", "getaddrinfo", "no address"),
        "relay.unknown_host",
    ),
)


@dataclass(frozen=True)
class Sentence:
    """One id of :data:`pmemail.app.relay_texts.TEXTS` and its parameters."""

    msgid: str
    params: dict[str, str] = field(default_factory=dict)

    def words(self, language: str) -> str:
        """The sentence in ``language``."""
        return render(TEXTS, self.msgid, language, **self.params)


def explain(outcome: Outcome, relay: RelayConfig) -> list[Sentence]:
    """What a relay probe's ``outcome`` means, then a warning when the password went in
    clear (security "none" with a password: the line carried it unencrypted)."""
    where = {"host": relay.host, "port": str(relay.port)}
    if outcome.ok:
        said = [Sentence("relay.ok_login" if relay.username else "relay.ok", where)]
    else:
        said = [_failure(outcome, where)]
    if relay.tls == "none" and relay.password:
        said.append(Sentence("relay.clear_password"))
    return said


def _failure(outcome: Outcome, where: dict[str, str]) -> Sentence:
    raw = outcome.describe()
    reason = raw.split(": ", 1)[1] if raw.startswith("cannot use ") and ": " in raw else raw
    if outcome.code == 535 or reason.startswith(("535", "534", "530")):
        return Sentence("relay.auth_failed", {**where, "answer": reason})
    lowered = reason.lower()
    for words, msgid in _PATTERNS:
        if any(w in lowered for w in words):
            return Sentence(msgid, where)
    return Sentence("relay.other", {**where, "reason": reason})

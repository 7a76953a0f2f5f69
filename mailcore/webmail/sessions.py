"""Webmail login sessions: random tokens in an HttpOnly cookie, idle and absolute expiry.

Sessions live in memory: a restart of ``pmemail serve`` logs everybody out,
which is acceptable for an office and keeps secrets off the disk. Each session
carries its own CSRF token, compared in constant time on every form post.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "pmemail_session"
# How long, and how many, expired sessions are remembered: only so that a compose
# form sent just after its session expired is kept as a draft (``ended``).
ENDED_KEPT = 24 * 3600.0
ENDED_MAX = 10_000
LOGIN_COOKIE = "pmemail_login"  # pre-login CSRF (double-submit) token


@dataclass
class WebSession:
    """One logged-in browser."""

    token: str
    address: str
    created: float
    last_seen: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def csrf_ok(self, candidate: str | None) -> bool:
        """Whether ``candidate`` is this session's CSRF token."""
        return bool(candidate) and hmac.compare_digest(str(candidate), self.csrf)


class SessionStore:
    """Tokens -> sessions with idle and absolute lifetimes (seconds)."""

    def __init__(
        self, idle: float, maximum: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Expire sessions ``idle`` s after their last request or ``maximum`` s after login."""
        self.idle = idle
        self.maximum = maximum
        self._clock = clock
        self._sessions: dict[str, WebSession] = {}
        self._ended: OrderedDict[str, tuple[float, WebSession]] = OrderedDict()

    def create(self, address: str) -> WebSession:
        """A new session for ``address`` (a fresh token: no session fixation)."""
        self._prune()
        now = self._clock()
        session = WebSession(secrets.token_urlsafe(32), address, now, now)
        self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> WebSession | None:
        """The live session for ``token`` (touching it), or None when unknown or expired."""
        if not token:
            return None
        session = self._sessions.get(token)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_seen > self.idle or now - session.created > self.maximum:
            self._end(token, now)
            return None
        session.last_seen = now
        return session

    def drop(self, token: str) -> None:
        """Log a session out (a deliberate end: not remembered by ``ended``)."""
        self._sessions.pop(token, None)

    def ended(self, token: str | None) -> WebSession | None:
        """The session ``token`` named if it expired (not logged out) lately, else None.

        It authorises nothing but keeping what its compose form sent (as a draft
        of its user, behind its CSRF token) so the next login can restore it.
        """
        if not token:
            return None
        self.get(token)  # a session that just ran out ends here
        found = self._ended.get(token)
        if found is None or self._clock() - found[0] > ENDED_KEPT:
            return None
        return found[1]

    def _end(self, token: str, now: float) -> None:
        self._ended[token] = (now, self._sessions.pop(token))
        while len(self._ended) > ENDED_MAX:
            self._ended.popitem(last=False)

    def __len__(self) -> int:
        return len(self._sessions)

    def _prune(self) -> None:
        now = self._clock()
        dead = [
            t
            for t, s in self._sessions.items()
            if now - s.last_seen > self.idle or now - s.created > self.maximum
        ]
        for token in dead:
            self._end(token, now)


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two optional tokens (both must be present)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))

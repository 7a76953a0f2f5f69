"""The servers' TLS context for tests that build services themselves, as serve does."""

from __future__ import annotations

import ssl

from mailcore.acme.challenges import ChallengeBoard
from mailcore.certs.keeper import CertificateKeeper
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths


def keeper_context(config: Config, paths: DataPaths) -> ssl.SSLContext:
    """The shared context of a freshly loaded :class:`CertificateKeeper`."""
    keeper = CertificateKeeper(config, paths, ChallengeBoard())
    keeper.load()
    return keeper.context

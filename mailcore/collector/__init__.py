"""The POP collector: the office's old ISP mailbox, fetched during the move."""

from __future__ import annotations

from mailcore.collector.service import Collector
from mailcore.interfaces import LocalDelivery, UserDirectory
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

__all__ = ["Collector", "build_collector"]


def build_collector(
    config: Config, paths: DataPaths, users: UserDirectory, delivery: LocalDelivery
) -> Collector | None:
    """The collector service, or None when it is disabled or has no mailbox."""
    if not config.collector.enabled or not config.collector.mailboxes:
        return None
    return Collector(config.collector, paths, users, delivery, config.mail.hostname)

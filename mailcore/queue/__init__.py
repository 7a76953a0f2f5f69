"""The outbound queue: durable storage, relay client, DSN bounces and the runner.

``build_queue`` is what ``pmemail serve`` calls; the submission server hands
remote recipients to ``QueueRunner.enqueue``.
"""

from __future__ import annotations

from mailcore.interfaces import LocalDelivery, UserDirectory
from mailcore.queue.relay import Outcome, RelayClient
from mailcore.queue.runner import QueueRunner, retry_delay
from mailcore.queue.store import QueueEntry, QueueError, QueueStore, Recipient
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

__all__ = ["Outcome", "QueueEntry", "QueueError", "QueueRunner", "QueueStore", "Recipient",
           "RelayClient", "build_queue", "retry_delay"]


def build_queue(config: Config, paths: DataPaths, users: UserDirectory,
                delivery: LocalDelivery) -> QueueRunner:
    """The queue runner service for ``config`` over ``paths.queue``."""
    return QueueRunner(QueueStore(paths.queue), RelayClient.from_config(config), users,
                       delivery, config.queue, config.mail.hostname)

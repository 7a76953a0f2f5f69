"""The outbound queue: durable storage, relay client, DSN bounces and the runner.

``build_queue`` is what ``pmemail serve`` calls; the submission server hands
remote recipients to ``QueueRunner.enqueue``.

The names below are loaded on first use: ``mailcore.queue.store`` (the CLI,
the dashboard) must not pull the relay client and dnspython with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailcore.interfaces import LocalDelivery, UserDirectory
    from mailcore.queue.relay import Outcome, RelayClient
    from mailcore.queue.runner import QueueRunner, retry_delay
    from mailcore.queue.store import QueueEntry, QueueError, QueueStore, Recipient
    from pmemail.config.model import Config
    from pmemail.config.paths import DataPaths

__all__ = [
    "Outcome",
    "QueueEntry",
    "QueueError",
    "QueueRunner",
    "QueueStore",
    "Recipient",
    "RelayClient",
    "build_queue",
    "retry_delay",
]

_HOME = {
    "Outcome": "relay",
    "RelayClient": "relay",
    "QueueRunner": "runner",
    "retry_delay": "runner",
    "QueueEntry": "store",
    "QueueError": "store",
    "QueueStore": "store",
    "Recipient": "store",
}


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` when it is first asked for."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def build_queue(
    config: Config, paths: DataPaths, users: UserDirectory, delivery: LocalDelivery
) -> QueueRunner:
    """The queue runner service for ``config`` over ``paths.queue``."""
    from mailcore.dkim.keys import DkimKeys
    from mailcore.dkim.signer import DkimSigner
    from mailcore.queue.relay import RelayClient
    from mailcore.queue.runner import QueueRunner
    from mailcore.queue.store import QueueStore

    signer = None
    if config.dkim.enabled:
        keys = DkimKeys(paths.dkim_dir, config.dkim.selector)
        signer = DkimSigner(keys, [config.mail.domain, *config.mail.extra_domains])
    return QueueRunner(
        QueueStore(paths.queue),
        RelayClient.from_config(config),
        users,
        delivery,
        config.queue,
        config.mail.hostname,
        signer=signer,
    )

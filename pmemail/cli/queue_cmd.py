"""``pmemail queue list|retry|delete``: the outbound queue, read and changed on disk.

No running server is needed: the runner re-reads the queue on every pass, and
the store's lock keeps the CLI and the runner from overwriting each other.
"""

from __future__ import annotations

import argparse
import datetime
import json
from typing import TYPE_CHECKING, Any

from pmemail.cli.context import Context
from pmemail.cli.failures import failures_as

if TYPE_CHECKING:
    from mailcore.queue.store import QueueEntry, QueueStore

ORDER = 40


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``queue`` command group."""
    queue = sub.add_parser("queue", help="inspect and manage the outbound mail queue")
    qsub = queue.add_subparsers(dest="queue_cmd", required=True, metavar="{list,retry,delete}")
    lst = qsub.add_parser("list", help="show queued messages and their recipients")
    lst.add_argument("--json", action="store_true", help="as a JSON document")
    lst.set_defaults(handler=cmd_list)
    retry = qsub.add_parser("retry", help="retry now (one message, or all)")
    retry.add_argument("id", nargs="?", help="queue id (default: every message)")
    retry.add_argument("--json", action="store_true", help="as a JSON document")
    retry.set_defaults(handler=cmd_retry)
    delete = qsub.add_parser("delete", help="drop a message without notifying its sender")
    delete.add_argument("id", help="queue id (see 'pmemail queue list')")
    delete.add_argument("--json", action="store_true", help="as a JSON document")
    delete.set_defaults(handler=cmd_delete)


def _store(ctx: Context) -> QueueStore:
    from mailcore.queue.store import QueueStore  # the store only: no relay, no dnspython

    return QueueStore(ctx.paths.queue)


def _when(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def entry_json(entry: QueueEntry) -> dict[str, Any]:
    """The ``--json`` shape of one queued message."""
    return {
        "id": entry.id,
        "sender": entry.sender,
        "size": entry.size,
        "first_seen": _when(entry.first_seen),
        "recipients": [
            {
                "address": r.address,
                "state": r.state,
                "attempts": r.attempts,
                "next_attempt": _when(r.next_attempt),
                "last_error": r.last_error,
            }
            for r in entry.recipients
        ],
    }


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    """Print every queued message with its pending recipients."""
    entries = _store(ctx).entries()
    if args.json:
        ctx.print(json.dumps({"messages": [entry_json(e) for e in entries]}, indent=2))
        return 0
    if not entries:
        ctx.print("the queue is empty")
        return 0
    for entry in entries:
        ctx.print(
            f"{entry.id}  {entry.size} bytes  from <{entry.sender}>  "
            f"since {_when(entry.first_seen)}"
        )
        for r in entry.recipients:
            line = f"    {r.state:9} <{r.address}>  attempts {r.attempts}"
            if r.state == "queued":
                line += f", next {_when(r.next_attempt)}"
            if r.last_error:
                line += f"\n              last error: {r.last_error}"
            ctx.print(line)
    ctx.print(f"{len(entries)} message(s)")
    return 0


def cmd_retry(ctx: Context, args: argparse.Namespace) -> int:
    """Make pending recipients due now; a running server picks them up on its next scan."""
    from mailcore.queue.store import QueueError

    with failures_as(QueueError, exit_code=1):
        count = _store(ctx).retry_now(args.id)
    if args.json:
        ctx.print(json.dumps({"id": args.id, "recipients_due": count}))
    else:
        ctx.print(f"{count} recipient(s) will be retried at the next queue scan")
    return 0


def cmd_delete(ctx: Context, args: argparse.Namespace) -> int:
    """Remove one message from the queue."""
    from mailcore.queue.store import QueueError

    with failures_as(QueueError, exit_code=1):
        _store(ctx).delete(args.id)
    if args.json:
        ctx.print(json.dumps({"id": args.id, "deleted": True}))
    else:
        ctx.print(f"deleted {args.id}")
    return 0

"""``pmemail queue list|retry|delete``: the outbound queue, read and changed on disk.

No running server is needed: the runner re-reads the queue on every pass, and
the store's lock keeps the CLI and the runner from overwriting each other.
"""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pmemail.cli.context import CommandError, Context

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


def _say(ctx: Context, key: str, **values: object) -> str:
    """Sentence ``key`` of :mod:`pmemail.app.queue_texts` in the configured language."""
    from pmemail.app.cert_wording import render
    from pmemail.app.queue_texts import TEXTS

    return render(TEXTS, key, ctx.config.language, **values)


@contextmanager
def _refusals(ctx: Context) -> Iterator[None]:
    """The store's refusals as the command's one line (exit 1), in the configured language."""
    from mailcore.queue.store import QueueError

    try:
        yield
    except QueueError as err:
        key = f"error.{err.code}"
        said = _say(ctx, key, **err.params) if err.code else str(err)
        raise CommandError(said, exit_code=1) from None


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    """Print every queued message with its pending recipients."""
    entries = _store(ctx).entries()
    if args.json:
        ctx.print(json.dumps({"messages": [entry_json(e) for e in entries]}, indent=2))
        return 0
    if not entries:
        ctx.print(_say(ctx, "list.empty"))
        return 0
    for entry in entries:
        ctx.print(
            _say(
                ctx,
                "list.message",
                id=entry.id,
                size=entry.size,
                sender=entry.sender,
                since=_when(entry.first_seen),
            )
        )
        for r in entry.recipients:
            state = _say(ctx, f"state.{r.state}")
            line = _say(ctx, "list.recipient", state=state, address=r.address, attempts=r.attempts)
            if r.state == "queued":
                line += _say(ctx, "list.next", when=_when(r.next_attempt))
            if r.last_error:  # the remote server's own answer: data
                line += "\n              " + _say(ctx, "list.last_error", error=r.last_error)
            ctx.print(line)
    ctx.print(_say(ctx, "list.count", count=len(entries)))
    return 0


def cmd_retry(ctx: Context, args: argparse.Namespace) -> int:
    """Make pending recipients due now; a running server picks them up on its next scan."""
    with _refusals(ctx):
        count = _store(ctx).retry_now(args.id)
    if args.json:
        ctx.print(json.dumps({"id": args.id, "recipients_due": count}))
    else:
        ctx.print(_say(ctx, "retry.done", count=count))
    return 0


def cmd_delete(ctx: Context, args: argparse.Namespace) -> int:
    """Remove one message from the queue."""
    with _refusals(ctx):
        _store(ctx).delete(args.id)
    if args.json:
        ctx.print(json.dumps({"id": args.id, "deleted": True}))
    else:
        ctx.print(_say(ctx, "delete.done", id=args.id))
    return 0

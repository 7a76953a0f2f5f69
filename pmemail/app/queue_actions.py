"""Retry the outbound queue now, with or without the running server."""

from __future__ import annotations

from mailcore.queue.store import QueueError, QueueStore
from pmemail.app.action_result import ActionError, ActionResult
from pmemail.config.paths import DataPaths
from pmemail.serve.control import ControlError, NotRunning, query_control_sync


def retry_queue(paths: DataPaths) -> ActionResult:
    """Make every queued recipient due now.

    Through the running server (it retries at once), or directly in the
    queue directory when it is stopped (retried when it starts).

    Raises:
        ActionError: the server refused, or the queue cannot be changed.
    """
    try:
        answer = query_control_sync(paths.control_socket, {"cmd": "queue_retry"})
    except NotRunning:
        try:
            count = QueueStore(paths.queue).retry_now()
        except (QueueError, OSError) as err:
            raise ActionError.said("queue.cannot_change", error=err) from None
        return ActionResult.said("queue.later", count=count)
    except ControlError as err:
        raise ActionError(str(err)) from None
    if not answer.get("ok"):
        error = answer.get("error")
        raise ActionError(str(error)) if error else ActionError.said("queue.refused")
    return ActionResult.said("queue.now", count=answer.get("result", 0))

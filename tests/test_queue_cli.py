"""``pmemail queue list|retry|delete`` on the on-disk queue (no server running)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailcore.queue import QueueStore
from pmemail.cli.main import main


@pytest.fixture
def queued(tmp_path: Path) -> tuple[Path, QueueStore, list[str]]:
    """A config file whose data dir holds two queued messages."""
    data = tmp_path / "data"
    config = tmp_path / "pmemail.toml"
    config.write_text(f'data_dir = "{data}"\n')
    store = QueueStore(data / "queue")
    spool = tmp_path / "spool"
    spool.write_bytes(b"Subject: x\r\n\r\nbody\r\n")
    ids = [
        store.add(spool, "alice@example.be", ["bob@remote.test"], now=1000.0).id,
        store.add(spool, "", ["carol@remote.test", "dan@remote.test"], now=2000.0).id,
    ]
    return config, store, ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json(
    queued: tuple[Path, QueueStore, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """--json lists every message with its recipients' state."""
    config, _, ids = queued
    code, out, _ = run(capsys, "--config", str(config), "queue", "list", "--json")
    assert code == 0
    doc = json.loads(out)
    assert [m["id"] for m in doc["messages"]] == ids
    first = doc["messages"][0]
    assert first["sender"] == "alice@example.be"
    assert first["recipients"][0]["address"] == "bob@remote.test"
    assert first["recipients"][0]["state"] == "queued"
    assert {"attempts", "next_attempt", "last_error"} <= set(first["recipients"][0])


def test_list_text(
    queued: tuple[Path, QueueStore, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """The text listing names ids, senders (<> for bounces) and recipients."""
    config, _, ids = queued
    code, out, _ = run(capsys, "--config", str(config), "queue", "list")
    assert code == 0 and ids[0] in out and "<>" in out and "dan@remote.test" in out
    assert "2 message(s)" in out


def test_retry_one_and_all(
    queued: tuple[Path, QueueStore, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """retry ID makes that message due now; retry alone every message."""
    config, store, ids = queued
    for qid in ids:  # push them into the future, as after failures
        entry = store.load(qid)
        assert entry is not None
        for r in entry.recipients:
            r.next_attempt = 10**12
        store.save(entry)
    code, out, _ = run(capsys, "--config", str(config), "queue", "retry", ids[0], "--json")
    assert code == 0 and json.loads(out) == {"id": ids[0], "recipients_due": 1}
    first = store.load(ids[0])
    assert first is not None and first.recipients[0].next_attempt < 10**12
    code, out, _ = run(capsys, "--config", str(config), "queue", "retry")
    assert code == 0 and "3 recipient(s)" in out


def test_delete(
    queued: tuple[Path, QueueStore, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """delete removes message and metadata; an unknown id is one clear error line."""
    config, store, ids = queued
    code, out, _ = run(capsys, "--config", str(config), "queue", "delete", ids[0], "--json")
    assert code == 0 and json.loads(out) == {"id": ids[0], "deleted": True}
    assert store.ids() == ids[1:]
    assert not store.message_path(ids[0]).exists()
    code, _, err = run(capsys, "--config", str(config), "queue", "delete", ids[0])
    assert code == 1 and err.strip() == f"pmemail: no queued message with id {ids[0]}"
    code, _, err = run(capsys, "--config", str(config), "queue", "delete", "../x")
    assert code == 1 and "not a queue id" in err and "Traceback" not in err


def test_empty_queue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A fresh data dir has an empty queue, not an error."""
    config = tmp_path / "pmemail.toml"
    config.write_text(f'data_dir = "{tmp_path / "d"}"\n')
    code, out, _ = run(capsys, "--config", str(config), "queue", "list")
    assert code == 0 and "empty" in out

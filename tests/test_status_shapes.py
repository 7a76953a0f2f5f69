"""The status shapes of ``mailcore.status``: what services return, how readers narrow JSON."""

from __future__ import annotations

from pathlib import Path

from mailcore.collector import Collector
from mailcore.delivery import MaildirDelivery
from mailcore.status import ImapStatus, QueueStatus, ServiceHeader, narrow, read_answer
from mailcore.users import UserStore
from netcore.forwarding import Forwarder
from netcore.monitor import ForwardingMonitor
from pmemail.serve.router_monitor import RouterMonitorService
from pmemail_tui.widgets.dashboard.panels import COUNTER_KEYS
from tests.config_factory import make_config
from tests.status_support import PUBLISHED, SHAPES, declared


def test_shapes_declare_every_published_key() -> None:
    """Each service's shape plus the header is exactly its published key set."""
    header = declared(ServiceHeader) - {"status_error"}  # only when status() raised
    for name, keys in PUBLISHED.items():
        assert header | declared(SHAPES[name]) == keys, name


def test_dashboard_counters_are_declared_keys() -> None:
    """The dashboard's counter column reads keys some shape declares (no typo goes unseen)."""
    every = set().union(*(declared(shape) for shape in SHAPES.values()))
    assert set(COUNTER_KEYS) <= every, set(COUNTER_KEYS) - every


def test_narrow_keeps_declared_keys_of_the_declared_type() -> None:
    """Unknown keys and ill-typed values are dropped; a JSON true is no count."""
    data = {
        "delivered": 3,
        "deferred": True,
        "bounced": "2",
        "last_run": 5,
        "last_error": "",
        "relay": None,
        "newer_server_key": 1,
    }
    assert narrow(data, QueueStatus) == {"delivered": 3, "last_run": 5, "last_error": ""}
    assert narrow({"state": "bogus", "name": "x", "status_error": "E"}, ServiceHeader) == {
        "name": "x",
        "status_error": "E",
    }
    assert narrow({"port": 143, "address": "::1", "starttls": 1}, ImapStatus) == {
        "port": 143,
        "address": "::1",
    }


def test_read_answer_keeps_service_objects_only() -> None:
    """A malformed answer narrows to what can be trusted instead of raising."""
    answer = {"ok": True, "pid": "12", "uptime": 1, "services": [{"name": "a"}, 3, "x"]}
    assert read_answer(answer) == {"ok": True, "uptime": 1, "services": [{"name": "a"}]}
    assert dict(read_answer({"ok": False, "error": "no"})) == {"ok": False}


def test_collector_and_router_report_their_shapes(tmp_path: Path) -> None:
    """The two optional services (off in the serve tests) return exactly their shapes."""
    setup = make_config(tmp_path)
    config, paths = setup.config, setup.paths
    users = UserStore(paths.users_db, ["example.test"])
    collector = Collector(config.collector, paths, users, MaildirDelivery(paths), "mail.test")
    assert set(collector.status()) == declared(SHAPES["collector"])
    forwarder = Forwarder(config, paths, gateway="127.0.0.1", lan_ip="127.0.0.1")
    router = RouterMonitorService(ForwardingMonitor(forwarder), 60.0)
    assert set(router.status()) == declared(SHAPES["router"])

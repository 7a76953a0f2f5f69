"""`pmemail ports apply` in French: each port's outcome and the router's refusal are French.

Issue 16/17: a per-port outcome, a router client's error (UPnP 606/718,
NAT-PMP/PCP result codes, silence) and the fallback notes are message ids with
parameters; ``--json`` keeps the English ``message`` and adds the id.
The PCP refusals come from a real PCP client against a loopback server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from netcore import advice
from netcore.checks.verdict_messages import Msg
from netcore.forwarding_messages import FORWARDING
from netcore.forwarding_report import forwarding_document, outcome_line
from netcore.plan import PlannedPort
from netcore.port_outcome import (
    FAILED,
    MAPPED,
    REMOVED,
    ForwardingReport,
    PortOutcome,
    failed_outcome,
    other_host_failure,
)
from netcore.router import errors
from netcore.router.errors import RouterError, from_upnp_exception
from netcore.router.pcp import MAP_BODY, RESPONSE_HEADER, PcpClient
from netcore.router_etiquette import RequestBudget, budget_error
from pmemail.app.verdict_texts import FRENCH, sayer, word
from tests.french_screen_support import english_words

LAN = "192.168.1.10"
FR = sayer("fr")


def fr(outcome: PortOutcome) -> str:
    """The outcome's sentence in French (it always has a message id here)."""
    assert outcome.msg is not None
    return FR(outcome.msg)


def english_fragments() -> list[str]:
    """The literal runs (20+ characters) of every English forwarding sentence."""
    pieces = (p.strip() for text in FORWARDING.values() for p in re.split(r"\{[^}]*\}", text))
    return sorted({p for p in pieces if len(p) >= 20})


def assert_french(line: str) -> None:
    """No English word and no run of an English sentence in ``line``."""
    assert not english_words(line), (english_words(line), line)
    leaked = [p for p in english_fragments() if p in line]
    assert not leaked, (leaked, line)


def _port(name: str, external: int, host: str = LAN) -> PlannedPort:
    return PlannedPort(name, external, external, host, "TCP", f"pmemail {name}", host == LAN)


@pytest.fixture(scope="module")
def pcp_refusing() -> Iterator[tuple[int, list[int]]]:
    """A loopback PCP server answering each MAP with the next result code of a list."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    results: list[int] = []

    def serve() -> None:
        while True:
            data, peer = sock.recvfrom(1100)
            if data == b"stop":
                return
            nonce, _p, _i, ext, _ip = MAP_BODY.unpack_from(data, 24)
            head = RESPONSE_HEADER.pack(2, 0x81, 0, results.pop(0), 0, 1234)
            ip = b"\0" * 10 + b"\xff\xff" + socket.inet_aton("203.0.113.2")
            sock.sendto(head + MAP_BODY.pack(nonce, 6, 11143, ext, ip), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], results
    sock.sendto(b"stop", sock.getsockname())  # recvfrom does not wake up on close()
    thread.join(2)
    sock.close()


def _pcp_error(port: int, results: list[int], result: int, timeout: float = 1.0) -> RouterError:
    results.append(result)
    with pytest.raises(RouterError) as info:
        PcpClient("127.0.0.1", timeout, port=port).map("TCP", 143, 143, 600)
    return info.value


def _silent_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def outcomes(pcp_refusing: tuple[int, list[int]]) -> dict[str, PortOutcome]:
    """One outcome of each kind (made once: the silent PCP router costs its timeout)."""
    return representative_outcomes(pcp_refusing)


def representative_outcomes(pcp: tuple[int, list[int]]) -> dict[str, PortOutcome]:
    """One outcome of each kind ``ports apply`` and ``ports remove`` print."""
    port, results = pcp
    imap, smtp = _port("imap", 143), _port("smtp", 25)
    upnp_606 = from_upnp_exception(Exception("Action not authorized"), port=143)
    upnp_718 = from_upnp_exception(Exception("ConflictInMappingEntry"), port=25)
    holder = from_upnp_exception(Exception("ConflictInMappingEntry"), port=25, holder="10.0.0.9")
    with pytest.raises(RouterError) as info:
        PcpClient("127.0.0.1", 0.2, port=_silent_port()).map("TCP", 143, 143, 60)
    silent = info.value
    applied = PortOutcome("imap", 1143, "TCP", LAN, 1143, MAPPED, "upnp", 1143, 3600)
    applied.fallback_for = 143
    applied.say(advice.fallback_applied_note("imap", 143, 1143, "upnp", 143, 1143))
    failed_too = failed_outcome(imap, upnp_606)
    fallback_refused = failed_outcome(_port("imap", 1143), _pcp_error(port, results, 8))
    assert failed_too.msg is not None and fallback_refused.msg is not None
    failed_too.say(
        Msg(
            "fwd.out.fallback_failed",
            {"port": "1143"},
            {"reason": failed_too.msg, "why": fallback_refused.msg},
        )
    )
    return {
        "refused_606": failed_outcome(imap, upnp_606),
        "conflict_718": failed_outcome(smtp, upnp_718),
        "conflict_holder": failed_outcome(smtp, holder),
        "other_host_718": other_host_failure(_port("rdp", 3389, "192.168.1.20"), upnp_718),
        "pcp_not_authorized": failed_outcome(imap, _pcp_error(port, results, 2)),
        "pcp_no_resources": failed_outcome(imap, _pcp_error(port, results, 8)),
        "timeout": failed_outcome(imap, silent),
        "budget_time": failed_outcome(
            imap, budget_error("time", RequestBudget(max_requests=4, deadline=90.0))
        ),
        "cgnat": failed_outcome(
            smtp,
            RouterError(errors.NO_PUBLIC_ADDRESS, errors.explain_msg(errors.NO_PUBLIC_ADDRESS)),
        ),
        "fallback_applied": applied,
        "fallback_failed": failed_too,
        "mapped": PortOutcome("smtp", 25, "TCP", LAN, 25, MAPPED, "natpmp", 25, 7200),
        "removed": PortOutcome("smtp", 25, "TCP", LAN, 25, REMOVED, "pcp"),
    }


KINDS = [
    "refused_606",
    "conflict_718",
    "conflict_holder",
    "other_host_718",
    "pcp_not_authorized",
    "pcp_no_resources",
    "timeout",
    "budget_time",
    "cgnat",
    "fallback_applied",
    "fallback_failed",
    "mapped",
    "removed",
]


@pytest.mark.parametrize("kind", KINDS)
def test_outcome_line_in_french_has_no_english(kind: str, outcomes: dict[str, PortOutcome]) -> None:
    """Each kind of outcome line, worded in French, holds no English sentence."""
    outcome = outcomes[kind]
    line = outcome_line(outcome, FR)
    assert_french(line)
    if outcome.status == FAILED:
        assert "ÉCHEC : " in line
        assert outcome.msg is not None and outcome.message == outcome.msg.english()
        assert outcome_line(outcome).endswith(f"FAILED: {outcome.message}")


def test_the_fallback_note_says_what_to_tell_staff(outcomes: dict[str, PortOutcome]) -> None:
    """The applied fallback's note: the high port for staff, in both languages."""
    applied = outcomes["fallback_applied"]
    assert applied.message.startswith("forwarded by UPNP on external port 1143 instead of 143")
    line = outcome_line(applied, FR)
    assert "redirigé par UPNP (bail de 3600 s), au lieu du port refusé 143" in line
    assert fr(applied).startswith("redirigé par UPNP sur le port externe 1143 au lieu du 143")


def test_router_refusals_keep_their_english_sentence(outcomes: dict[str, PortOutcome]) -> None:
    """The English a RouterError carried before is still its text (logs, --json)."""
    out = outcomes
    assert out["refused_606"].message == (
        "the router's UPnP rules refuse port 143 (many routers only allow ports from 1024 "
        "up, or only to the asking machine)"
    )
    assert out["conflict_holder"].message.startswith("port 25 is already forwarded to 10.0.0.9")
    assert out["pcp_not_authorized"].message.startswith("PCP refused port 143: not authorized")
    assert out["timeout"].message == "the router 127.0.0.1 does not answer PCP"
    assert fr(out["timeout"]) == "le routeur 127.0.0.1 ne répond pas en PCP"
    assert fr(out["conflict_718"]).startswith("le routeur refuse le port 25 :")


def test_json_keeps_english_and_adds_the_message_id(outcomes: dict[str, PortOutcome]) -> None:
    """``ports apply --json``: ``message`` in English as before, plus id, params and parts."""
    out = outcomes
    report = ForwardingReport("apply", [out["refused_606"], out["fallback_failed"]])
    doc = json.loads(json.dumps(forwarding_document(report, [], None)))
    first, second = doc["ports"]
    assert first["message"] == out["refused_606"].message
    assert first["message_id"] == "fwd.err.not_authorized_low" and first["params"] == {}
    assert first["parts"] == {"what": {"id": "fwd.err.what.port", "params": {"port": "143"}}}
    assert "msg" not in first
    assert second["message_id"] == "fwd.out.fallback_failed"
    said = {"id": second["message_id"], "params": second["params"], "parts": second["parts"]}
    assert word(said, "en") == second["message"]
    assert_french(word(said, "fr"))


def test_every_forwarding_id_has_french() -> None:
    """The forwarding catalogue is in the one verdict catalogue, French included."""
    from netcore.checks.verdict_messages import ENGLISH

    assert set(FORWARDING) <= set(ENGLISH) and set(FORWARDING) <= set(FRENCH)


UNSHARE = shutil.which("unshare")


def test_cli_ports_apply_in_french_without_a_router(tmp_path: Path) -> None:
    """`pmemail --lang fr ports apply` with no router at all (a namespace with only
    loopback): the header, each port's failure and the DMZ note are French."""
    if UNSHARE is None or subprocess.run([UNSHARE, "-n", "true"]).returncode != 0:
        pytest.skip("needs unshare -n (root or user namespaces)")
    conf = tmp_path / "pmemail.toml"
    ports = "".join(
        f"[ports.{name}]\nenabled = {str(name == 'submission').lower()}\n"
        for name in ("smtp", "submission", "imap", "pop3", "webmail", "https", "remote_desktop")
    )
    conf.write_text(
        f'data_dir = "{tmp_path / "data"}"\nlanguage = "en"\n'
        "[network]\nupnp_discover_ms = 200\nnatpmp_timeout = 0.2\n" + ports
    )
    cmd = [sys.executable, "-m", "pmemail", "--config", str(conf), "--lang", "fr"]
    cmd += ["ports", "apply", "--gateway", "127.0.0.1", "--lan-ip", "127.0.0.1"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run(
        [UNSHARE, "-n", "sh", "-c", "ip link set lo up 2>/dev/null; exec " + " ".join(cmd)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 2, done.stdout + done.stderr
    assert lines[0].startswith("redirection de 1 port(s) vers ce bureau"), lines
    outcomes = [line for line in lines if "->" in line]
    assert outcomes and all("ÉCHEC : " in line for line in outcomes), lines
    dmz = [line for line in lines if "DMZ" in line]
    for line in [lines[0], *outcomes, *dmz]:
        assert_french(line)


def test_pcp_result_words_cover_every_code() -> None:
    """Each PCP result code a router may send has its words (an unknown one its number)."""
    for code in range(1, 14):
        assert errors.pmp_result("pcp", code).id.startswith("fwd.pmp.")
    unknown = errors.pmp_result("natpmp", 99)
    assert FR(unknown) == "code de résultat 99" and unknown.english() == "result code 99"


def test_dashboard_forward_details_in_french(outcomes: dict[str, PortOutcome]) -> None:
    """The dashboard's Forward all / Remove: the headline and each port's line in French."""
    from pmemail.app.forwarding_actions import _summary

    report = ForwardingReport("apply", [outcomes["refused_606"]])
    # nothing mapped: the router's own error leads the details
    report.router_error, report.router_msg = "no UPnP router", Msg("fwd.err.no_igd")
    result = _summary(report, "forwarded", "fr")
    assert result.words("fr").startswith("0 port(s) sur 1 redirigé(s)")
    assert result.details[0] == "aucun routeur UPnP (IGD) n'a répondu sur ce réseau"
    for line in result.details:
        assert_french(line)
    removed = _summary(ForwardingReport("remove", [outcomes["removed"]]), "removed", "fr")
    assert_french(removed.details[0])


def test_router_unreachable_action_error_in_french() -> None:
    """Forward all with no router at all: the one-line error in the screen's language."""
    from pmemail.app.action_result import ActionError

    err = ActionError.said("forward.cannot_forward", reason=Msg("fwd.err.no_default_route"))
    assert str(err).startswith("cannot forward the ports: this machine has no default route")
    fr = err.words("fr")
    assert fr.startswith("impossible de rediriger les ports : cet ordinateur n'a pas de route")
    assert_french(fr)


def test_wizard_forward_rows_in_french(outcomes: dict[str, PortOutcome]) -> None:
    """The wizard's forward step words each port's row in the app's language."""
    from pmemail_tui.i18n import current_language, set_language
    from pmemail_tui.screens.wizard.step_forward import _row

    before = current_language()
    set_language("fr")
    try:
        status, finding, details, _advice = _row(outcomes["conflict_718"])
        assert status == "fail" and finding.startswith("le routeur refuse le port 25 :")
        assert details == "code 718"
        _ok, mapped, lease, _ = _row(outcomes["mapped"])
        assert mapped == "redirigé par NATPMP vers 192.168.1.10:25" and lease == "bail de 7200 s"
        for text in (finding, mapped, lease):
            assert_french(text)
    finally:
        set_language(before)


def test_dashboard_router_error_in_french() -> None:
    """The dashboard's network panel: why the router could not be read, in French."""
    from pmemail.app.network_snapshot import NetworkSnapshot

    snap = NetworkSnapshot(
        0.0, "", "no UPnP router (IGD) answered on this network", "", "", "", False
    )
    assert snap.router_error_words("fr") == snap.router_error  # an older snapshot: as it is
    said = NetworkSnapshot(
        0.0, "", snap.router_error, "", "", "", False, router_error_msg=Msg("fwd.err.no_igd")
    )
    assert said.router_error_words("en") == snap.router_error
    assert said.router_error_words("fr") == "aucun routeur UPnP (IGD) n'a répondu sur ce réseau"

"""Pure logic of the port plan: plan building, error mapping, PCP packets, texts."""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from netcore import advice
from netcore.forwarding_report import forwarding_document, outcome_line, plan_document
from netcore.plan import PlanError, build_plan, is_ours, mapping_description
from netcore.port_outcome import FAILED, MAPPED, REMOVED, ForwardingReport, PortOutcome
from netcore.router import errors
from netcore.router.errors import RouterError, explain, from_upnp_exception, upnp_code
from netcore.router.pcp import (
    MAP_BODY,
    RESPONSE_HEADER,
    PcpClient,
    PcpFormatError,
    pack_map_request,
    parse_map_response,
)
from netcore.router.ssdp import parse_location
from netcore.router.state import ForwardingState, MappingRecord
from pmemail.cli.main import main
from pmemail.config import Config, save_config
from pmemail.config.model import PortMapping

LAN = "192.168.1.10"


def test_plan_defaults_enabled_entries_and_this_machine() -> None:
    """Empty internal_host = this machine; remote desktop keeps its own host."""
    plan = {p.name: p for p in build_plan(Config(), LAN)}
    assert set(plan) == {
        "smtp",
        "submission",
        "imap",
        "pop3",
        "webmail",
        "https",
        "remote_desktop",
    }
    assert plan["smtp"].internal_host == LAN and plan["smtp"].local
    rdp = plan["remote_desktop"]
    assert (rdp.external, rdp.internal, rdp.internal_host, rdp.local) == (
        20800,
        3389,
        "192.168.1.20",
        False,
    )
    assert rdp.description == "pmemail remote_desktop" and rdp.key == "20800/TCP"


def test_plan_skips_disabled_and_keeps_different_internal_ports() -> None:
    """Disabled entries vanish; external and internal ports may differ."""
    config = Config()
    config.ports.webmail.enabled = False
    config.ports.imap = PortMapping(143, 1430, "", "TCP", "IMAP", True)
    plan = {p.name: p for p in build_plan(config, LAN)}
    assert "webmail" not in plan
    assert (plan["imap"].external, plan["imap"].internal) == (143, 1430)


def test_plan_refuses_bad_host_and_duplicate_port() -> None:
    """Clear errors naming the config key."""
    config = Config()
    config.ports.remote_desktop.internal_host = "pc.local"
    with pytest.raises(PlanError, match=r"ports.remote_desktop.internal_host: 'pc.local'"):
        build_plan(config, LAN)
    config = Config()
    config.ports.imap.external = 25
    with pytest.raises(PlanError, match=r"ports\.imap and ports\.smtp both use external port 25"):
        build_plan(config, LAN)


def test_ours_by_description_prefix() -> None:
    """Only descriptions starting with pmemail are ours."""
    assert is_ours(mapping_description("smtp")) and is_ours("PMEMAIL x")
    assert not is_ours("NAT-PMP 25 tcp") and not is_ours("someone pmemail")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ConflictInMappingEntry", 718),
        ("Action not authorized", 606),
        ("Action Failed", 501),
        ("Invalid Action", 401),
        ("OnlyPermanentLeasesSupported", 725),
        ("ConflictInMappingEntry (718)", 718),
        ("Success", None),
        ("Miniupnpc HTTP error", None),
    ],
)
def test_upnp_error_strings_map_to_codes(text: str, code: int | None) -> None:
    """miniupnpc's bare Exception text becomes the UPnP code."""
    assert upnp_code(Exception(text)) == code


def test_conflict_message_names_the_holder() -> None:
    """718 with a known holder: the exact sentence of the issue."""
    err = from_upnp_exception(Exception("ConflictInMappingEntry"), port=25, holder="192.168.2.9")
    assert err.code == 718
    assert str(err) == (
        "port 25 is already forwarded to 192.168.2.9 — remove that rule in the "
        "router or choose another port"
    )
    assert "secure mode" in explain(718, port=25)


def test_other_codes_have_clear_sentences() -> None:
    """606, 501, 401, no IGD and unknown strings all read as sentences."""
    assert "UPnP rules refuse port 80" in explain(606, port=80)
    assert "CGNAT" in explain(501, port=80)
    assert "does not support" in explain(401)
    assert "no router answered" in explain(errors.NO_ROUTER)
    odd = from_upnp_exception(Exception("Miniupnpc HTTP error"))
    # issue 16 finding 5: miniupnpc's own text never reaches the admin (kept in raw)
    assert odd.code == errors.NETWORK and "Miniupnpc" not in str(odd)
    assert "did not answer the UPnP request" in str(odd) and odd.raw == "Miniupnpc HTTP error"


def test_pcp_request_layout() -> None:
    """60 bytes: version 2, MAP, lifetime, v4-mapped client, nonce, proto, ports."""
    nonce = bytes(range(12))
    pkt = pack_map_request("192.168.2.2", nonce, "TCP", 11143, 143, 600)
    assert len(pkt) == 60
    version, opcode, _r, lifetime, client = struct.unpack_from("!BBHI16s", pkt)
    assert (version, opcode, lifetime) == (2, 1, 600)
    assert client == b"\0" * 10 + b"\xff\xff" + socket.inet_aton("192.168.2.2")
    n, proto, internal, external, ext_ip = MAP_BODY.unpack_from(pkt, 24)
    assert (n, proto, internal, external) == (nonce, 6, 11143, 143)
    assert ext_ip == b"\0" * 10 + b"\xff\xff" + b"\0" * 4
    with pytest.raises(ValueError):
        pack_map_request("192.168.2.2", b"short", "TCP", 1, 1, 1)


def _response(nonce: bytes, result: int = 0, external: int = 143, life: int = 600) -> bytes:
    head = RESPONSE_HEADER.pack(2, 0x81, 0, result, life, 1234)
    ip = b"\0" * 10 + b"\xff\xff" + socket.inet_aton("203.0.113.2")
    return head + MAP_BODY.pack(nonce, 6, 11143, external, ip)


def test_pcp_response_parsing() -> None:
    """A MAP response gives result, lifetime, granted port and the IPv4 address."""
    nonce = os.urandom(12)
    resp = parse_map_response(_response(nonce, external=30143))
    assert (resp.result, resp.lifetime, resp.epoch, resp.external) == (0, 600, 1234, 30143)
    assert resp.nonce == nonce and resp.external_ip == "203.0.113.2"
    with pytest.raises(PcpFormatError, match="too short"):
        parse_map_response(b"\x02\x81")
    with pytest.raises(PcpFormatError, match="not a PCP MAP response"):
        parse_map_response(b"\x00" * 60)


@pytest.fixture
def fake_pcp() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback PCP server: grants port+30000 for ports < 1024, else the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                data, peer = sock.recvfrom(1100)
            except OSError:
                return
            seen.append(data)
            nonce, _p, _i, ext, _ip = MAP_BODY.unpack_from(data, 24)
            life = struct.unpack_from("!I", data, 4)[0]
            granted = ext + 30000 if 0 < ext < 1024 else ext
            sock.sendto(_response(nonce, external=granted, life=life), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], seen
    sock.close()
    thread.join(2)


def test_pcp_client_reports_the_granted_port(fake_pcp: tuple[int, list[bytes]]) -> None:
    """A substituted port is visible to the caller; delete reuses the nonce."""
    port, seen = fake_pcp
    client = PcpClient("127.0.0.1", 1.0, port=port)
    ok = client.map("TCP", 1234, 11234, 600)
    assert ok.external == 1234 and ok.lifetime == 600 and len(ok.nonce) == 24
    moved = client.map("TCP", 25, 2525, 600)
    assert moved.external == 30025
    client.unmap("TCP", 2525, bytes.fromhex(moved.nonce))
    assert seen[-1][24:36] == bytes.fromhex(moved.nonce)
    assert struct.unpack_from("!I", seen[-1], 4)[0] == 0  # lifetime 0 = delete


def test_pcp_client_without_server_says_no_router() -> None:
    """Nothing listening: a RouterError within the timeout, not a hang."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    with pytest.raises(RouterError) as info:
        PcpClient("127.0.0.1", 0.2, port=free).map("TCP", 1234, 1234, 60)
    assert info.value.code == errors.NO_ROUTER


def test_ssdp_location_parsing() -> None:
    """The IGD's LOCATION is taken; other devices are ignored."""
    reply = (
        b"HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:2\r\n"
        b"LOCATION: http://192.168.2.1:5000/rootDesc.xml\r\n\r\n"
    )
    assert parse_location(reply) == "http://192.168.2.1:5000/rootDesc.xml"
    assert parse_location(reply.replace(b"InternetGatewayDevice", b"MediaServer")) is None
    assert parse_location(b"NOTIFY * HTTP/1.1\r\n\r\n") is None


def test_state_roundtrip_and_damaged_file(tmp_path: Path) -> None:
    """The state survives a save/load; a damaged file is an empty state."""
    path = tmp_path / "state" / "forwarding.json"
    state = ForwardingState(igd_url="http://r/rootDesc.xml")
    state.record(MappingRecord("imap", "pcp", "TCP", 143, 143, LAN, 1430, 600, 1000.0, "ab"))
    state.save(path)
    again = ForwardingState.load(path)
    assert again == state
    assert again.mappings["143/TCP"].remaining(1300.0) == 300.0
    assert MappingRecord("x", "upnp", "TCP", 1, 1, LAN, 1, 0, 0.0).remaining(5.0) is None
    path.write_text("{not json")
    assert ForwardingState.load(path) == ForwardingState()


def test_fallback_never_moves_inbound_smtp() -> None:
    """25 -> no proposal and why; IMAP/POP/webmail move to high ports."""
    plan = {p.name: p for p in build_plan(Config(), LAN)}
    smtp = advice.propose_fallback(plan["smtp"])
    assert smtp.proposed_external is None and "NOT useful" in smtp.note
    assert advice.propose_fallback(plan["imap"]).proposed_external == 1143
    assert advice.propose_fallback(plan["pop3"]).proposed_external == 1110
    assert advice.propose_fallback(plan["webmail"]).proposed_external == 8080
    assert advice.propose_fallback(plan["https"]).proposed_external == 8443


def test_plan_https_follows_the_legacy_port() -> None:
    """A non-zero server.https_port (old files) is where the router forwards 443 to."""
    config = Config()
    config.server.https_port = 8443
    https = {p.name: p for p in build_plan(config, LAN)}["https"]
    assert (https.external, https.internal) == (443, 8443)


def test_manual_table_lines() -> None:
    """The exact table the admin types: external, protocol, internal address, port."""
    plan = build_plan(Config(), LAN)
    lines = advice.format_manual_table(advice.manual_rows(plan[-1:]))
    assert lines[0].split("  ")[0] == "external port"
    assert lines[1].split() == ["20800", "TCP", "192.168.1.20", "3389", "remote_desktop"]


def _outcome(name: str, ext: int, status: str, **kw: object) -> PortOutcome:
    return PortOutcome(name, ext, "TCP", LAN, ext, status, **kw)  # type: ignore[arg-type]


def test_outcome_line() -> None:
    """One text form of an outcome for the CLI and the dashboard, in aligned columns."""
    mapped = _outcome("imap", 1143, MAPPED, method="upnp", lease=3600, fallback_for=143)
    assert outcome_line(mapped) == (
        f" 1143/TCP -> {LAN + ':1143':<21} imap             "
        "mapped by UPNP (lease 3600 s), instead of refused port 143"
    )
    permanent = outcome_line(_outcome("smtp", 25, MAPPED, method="natpmp"))
    assert permanent.endswith("smtp             mapped by NATPMP (permanent)")
    assert outcome_line(_outcome("pop3", 110, REMOVED, method="pcp")).endswith("removed (PCP)")
    failed = outcome_line(_outcome("pop3", 110, FAILED, message="refused (606)"))
    assert failed.endswith("pop3             FAILED: refused (606)")


def test_report_exit_codes_and_document() -> None:
    """0 all mapped, 1 partial, 2 nothing; the JSON document carries the fallbacks."""
    plan = build_plan(Config(), LAN)
    full = ForwardingReport("apply", [_outcome("smtp", 25, MAPPED)])
    assert full.exit_code() == 0
    assert ForwardingReport("apply", []).exit_code() == 0
    partial = ForwardingReport(
        "apply",
        [
            _outcome("submission", 1234, MAPPED),
            _outcome("imap", 143, FAILED, code=606, low_port=True),
        ],
    )
    assert partial.exit_code() == 1
    assert ForwardingReport("apply", [_outcome("imap", 143, FAILED)]).exit_code() == 2
    doc = json.loads(json.dumps(forwarding_document(partial, plan, None)))
    assert doc["summary"] == {"total": 2, "ok": 1, "failed": 1}
    assert doc["fallback"][0]["proposed_external"] == 1143
    assert doc["manual"]["table"][0]["external"] == 143
    assert "stop filtering everything else" in doc["dmz"]
    assert plan_document(plan, LAN, "192.168.1.1")["ports"][0]["name"] == "smtp"


def test_cli_plan_json_needs_no_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ports plan --lan-ip` prints the plan document without touching the network."""
    cfg = tmp_path / "pmemail.toml"
    save_config(cfg, Config(data_dir=str(tmp_path / "data")))
    assert main(["--config", str(cfg), "ports", "plan", "--json", "--lan-ip", LAN]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["action"] == "plan" and doc["lan_ip"] == LAN
    assert [p["external"] for p in doc["ports"]] == [25, 1234, 143, 110, 80, 443, 20800]
    assert main(["--config", str(cfg), "ports", "plan", "--lan-ip", LAN]) == 0
    text = capsys.readouterr().out
    assert "20800/TCP  ->  192.168.1.20:3389" in text and "DMZ" in text


def test_cli_plan_bad_host_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad internal_host is a one-line error with exit code 2, no traceback."""
    cfg = tmp_path / "pmemail.toml"
    config = Config(data_dir=str(tmp_path / "data"))
    config.ports.remote_desktop.internal_host = "pc"
    save_config(cfg, config)
    assert main(["--config", str(cfg), "ports", "plan", "--lan-ip", LAN]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pmemail: ports.remote_desktop.internal_host") and err[-1] == "\n"

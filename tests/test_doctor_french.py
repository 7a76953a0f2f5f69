"""``pmemail doctor`` in French speaks French in every row of the network checks.

Two namespaces nothing can leave: one with no network at all, one with a LAN
(a veth whose peer answers nothing) so the router, echo, NAT, fixed-or-dynamic,
DNS, outbound 25 and inbound checks all give their own findings and advice.
Issue 16: every finding and piece of advice is a message id the French
interface words.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netcore.checks.finding_messages import FINDINGS

UNSHARE = shutil.which("unshare")
IP = shutil.which("ip")
# a LAN with a gateway that never answers: every probe is asked, none is answered
LAN_UP = (
    "ip link set lo up && ip link add v0 type veth peer name v1 && "
    "ip addr add 192.168.50.2/24 dev v0 && ip link set v0 up && ip link set v1 up && "
    "ip route add default via 192.168.50.1"
)
FAST = """
[network]
check_timeout = 20
connect_timeout = 0.5
http_timeout = 0.5
upnp_discover_ms = 300
natpmp_timeout = 0.3
dns_timeout = 0.5
"""


def doctor(
    tmp_path: Path, *args: str, language: str, lan: bool
) -> subprocess.CompletedProcess[str]:
    """Run ``pmemail doctor ARGS`` in a fresh network namespace (with a dead LAN if ``lan``)."""
    conf = tmp_path / f"{language}.toml"
    conf.write_text(f'data_dir = "{tmp_path / "data"}"\nlanguage = "{language}"\n{FAST}')
    assert UNSHARE
    cmd = [sys.executable, "-m", "pmemail", "--config", str(conf), "doctor", *args]
    line = " ".join(cmd)
    script = f"{LAN_UP} && exec {line}" if lan else f"exec {line}"
    return subprocess.run(
        [UNSHARE, "-n", "sh", "-c", script], capture_output=True, text=True, timeout=120
    )


def english_fragments() -> list[str]:
    """The literal runs (20+ characters) of every English finding and advice text."""
    pieces = (p.strip() for text in FINDINGS.values() for p in re.split(r"\{[^}]*\}", text))
    return sorted({p for p in pieces if len(p) >= 20})


@pytest.fixture(autouse=True)
def _can_unshare() -> None:
    if UNSHARE is None or subprocess.run([UNSHARE, "-n", "true"]).returncode != 0:
        pytest.skip("needs unshare -n (root or user namespaces)")


@pytest.fixture
def _can_veth() -> None:
    if IP is None or subprocess.run([UNSHARE or "", "-n", "sh", "-c", LAN_UP]).returncode:
        pytest.skip("needs ip and veth inside a network namespace")


def test_no_network_in_french_has_no_english_row(tmp_path: Path) -> None:
    """The LAN row, the titles and the first line are French too."""
    out = doctor(tmp_path, language="fr", lan=False).stdout
    assert "pas de route par défaut" in out and "Réseau local" in out
    assert "vérification de l'abonnement internet" in out
    leaked = [p for p in english_fragments() if p in out]
    assert leaked == []
    assert "Router" not in out and "Public address" not in out


@pytest.mark.usefixtures("_can_veth")
def test_dead_lan_in_french_every_check_and_advice_is_french(tmp_path: Path) -> None:
    """Router, echo, NAT, fixed/dynamic, DNS, outbound 25: findings and advice in French."""
    out = doctor(tmp_path, language="fr", lan=True).stdout
    for french in (
        "aucun routeur n'a répondu en UPnP ou en NAT-PMP à 192.168.50.1",
        "aucun service d'écho n'a répondu : adresse publique inconnue",
        "situation NAT inconnue : aucun service d'écho n'a répondu",
        "adresse publique inconnue : DNS non vérifié",
        "impossible de dire si le port 25 est bloqué",
        "activez UPnP (IGD) ou NAT-PMP dans le routeur",  # advice, not only findings
        "vérifiez la connexion internet et network.echo_url",
    ):
        assert french in out, french
    leaked = [p for p in english_fragments() if p in out]
    assert leaked == []


@pytest.mark.usefixtures("_can_veth")
def test_json_keeps_english_findings_and_adds_message_ids(tmp_path: Path) -> None:
    """``finding``/``advice`` stay English; ``message`` and ``advice_messages`` carry ids."""
    doc = json.loads(doctor(tmp_path, "--json", language="fr", lan=True).stdout)
    checks = {c["id"]: c for c in doc["checks"]}
    router = checks["router"]
    assert router["finding"] == "no router answered UPnP or NAT-PMP at 192.168.50.1"
    assert router["message"] == {"id": "find.router.none", "params": {"gateway": "192.168.50.1"}}
    assert [m["id"] for m in router["advice_messages"]] == ["adv.router.enable"]
    nat = checks["nat"]["message"]
    assert nat["id"] == "find.nat.unknown_why" and nat["parts"]["reason"]["id"] == "nat.no_echo"
    assert all("advice_messages" in c for c in doc["checks"])

"""Wall time of ``pmemail doctor --json`` in the router lab, with and without a router.

Needs root (network namespaces, miniupnpd, nft). Run from the project root::

Targets (issue 3): at most 3 s with a router, 5 s without. The config uses
the shipped defaults except the lab's echo service, port-25 probes and DNS
server; ``dns_timeout`` is 1 s because the lab has no DNS server (every
DNS query times out, which a real office never sees for all of them).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.method import MIN_ROUNDS, BenchFailure, goal_line, spread  # noqa: E402
from tests.lab import Lab  # noqa: E402  (needs ROOT on sys.path)
from tests.lab.constants import ISP_IP, LAN_GW, NS_LAN, REMOTE_IP  # noqa: E402

CONFIG = f"""\
data_dir = "{{data}}"
[network]
echo_url = ["http://{ISP_IP}"]
port25_probes = ["{REMOTE_IP}:25", "{REMOTE_IP}:587"]
resolver = "{ISP_IP}"
dns_timeout = 1.0
"""

NO_ROUTER_NFT = f"""
table inet nodoctor {{
    chain output {{
        type filter hook output priority 0; policy accept;
        ip daddr {{ {LAN_GW}, 239.255.255.250 }} udp dport {{ 1900, 5351 }} drop
        ip daddr {LAN_GW} tcp dport 5000 drop
    }}
}}
"""


EXPECTED_CHECKS = {"lan", "router", "public_ip", "nat", "ip_kind", "outbound_25", "dns"}
GOALS = {"with router": 3.0, "without router": 5.0}


def time_doctor(lab: Lab, conf: Path, router: bool) -> tuple[float, dict[str, float]]:
    """One ``pmemail doctor --json`` run: wall seconds and per-check seconds, verified."""
    start = time.monotonic()
    res = lab.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(conf), "doctor", "--json"],
        check=False,
        timeout=60,
    )
    wall = time.monotonic() - start
    try:
        doc = json.loads(res.stdout)
    except json.JSONDecodeError:
        tail = res.stderr[-300:]
        raise BenchFailure(f"doctor printed no JSON (exit {res.returncode}): {tail}") from None
    checks = {c["id"]: c for c in doc.get("checks", [])}
    missing = EXPECTED_CHECKS - set(checks)
    if missing:
        raise BenchFailure(f"doctor's document lacks checks {sorted(missing)}")
    found = bool(doc["router"]["upnp"] or doc["router"]["natpmp"])
    if found != router:
        raise BenchFailure(
            f"scenario {'with' if router else 'without'} router, but the doctor "
            f"{'found' if found else 'did not find'} one: {checks['router']['finding']}"
        )
    return wall, {c: checks[c]["seconds"] for c in checks}


def set_router(lab: Lab, reachable: bool) -> None:
    """Hide the router from the LAN machine (UPnP, NAT-PMP) or show it again."""
    if reachable:
        subprocess.run(
            ["ip", "netns", "exec", NS_LAN, "nft", "delete", "table", "inet", "nodoctor"],
            capture_output=True,
            check=False,
        )
    else:
        lab.run(NS_LAN, ["nft", "-f", "-"], input_text=NO_ROUTER_NFT)


def run_rounds(lab: Lab, conf: Path, rounds: int) -> dict[str, list[float]]:
    """Alternate both scenarios over ``rounds`` rounds after one warm-up of each."""
    walls: dict[str, list[float]] = {name: [] for name in GOALS}
    slowest: dict[str, dict[str, float]] = {}
    names = list(GOALS)
    for name in names:  # warm-up: caches, the first import of the doctor's modules
        set_router(lab, name == "with router")
        time_doctor(lab, conf, name == "with router")
    loads = []
    for index in range(max(rounds, MIN_ROUNDS)):
        loads.append(os.getloadavg()[0])
        for name in names if index % 2 == 0 else names[::-1]:
            set_router(lab, name == "with router")
            wall, per_check = time_doctor(lab, conf, name == "with router")
            walls[name].append(wall)
            slowest[name] = per_check
            print(f"  round {index + 1}: {name:<15} {wall:5.2f} s", flush=True)
    set_router(lab, True)
    print("== pmemail doctor --json in the router lab, seconds")
    for name, goal in GOALS.items():
        top = sorted(slowest[name].items(), key=lambda kv: -kv[1])[:3]
        print(f"  {name:<15} min / median / max = {spread(walls[name])}")
        print(
            f"  {'':<15} slowest checks (last round): "
            + ", ".join(f"{k} {v:.2f} s" for k, v in top)
        )
        print("  " + goal_line(name, statistics.median(walls[name]), goal, higher_is_better=False))
    print("  load average at each round: " + " ".join(f"{x:.2f}" for x in loads))
    return walls


def main() -> None:
    """Build the lab, time both scenarios, tear it down."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmemail-bench-doctor-") as tmp:
        lab = Lab(Path(tmp) / "lab")
        conf = Path(tmp) / "pmemail.toml"
        conf.write_text(CONFIG.format(data=Path(tmp) / "data"))
        lab.up()
        try:
            run_rounds(lab, conf, args.rounds)
        finally:
            set_router(lab, True)
            lab.down()


if __name__ == "__main__":
    main()

"""Wall time of ``pmemail doctor --json`` in the router lab, with and without a router.

Needs root (network namespaces, miniupnpd, nft). Run from the project root::

    python bench/doctor/run.py [--runs 3]

Targets (issue 3): at most 3 s with a router, 5 s without. The config uses
the shipped defaults except the lab's echo service, port-25 probes and DNS
server; ``dns_timeout`` is 1 s because the lab has no DNS server (every
DNS query times out, which a real office never sees for all of them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

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


def time_doctor(lab: Lab, conf: Path, runs: int) -> list[tuple[float, dict[str, float]]]:
    """Run the doctor ``runs`` times; (wall seconds, per-check seconds) each."""
    out = []
    for _ in range(runs):
        start = time.monotonic()
        res = lab.run(
            NS_LAN,
            [sys.executable, "-m", "pmemail", "--config", str(conf), "doctor", "--json"],
            check=False,
            timeout=60,
        )
        wall = time.monotonic() - start
        doc = json.loads(res.stdout)
        out.append((wall, {c["id"]: c["seconds"] for c in doc["checks"]}))
    return out


def report(name: str, target: float, results: list[tuple[float, dict[str, float]]]) -> None:
    """Print one scenario's numbers."""
    walls = [w for w, _ in results]
    slowest = sorted(results[-1][1].items(), key=lambda kv: -kv[1])[:3]
    print(
        f"{name:<14} median {statistics.median(walls):5.2f} s  max {max(walls):5.2f} s  "
        f"(target {target:g} s)  slowest checks: " + ", ".join(f"{k} {v:.2f}s" for k, v in slowest)
    )


def main() -> None:
    """Build the lab, time both scenarios, tear it down."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmemail-bench-doctor-") as tmp:
        lab = Lab(Path(tmp) / "lab")
        conf = Path(tmp) / "pmemail.toml"
        conf.write_text(CONFIG.format(data=Path(tmp) / "data"))
        lab.up()
        try:
            report("with router", 3, time_doctor(lab, conf, args.runs))
            lab.run(NS_LAN, ["nft", "-f", "-"], input_text=NO_ROUTER_NFT)
            report("without router", 5, time_doctor(lab, conf, args.runs))
        finally:
            subprocess.run(
                ["ip", "netns", "exec", NS_LAN, "nft", "delete", "table", "inet", "nodoctor"],
                capture_output=True,
                check=False,
            )
            lab.down()


if __name__ == "__main__":
    main()

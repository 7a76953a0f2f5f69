"""Outbound port 25: may this office send mail straight to other servers?

Many ISPs drop outbound TCP/25 from consumer lines to stop spam bots. The
probe connects to ``network.port25_probes`` (host:port): a timeout or reset
on 25 while 587 answers is the signature of an ISP block; then outbound mail
must go through the ISP's relay (smarthost).
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from netcore.checks.result import CheckResult, Status
from netcore.checks.verdict_messages import Msg
from netcore.isp_facts import IspHints

Outcome = Literal["open", "refused", "timeout", "reset", "unreachable", "bad"]


def split_hostport(text: str) -> tuple[str, int]:
    """``"host:port"`` → (host, port); a bare host means port 25.

    Raises:
        ValueError: the port is not a number 1-65535.
    """
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        return text.strip(), 25
    number = int(port)
    if not 0 < number < 65536:
        raise ValueError(f"bad port in {text!r}")
    return host.strip("[]"), number


def tcp_probe(host: str, port: int, timeout: float) -> Outcome:
    """Try one TCP connection and say how it ended."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return "open"
    except ConnectionRefusedError:
        return "refused"
    except ConnectionResetError:
        return "reset"
    except TimeoutError:
        return "timeout"
    except OSError:
        return "unreachable"  # includes a name that does not resolve


def check_outbound_25(probes: list[str], timeout: float, facts: IspHints) -> CheckResult:
    """Probe every ``host:port`` at once and judge port 25.

    Args:
        probes: ``network.port25_probes``.
        timeout: ``network.connect_timeout``.
        facts: ISP facts (for the smarthost to advise).
    """
    start = time.monotonic()
    targets: list[tuple[str, str, int]] = []
    bad: dict[str, Outcome] = {}
    for text in probes:
        try:
            host, port = split_hostport(text)
            targets.append((text, host, port))
        except ValueError:
            bad[text] = "bad"
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        futs = {t: pool.submit(tcp_probe, h, p, timeout) for t, h, p in targets}
        outcomes: dict[str, Outcome] = {t: f.result() for t, f in futs.items()}
    outcomes.update(bad)
    on25 = [outcomes[t] for t, _h, p in targets if p == 25]
    others = [outcomes[t] for t, _h, p in targets if p != 25]
    details = {
        "probes": outcomes,
        "smarthost": facts.smarthost,
        "profile_says_blocked": facts.blocks_25,
    }
    secs = time.monotonic() - start

    def result(status: Status, finding: Msg, advice: Msg | None = None) -> CheckResult:
        return CheckResult(
            "outbound_25",
            "Outbound port 25",
            status,
            finding.english(),
            details,
            advice.english() if advice else "",
            secs,
            finding,
            (advice,) if advice else (),
        )

    if not on25:
        return result("skipped", Msg("find.out25.no_probe"))
    if "open" in on25:
        details["outcome"] = "open"
        return result("ok", Msg("find.out25.open"))
    other_ok = any(o in ("open", "refused") for o in others)
    if all(o == "refused" for o in on25):
        details["outcome"] = "refused"
        return result("warn", Msg("find.out25.refused"), Msg("adv.out25.refused"))
    if other_ok and any(o in ("timeout", "reset") for o in on25):
        details["outcome"] = "blocked"
        # without a known relay the catalogue words "ask your ISP" itself
        known = {"relay": facts.smarthost_words()} if facts.smarthost else {}
        suffix = "" if known else "_unknown"
        blocked = Msg(f"find.out25.blocked{suffix}", known)
        return result("warn", blocked, Msg(f"adv.out25.blocked{suffix}", known))
    details["outcome"] = "unknown"
    return result("warn", Msg("find.out25.unknown"), Msg("adv.out25.unknown"))

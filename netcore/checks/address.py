"""Checks about addresses: the router, the public address, the NAT, fixed or dynamic."""

from __future__ import annotations

from netcore.addresses import classify
from netcore.checks.result import CheckResult, Status
from netcore.checks.router_probe import RouterView
from netcore.echo_service import PublicIpAnswers
from netcore.ip_kind import IpKindVerdict
from netcore.nat import NatVerdict


def router_result(view: RouterView, gateway: str) -> CheckResult:
    """Found or not, what it is, and whether its external address is usable."""
    details = view.to_dict() | {"gateway": gateway}
    secs = view.seconds
    if not view.found and view.not_igd_url:
        return CheckResult(
            "router",
            "Router",
            "warn",
            f"the UPnP device at {view.not_igd_url} is not an Internet gateway "
            "(no WAN connection service), and no router answered NAT-PMP",
            details,
            "enable UPnP (IGD) or NAT-PMP in the router, or forward the ports by hand "
            "(`pmemail ports plan` prints the table)",
            secs,
        )
    if not view.found:
        where = f"at {gateway}" if gateway else "(no default gateway)"
        return CheckResult(
            "router",
            "Router",
            "warn",
            f"no router answered UPnP or NAT-PMP {where}",
            details,
            "enable UPnP (IGD) or NAT-PMP in the router, or forward the ports by hand "
            "(`pmemail ports plan` prints the table)",
            secs,
        )
    what = " ".join(x for x in (view.manufacturer, view.model) if x) or "a router"
    how = "+".join(n for n, on in (("UPnP", view.upnp), ("NAT-PMP", view.natpmp)) if on)
    ext = view.external_ip
    if not ext:
        return CheckResult(
            "router",
            "Router",
            "fail",
            f"{what} ({how}) has no usable external address",
            details,
            "the router sits behind another NAT (the ISP's carrier-grade NAT or another box): "
            "port forwarding on it cannot work",
            secs,
        )
    return CheckResult(
        "router",
        "Router",
        "ok",
        f"{what} ({how}), external address {ext} ({classify(ext)})",
        details,
        "",
        secs,
    )


def public_ip_result(answers: PublicIpAnswers, seconds: float) -> CheckResult:
    """The address the internet sees, and whether the echo services agree."""
    details = answers.to_dict()
    if not answers.address:
        return CheckResult(
            "public_ip",
            "Public address",
            "fail",
            "no echo service answered: public address unknown",
            details,
            "check the internet connection and network.echo_url",
            seconds,
        )
    kind = classify(answers.address)
    details["kind"] = kind
    if answers.disagreement:
        seen = ", ".join(sorted(set(answers.answers.values())))
        return CheckResult(
            "public_ip",
            "Public address",
            "warn",
            f"echo services disagree: {seen}",
            details,
            "the office may leave through several addresses (load-balancing "
            "router, proxy): mail needs exactly one",
            seconds,
        )
    return CheckResult(
        "public_ip",
        "Public address",
        "ok",
        f"the internet sees {answers.address} ({kind})",
        details,
        "",
        seconds,
    )


def nat_result(verdict: NatVerdict, seconds: float) -> CheckResult:
    """The NAT verdict as a check."""
    words = {
        "direct": "direct public address on this machine",
        "nat": "behind one NAT, the router's (the normal office set-up)",
        "double_nat": "double NAT or carrier-grade NAT: port forwarding is impossible",
        "unknown": "NAT situation unknown",
    }
    statuses: dict[str, Status] = {
        "direct": "ok",
        "nat": "ok",
        "double_nat": "fail",
        "unknown": "warn",
    }
    status = statuses[verdict.kind]
    finding = words[verdict.kind]
    if verdict.reasons and verdict.kind in ("double_nat", "unknown"):
        finding += ": " + verdict.reasons[0]  # the why matters only when it is bad
    return CheckResult("nat", "NAT", status, finding, verdict.to_dict(), verdict.advice, seconds)


def ip_kind_result(
    verdict: IpKindVerdict, details: dict[str, object], seconds: float
) -> CheckResult:
    """The fixed-or-dynamic verdict as a check."""
    status: Status = "ok" if verdict.kind == "fixed" else "warn"
    words = {
        "fixed": "the public address looks fixed",
        "dynamic": "the public address is dynamic",
        "unknown": "cannot tell whether the public address is fixed",
    }[verdict.kind]
    finding = words + (": " + verdict.reasons[0] if verdict.reasons else "")
    return CheckResult(
        "ip_kind",
        "Fixed or dynamic address",
        status,
        finding,
        verdict.to_dict() | details,
        verdict.advice,
        seconds,
    )

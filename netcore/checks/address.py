"""Checks about addresses: the router, the public address, the NAT, fixed or dynamic."""

from __future__ import annotations

from netcore.addresses import classify, is_routable_for_us
from netcore.checks.result import CheckResult, Status
from netcore.checks.router_probe import RouterView
from netcore.checks.verdict_messages import Msg
from netcore.echo_service import PublicIpAnswers
from netcore.ip_kind import IpKindVerdict
from netcore.nat import NatVerdict


def router_result(view: RouterView, gateway: str) -> CheckResult:
    """Found or not, what it is, and whether its external address is usable."""
    details = view.to_dict() | {"gateway": gateway}

    def result(status: Status, message: Msg, advice: Msg | None = None) -> CheckResult:
        return _result("router", "Router", status, message, advice, details, view.seconds)

    enable = Msg("adv.router.enable")
    if not view.found and view.not_igd_url:
        return result("warn", Msg("find.router.not_igd", {"url": view.not_igd_url}), enable)
    if not view.found:
        if not gateway:
            return result("warn", Msg("find.router.none_no_gateway"), enable)
        return result("warn", Msg("find.router.none", {"gateway": gateway}), enable)
    what = view.name
    how = "+".join(n for n, on in (("UPnP", view.upnp), ("NAT-PMP", view.natpmp)) if on)
    unnamed = "" if what else "_unnamed"  # "a router" is worded by the catalogue
    words = {"what": what, "how": how}
    ext = view.external_ip
    if not ext:
        no_ext = Msg(f"find.router.no_external{unnamed}", words)
        return result("fail", no_ext, Msg("adv.router.behind_nat"))
    ok = Msg(f"find.router.ok{unnamed}.{classify(ext)}", words | {"address": ext})
    return result("ok", ok)


def public_ip_result(answers: PublicIpAnswers, seconds: float) -> CheckResult:
    """The address the internet sees, and whether the echo services agree."""
    details = answers.to_dict()

    def result(status: Status, message: Msg, advice: Msg | None = None) -> CheckResult:
        return _result("public_ip", "Public address", status, message, advice, details, seconds)

    if not answers.address:
        return result("fail", Msg("find.public_ip.none"), Msg("adv.public_ip.none"))
    kind = classify(answers.address)
    details["kind"] = kind
    if answers.disagreement:
        seen = ", ".join(sorted(set(answers.answers.values())))
        disagree = Msg("find.public_ip.disagree", {"seen": seen})
        return result("warn", disagree, Msg("adv.public_ip.disagree"))
    return result("ok", Msg(f"find.public_ip.ok.{kind}", {"address": answers.address}))


def _result(
    cid: str,
    title: str,
    status: Status,
    message: Msg,
    advice: Msg | None,
    details: dict[str, object],
    seconds: float,
) -> CheckResult:
    """A result whose English finding and advice are the messages' English defaults."""
    return CheckResult(
        cid,
        title,
        status,
        message.english(),
        details,
        advice.english() if advice else "",
        seconds,
        message,
        (advice,) if advice else (),
    )


def nat_result(verdict: NatVerdict, seconds: float, upstream_hop: str = "") -> CheckResult:
    """The NAT verdict as a check; ``upstream_hop``, the box past the router, in its details."""
    statuses: dict[str, Status] = {
        "direct": "ok",
        "nat": "ok",
        "double_nat": "fail",
        "unknown": "warn",
    }
    message = Msg(f"find.nat.{verdict.kind}")
    if verdict.why and verdict.kind in ("double_nat", "unknown"):
        # the why matters only when it is bad
        message = Msg(f"find.nat.{verdict.kind}_why", parts={"reason": verdict.why[0]})
    elif verdict.kind == "nat" and upstream_hop and not is_routable_for_us(upstream_hop):
        # Not a failure on its own (many lines have a private hop past the router):
        # the verdict decides with the inbound results, this row only says what was seen.
        message = Msg("find.nat.nat_private_hop", {"hop": upstream_hop})
    status, details = statuses[verdict.kind], verdict.to_dict()
    if upstream_hop:  # added only when known (netcore.hops)
        details["upstream_hop"] = upstream_hop
    return _result("nat", "NAT", status, message, verdict.advice_message, details, seconds)


def ip_kind_result(
    verdict: IpKindVerdict, details: dict[str, object], seconds: float
) -> CheckResult:
    """The fixed-or-dynamic verdict as a check."""
    status: Status = "ok" if verdict.kind == "fixed" else "warn"
    message = Msg(f"find.ip_kind.{verdict.kind}")
    if verdict.why:
        message = Msg(f"find.ip_kind.{verdict.kind}_why", parts={"reason": verdict.why[0]})
    title, facts = "Fixed or dynamic address", verdict.to_dict() | details
    return _result("ip_kind", title, status, message, verdict.advice_message, facts, seconds)

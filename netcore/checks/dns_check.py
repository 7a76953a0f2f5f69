"""DNS for the mail domain: MX → name → our address, PTR, SPF."""

from __future__ import annotations

from netcore.checks.result import CheckResult, Status
from netcore.dns_records import MailAuth, records_to_publish
from netcore.mail_dns import MailDns, spf_allows


def dns_result(
    domain: str,
    hostname: str,
    public_ip: str,
    found: MailDns,
    seconds: float,
    auth: MailAuth | None = None,
) -> CheckResult:
    """Judge what the DNS says; list the records to publish when some are missing.

    Args:
        domain: ``mail.domain``.
        hostname: ``mail.hostname`` (the MX target to publish).
        public_ip: the address the internet sees ("" = unknown).
        found: the looked-up records.
        seconds: time the lookups took.
        auth: the path mail leaves by (SPF of the relay), None = directly.
    """
    details = found.to_dict() | {"domain": domain, "public_ip": public_ip}
    problems: list[str] = []
    relayed = auth is not None and bool(auth.relay_host)  # the SPF row judges the relay's SPF
    ours = [h for h, addrs in found.mx_addresses.items() if public_ip in addrs]
    if found.errors:
        problems.append(
            "lookups failed: " + "; ".join(f"{k}: {v}" for k, v in sorted(found.errors.items()))
        )
    if not found.mx:
        problems.append(f"{domain} has no MX record")
    elif not ours:
        problems.append(f"the MX ({', '.join(found.mx)}) does not resolve to {public_ip}")
    if not found.ptr:
        problems.append(f"{public_ip} has no reverse DNS (PTR) name")
    elif found.ptr.lower() != hostname.lower():
        problems.append(f"the PTR of {public_ip} is {found.ptr}, not {hostname}")
    if not found.spf:
        problems.append(f"{domain} has no SPF record")
    elif not relayed and not spf_allows(
        found.spf, public_ip, [a for v in found.mx_addresses.values() for a in v]
    ):
        problems.append(f"the SPF record does not list {public_ip}")
    details["problems"] = problems
    if not problems:
        return CheckResult(
            "dns",
            "DNS",
            "ok",
            f"MX, PTR and SPF of {domain} point at {public_ip}",
            details,
            "",
            seconds,
        )
    records = records_to_publish(domain, hostname, public_ip, auth)
    details["records_to_publish"] = [r.to_dict() for r in records]
    lines = "\n".join(r.zone_line() for r in records if r.rtype in ("MX", "A", "TXT", "PTR"))
    status: Status = "fail" if found.mx and not ours else "warn"  # MX elsewhere: mail is lost
    return CheckResult(
        "dns",
        "DNS",
        status,
        problems[0] + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""),
        details,
        "publish these records (the PTR is set by your ISP):\n" + lines,
        seconds,
    )

"""DNS for the mail domain: MX → name → our address, PTR, SPF."""

from __future__ import annotations

from netcore.checks.result import CheckResult, Status
from netcore.checks.verdict_messages import Msg
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
    problems: list[Msg] = []
    relayed = auth is not None and bool(auth.relay_host)  # the SPF row judges the relay's SPF
    ours = [h for h, addrs in found.mx_addresses.items() if public_ip in addrs]
    if found.errors:
        # the raw resolver errors stay in details; the admin reads which lookups failed
        problems.append(
            Msg("find.dns.lookups_failed", {"records": ", ".join(sorted(found.errors))})
        )
    if not found.mx:
        problems.append(Msg("find.dns.no_mx", {"domain": domain}))
    elif not ours:
        problems.append(
            Msg("find.dns.mx_elsewhere", {"mx": ", ".join(found.mx), "address": public_ip})
        )
    if not found.ptr:
        problems.append(Msg("find.dns.no_ptr", {"address": public_ip}))
    elif found.ptr.lower() != hostname.lower():
        ptr = {"address": public_ip, "ptr": found.ptr, "hostname": hostname}
        problems.append(Msg("find.dns.ptr_other", ptr))
    if not found.spf:
        problems.append(Msg("find.dns.no_spf", {"domain": domain}))
    elif not relayed and not spf_allows(
        found.spf, public_ip, [a for v in found.mx_addresses.values() for a in v]
    ):
        problems.append(Msg("find.dns.spf_other", {"address": public_ip}))
    details["problems"] = [p.english() for p in problems]
    if not problems:
        ok = Msg("find.dns.ok", {"domain": domain, "address": public_ip})
        return CheckResult("dns", "DNS", "ok", ok.english(), details, "", seconds, ok)
    records = records_to_publish(domain, hostname, public_ip, auth)
    details["records_to_publish"] = [r.to_dict() for r in records]
    lines = "\n".join(r.zone_line() for r in records if r.rtype in ("MX", "A", "TXT", "PTR"))
    status: Status = "fail" if found.mx and not ours else "warn"  # MX elsewhere: mail is lost
    finding = problems[0]
    if len(problems) > 1:
        finding = Msg("find.dns.more", {"more": str(len(problems) - 1)}, {"first": problems[0]})
    publish = Msg("adv.dns.publish", {"records": lines})
    return CheckResult(
        "dns",
        "DNS",
        status,
        finding.english(),
        details,
        publish.english(),
        seconds,
        finding,
        (publish,),
    )

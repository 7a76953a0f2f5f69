"""May outgoing mail go directly to the recipients' servers, or must it use the ISP's relay?

Directly only when both hold: outbound port 25 is open, and the public
address's reverse name (PTR) is the server's host name — Gmail and Microsoft
refuse or junk mail from an address without one, or with a name that does
not match. Otherwise the wizard and the doctor say which of the two is
missing, in the config's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pmemail.app.cert_wording import render
from pmemail.app.mail_auth_texts import TEXTS

if TYPE_CHECKING:
    from netcore.checks.runner import DoctorReport


@dataclass(frozen=True)
class RelayReason:
    """Why the relay is needed (or not): an id of ``relay.*`` texts and its values."""

    id: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def direct_ok(self) -> bool:
        """Direct delivery is fine."""
        return self.id == "direct_ok"

    def words(self, language: str) -> str:
        """The sentence in ``language``."""
        return render(TEXTS, f"relay.{self.id}", language, **self.params)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"id": self.id, "params": dict(self.params), "direct_ok": self.direct_ok}


def relay_reason(hostname: str, public_ip: str, ptr: str, port25: str) -> RelayReason:
    """Decide from the facts the checks found.

    Args:
        hostname: ``mail.hostname``.
        public_ip: the office's public address ("" = unknown).
        ptr: its reverse name ("" = none).
        port25: the outbound 25 check's outcome: open, blocked, refused or unknown.
    """
    values = {"address": public_ip, "hostname": hostname, "ptr": ptr}
    if port25 == "blocked":
        return RelayReason("port25_blocked", values)
    if not public_ip or port25 != "open":
        return RelayReason("unknown", values)
    if not ptr:
        return RelayReason("no_ptr", values)
    if ptr.lower().rstrip(".") != hostname.lower().rstrip("."):
        return RelayReason("ptr_mismatch", values)
    return RelayReason("direct_ok", values)


def reason_from_report(report: DoctorReport, hostname: str) -> RelayReason:
    """The decision from a doctor run (outbound_25 outcome; the PTR the dns or ip_kind
    check saw)."""
    by_id = {c.id: c for c in report.checks}
    out25 = by_id.get("outbound_25")
    port25 = str(out25.details.get("outcome", "unknown")) if out25 else "unknown"
    ptr = ""
    for cid in ("dns", "ip_kind"):
        check = by_id.get(cid)
        if check is not None and check.details.get("ptr"):
            ptr = str(check.details["ptr"])
            break
    return relay_reason(hostname, str(report.public_ip.get("address", "") or ""), ptr, port25)

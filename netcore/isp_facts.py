"""The few ISP facts the doctor needs, from the ISP profile and the config.

Profiles come from :func:`netcore.profiles.load_profile` (``isp.profile``).
With no profile, an unknown name or a profile without ISP facts, the doctor
says "ask your ISP" instead of inventing a host name. ``relay.host`` in the
config, when set, is the admin's own answer and wins over the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from netcore.profiles import ProfileError, load_profile
from pmemail.config.model import Config

UNKNOWN_SMARTHOST = "ask your ISP for its SMTP relay (smarthost) host name"


@dataclass(frozen=True)
class IspHints:
    """ISP facts useful to the doctor.

    Attributes:
        name: the profile's display name ("" = no usable profile).
        smarthost: relay host ("" = unknown).
        smarthost_port: its port (0 = unknown).
        blocks_25: the profile says the ISP blocks outbound 25 (None = unknown).
        fixed_needs_pro: a fixed address needs a professional plan (None = unknown).
        source: where the smarthost came from: "config", "profile" or "".
        verified: the profile's ISP facts were checked against a source.
        spf_include: the domain an SPF record includes to allow the ISP's relay
            ("" = unknown: the record names the relay host instead).
    """

    name: str = ""
    smarthost: str = ""
    smarthost_port: int = 0
    blocks_25: bool | None = None
    fixed_needs_pro: bool | None = None
    source: str = ""
    verified: bool = False
    spf_include: str = ""

    def smarthost_words(self) -> str:
        """``relay.isp.example:587`` or the ask-your-ISP sentence."""
        if not self.smarthost:
            return UNKNOWN_SMARTHOST
        port = f":{self.smarthost_port}" if self.smarthost_port else ""
        return f"{self.smarthost}{port}"


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def isp_hints(config: Config) -> IspHints:
    """Collect the ISP facts from ``isp.profile`` and ``relay.host``."""
    hints = IspHints()
    if config.isp.profile:
        try:
            profile = load_profile(config.isp.profile)
        except ProfileError:
            profile = None  # the profile command reports bad names; here: facts unknown
        if profile is not None and profile.isp is not None:
            isp = profile.isp
            hints = IspHints(
                name=profile.name,
                smarthost=isp.smarthost_host,
                smarthost_port=isp.smarthost_port if isp.smarthost_host else 0,
                blocks_25=_yes_no(isp.blocks_port_25),
                fixed_needs_pro=_yes_no(isp.fixed_ip_needs_pro_plan),
                source="profile" if isp.smarthost_host else "",
                verified=isp.verified,
                spf_include=isp.spf_include,
            )
    if config.relay.host:
        hints = IspHints(
            hints.name,
            config.relay.host,
            config.relay.port,
            hints.blocks_25,
            hints.fixed_needs_pro,
            "config",
            hints.verified,
            # the profile's include still fits when the admin names the same relay
            hints.spf_include if config.relay.host == hints.smarthost else "",
        )
    return hints

"""Step 2: the LAN interface, address, gateway, whether a router answers, and the
subscription: which ISP and router (suggested from the router's own description),
and whether the address is fixed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from pmemail.app import isp_choice
from pmemail.app.verdict_texts import sayer
from pmemail.config.model import NetworkConfig
from pmemail.config.paths import DataPaths
from pmemail_tui.i18n import current_language, t
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.screens.wizard.messages import RouterSuggests, RowResult
from pmemail_tui.widgets.check_list import CheckList


class NetworkStep(WizardStep):
    """Detects the LAN side in a worker and shows it as it arrives."""

    STEP = "network"

    def compose_body(self) -> Iterable[Widget]:
        """An intro line and the detection rows."""
        yield Static(t("step.network.intro"))
        yield CheckList(id="network-rows")
        yield from self.isp_form()

    def isp_form(self) -> Iterable[Widget]:
        """The ISP, the router and "fixed or dynamic address?", with help to find out."""
        isp, offered = self.pm.config.isp, isp_choice.choices()
        yield Static(t("isp.intro"), id="isp-intro")
        fields = (
            ("isp.isp", "isp-profile", offered.isps, "isp.other", isp.profile),
            ("isp.router", "router-profile", offered.routers, "isp.router_box", isp.router_profile),
        )
        for label, widget_id, profiles, other, chosen in fields:
            yield self.form_row(
                t(label),
                Select(
                    [*((name, pid) for pid, name in profiles), (t(other), "")],
                    value=chosen if chosen in dict(profiles) else "",
                    allow_blank=False,
                    id=widget_id,
                    compact=True,
                ),
            )
        yield self.form_row(
            t("isp.fixed"),
            Select(
                [(t(f"isp.fixed_{v}"), v) for v in ("unknown", "yes", "no")],
                value=isp.fixed_ip,
                allow_blank=False,
                id="fixed-ip",
                compact=True,
            ),
        )
        yield Static(t("isp.fixed_help"), id="fixed-help")
        yield self.dyndns_form()
        yield Static("", id="isp-detected", markup=False)

    def dyndns_form(self) -> Vertical:
        """The dynamic DNS provider and account, shown only for a dynamic address."""
        d, mail = self.pm.config.dyndns, self.pm.config.mail
        offered = isp_choice.WIZARD_DYNDNS
        chosen = d.provider if d.username or d.password else ""
        form = Vertical(
            Static(t("isp.dyndns_intro"), id="dyndns-intro"),
            self.form_row(
                t("isp.dyndns_provider"),
                Select(
                    [(t("isp.dyndns_none"), ""), *((name, pid) for pid, name in offered)],
                    value=chosen if chosen in dict(offered) else "",
                    allow_blank=False,
                    id="dyndns-provider",
                    compact=True,
                ),
            ),
            self.form_row(
                t("isp.dyndns_hostname"),
                Input(d.hostname, placeholder=mail.hostname, id="dyndns-hostname"),
            ),
            self.form_row(t("isp.dyndns_user"), Input(d.username, id="dyndns-user")),
            # never filled back in: an empty field keeps the saved password
            self.form_row(t("isp.dyndns_password"), Input(password=True, id="dyndns-password")),
            id="dyndns-fields",
        )
        form.display = self.pm.config.isp.fixed_ip == "no"
        return form

    def on_select_changed(self, event: Select.Changed) -> None:
        """A dynamic address asks for the dynamic DNS account; the others hide it."""
        if event.select.id == "fixed-ip":
            self.query_one("#dyndns-fields", Vertical).display = event.value == "no"

    def on_mount(self) -> None:
        """Start detection at once."""
        rows = self.query_one(CheckList)
        rows.add_task("lan", t("network.lan"))
        rows.add_task("router", t("network.router"))
        # the app owns the run: the LAN facts are kept even if the admin goes on at once
        self.run_in_app(self.detect, self.pm.config.network, self.pm.paths, group="network")

    def detect(self, net: NetworkConfig, paths: DataPaths) -> None:
        """Read the interface (no packet sent), then look for the router (a worker thread)."""
        from netcore.lan import LanDetectionError, detect_lan  # imported here: fast first paint

        try:
            lan = detect_lan(net.interface)
        except LanDetectionError as err:
            # the error's message id, worded in the admin's language (str() is English)
            finding = sayer(current_language())(err.message)
            self.post_message(RowResult("lan", "fail", finding))
            self.post_message(RowResult("router", "skipped", t("network.no_lan")))
        else:
            finding = t(
                "network.lan_found",
                interface=lan.interface,
                address=lan.address,
                netmask=lan.netmask,
                gateway=lan.gateway or "?",
            )
            details = "\n".join(
                [
                    f"IPv4: {', '.join([lan.address, *lan.other_addresses])}",
                    f"IPv6: {', '.join(lan.ipv6) or '-'}",
                ]
            )
            self.post_message(RowResult("lan", "ok", finding, details))
            self.keep_answers({"lan": lan.to_dict()})
            try:
                self.look_for_router(net, paths, lan.gateway)
            except Exception as err:  # a broken probe is a finding, not a crash
                self.post_message(
                    RowResult(
                        "router",
                        "warn",
                        t("network.router_missing"),
                        f"{type(err).__name__}: {err}",
                    )
                )

    def look_for_router(self, net: NetworkConfig, paths: DataPaths, gateway: str) -> None:
        """UPnP and NAT-PMP at once (read-only); shows what the router is."""
        from netcore.checks.router_probe import probe_router

        view = probe_router(
            gateway,
            discover_s=net.upnp_discover_ms / 1000,
            natpmp_s=net.natpmp_timeout,
            http_s=net.http_timeout,
            state_dir=paths.state,
        )
        if view.found:
            name = view.name or view.friendly_name
            ways = ", ".join(w for w, on in (("UPnP", view.upnp), ("NAT-PMP", view.natpmp)) if on)
            finding = t("network.router_found", name=name or "?", ways=ways)
            status = "ok"
        else:
            finding, status = t("network.router_missing"), "warn"
        details = "\n".join(f"{k}: {v}" for k, v in view.errors)
        self.post_message(RowResult("router", status, finding, details))
        self.keep_answers({"router": view.to_dict()})
        if view.found:
            isp, router = isp_choice.detect(view.manufacturer, view.model, view.friendly_name)
            if isp or router:
                self.post_message(RouterSuggests(isp, router))

    def on_router_suggests(self, message: RouterSuggests) -> None:
        """Pre-select what the router's description suggests, unless the admin chose already."""
        picked = []
        for widget_id, profile in (
            ("#isp-profile", message.isp),
            ("#router-profile", message.router),
        ):
            select = self.query_one(widget_id, Select)
            if profile and select.value == "":
                select.value = profile
                picked.append(str(select.selection or profile))
        if picked:
            self.query_one("#isp-detected", Static).update(
                t("isp.detected", names=", ".join(picked))
            )

    def collect(self) -> dict[str, Any] | None:
        """Save the ISP, the router and the fixed-address answer to the config."""
        isp = str(self.query_one("#isp-profile", Select).value)
        router = str(self.query_one("#router-profile", Select).value)
        fixed = str(self.query_one("#fixed-ip", Select).value)
        config = isp_choice.apply_choice(self.pm.config, isp, router, fixed)
        provider = str(self.query_one("#dyndns-provider", Select).value) if fixed == "no" else ""
        config = isp_choice.apply_dyndns(
            config,
            provider,
            self.query_one("#dyndns-hostname", Input).value,
            self.query_one("#dyndns-user", Input).value,
            self.query_one("#dyndns-password", Input).value,
        )
        self.pm.update_config(config)
        return {"isp": isp, "router_profile": router, "fixed_ip": fixed, "dyndns": provider}

"""The control socket's certificate commands, without a server process."""

from __future__ import annotations

from pathlib import Path

from mailcore.status import CertificateStatus
from pmemail.serve.cert_commands import CertificateCommands
from tests.certs_support import loaded_keeper
from tests.config_factory import make_config


async def test_status_is_the_served_certificate(tmp_path: Path) -> None:
    """Without a renewal service: the keeper's certificate and the state file's facts."""
    setup = make_config(tmp_path, {"acme": {"extra_names": ["Webmail.example.be."]}})
    keeper = loaded_keeper(setup.config, setup.paths)
    commands = CertificateCommands(setup.config, setup.paths, keeper)
    answer = await commands.handlers()["cert-status"]({"cmd": "cert-status"})
    assert answer["ok"] is True
    doc = answer["certificate"]
    assert doc["fingerprint_sha256"] == keeper.served()[0].fingerprint_sha256
    assert doc["wanted_names"] == ["mail.example.be", "webmail.example.be"]
    assert doc["acme_enabled"] is False and doc["next_attempt"] is None


async def test_renew_calls_the_registered_attempt(tmp_path: Path) -> None:
    """With a renewal service: its status and renew_now() answer."""
    setup = make_config(tmp_path)
    keeper = loaded_keeper(setup.config, setup.paths)
    base = CertificateCommands(setup.config, setup.paths, keeper).status()
    calls: list[str] = []

    def status() -> CertificateStatus:
        return {**base, "failures": 7}

    async def renew() -> CertificateStatus:
        calls.append("renew")
        return {**base, "source": "acme", "trusted": True}

    commands = CertificateCommands(setup.config, setup.paths, keeper, status=status, renew=renew)
    assert (await commands.cert_status({"cmd": "cert-status"}))["certificate"]["failures"] == 7
    answer = await commands.cert_renew({"cmd": "cert-renew"})
    assert calls == ["renew"] and answer["ok"] is True
    assert answer["certificate"]["source"] == "acme"


async def test_renew_refused_names_the_admin_certificate(tmp_path: Path) -> None:
    """mail.tls_cert set: no attempt, the id user_certificate (never a sentence)."""
    setup = make_config(tmp_path)
    keeper = loaded_keeper(setup.config, setup.paths)
    setup.config.mail.tls_cert = str(setup.paths.tls_dir / "cert.pem")
    setup.config.mail.tls_key = str(setup.paths.tls_dir / "key.pem")
    commands = CertificateCommands(setup.config, setup.paths, keeper)
    answer = await commands.cert_renew({"cmd": "cert-renew"})
    assert answer["ok"] is False and answer["error"] == "user_certificate"
    assert answer["certificate"]["last_failure"] == {"code": "user_certificate", "params": {}}

"""``acme.after_renew``: a real command after each new certificate (Postfix and Dovecot's
reload after the hand-over), against a real Pebble; its failures kept, logged and worded."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mailcore.acme import after_renew
from mailcore.acme.after_renew import run_after_renew
from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.state import RenewalState
from pmemail.app.cert_wording import certificate_lines
from tests.acme_peers import http_challenge_server
from tests.config_factory import make_config
from tests.pebble_support import Pebble
from tests.test_acme_renewal import (  # the renewal tests' helpers, not twins
    keeper_of,
    pebble,  # noqa: F401  (its fixture)
    renewal_for,
    until,
)

# copies the certificate it is given: proof it ran, and after the new files were written
COPY = "import shutil, sys; shutil.copyfile(sys.argv[1], sys.argv[2])"
FAIL = "import sys; print('Failed to reload postfix.service: Access denied'); sys.exit(3)"


async def _renew(tmp_path: Path, pebble: Pebble, command: list[str]) -> RenewalState:  # noqa: F811
    """One renewal by the certificates service with ``acme.after_renew = command``."""
    overrides = pebble.overrides(challenge="http-01")
    overrides["acme"] = {**overrides["acme"], "after_renew": command}
    setup = make_config(tmp_path, overrides)
    board = ChallengeBoard()
    service = renewal_for(setup, board)
    async with http_challenge_server(board, pebble.http_port):
        await service.start()
        try:
            await until(lambda: RenewalState.load(setup.paths.acme_state).after_renew is not None)
        finally:
            await service.stop()
    assert keeper_of(service).reloads == 1  # pmemail's own listeners first
    state = RenewalState.load(setup.paths.acme_state)
    status = service.status()
    assert status["after_renew"] == state.after_renew
    return state


async def test_the_command_runs_after_a_new_certificate(
    tmp_path: Path,
    pebble: Pebble,  # noqa: F811
) -> None:
    copy = tmp_path / "seen.pem"
    cert = make_config(tmp_path).paths.acme_cert  # where the renewal writes it
    state = await _renew(tmp_path, pebble, [sys.executable, "-c", COPY, str(cert), str(copy)])
    assert state.after_renew is not None and state.after_renew["code"] == after_renew.OK
    assert copy.read_bytes() == cert.read_bytes()  # it ran once the new files were there


async def test_a_failed_command_is_kept_and_worded(
    tmp_path: Path,
    pebble: Pebble,  # noqa: F811
) -> None:
    state = await _renew(tmp_path, pebble, [sys.executable, "-c", FAIL])
    outcome = state.after_renew
    assert outcome is not None and outcome["code"] == after_renew.EXITED
    assert outcome["params"]["status"] == "3"
    assert "Access denied" in outcome["params"]["output"]


async def test_a_hung_command_is_stopped() -> None:
    outcome = await run_after_renew([sys.executable, "-c", "import time; time.sleep(600)"], 0.5)
    assert outcome["code"] == after_renew.TIMED_OUT
    assert outcome["params"] == {"seconds": "0.5"}


async def test_a_missing_program_is_an_outcome(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-reload")
    outcome = await run_after_renew([missing, "postfix"], 5)
    assert outcome["code"] == after_renew.NOT_STARTED
    assert outcome["params"]["program"] == missing


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_failure_is_a_line_of_the_certificate(language: str) -> None:
    status = {
        "source": "acme",
        "issuer": "Pebble",
        "names": ["mail.example.be"],
        "trusted": True,
        "acme_enabled": True,
        "after_renew": {
            "at": 1.0,
            "code": after_renew.EXITED,
            "params": {"status": "3", "output": "Access denied"},
        },
    }
    lines = certificate_lines(status, language)  # type: ignore[arg-type]
    word = {"en": "failed with status 3", "fr": "a échoué avec le code 3"}[language]
    assert any(word in line and "Access denied" in line for line in lines), lines
    status["after_renew"] = {"at": 1.0, "code": after_renew.OK, "params": {}}
    assert not any("after_renew" in line for line in certificate_lines(status, language))  # type: ignore[arg-type]

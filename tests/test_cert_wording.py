"""The certificate sentences: every failure id worded in both languages, the status lines."""

from __future__ import annotations

import time

import pytest

from mailcore.acme import failures
from mailcore.acme.state import RenewalState
from mailcore.certs.info import CertInfo
from mailcore.certs.report import Source, certificate_status
from mailcore.status import CertificateFailure, CertificateStatus
from pmemail.app.cert_texts import FAILURE_PARAMS, TEXTS
from pmemail.app.cert_wording import (
    LANGUAGES,
    certificate_lines,
    failure_text,
    format_date,
    placeholders,
    say,
)

NOON = 1804507200.0  # 2027-03-08 12:00 UTC: the same day in any time zone of the office
FINGERPRINT = ":".join(["AB"] * 32)


def test_every_failure_id_has_english_and_french_with_its_declared_params() -> None:
    """Each id of mailcore.acme.failures: both languages, placeholders = the id's params."""
    assert set(FAILURE_PARAMS) == set(failures.ALL)
    for code in failures.ALL:
        texts = TEXTS[f"failure.{code}"]
        assert set(texts) == set(LANGUAGES), code
        for language, text in texts.items():
            assert placeholders(text) == set(FAILURE_PARAMS[code]), (code, language)


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    for key, texts in TEXTS.items():
        assert set(texts) == set(LANGUAGES), key
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), key
        assert texts["en"] != texts["fr"], key


def test_port80_unreachable_says_what_to_do() -> None:
    failure: CertificateFailure = {
        "code": failures.PORT80_UNREACHABLE,
        "params": {"name": "mail.example.be", "detail": "connection timed out"},
    }
    en = failure_text(failure, "en")
    assert en.startswith("Let's Encrypt could not reach port 80 of the office")
    assert "forward port 80 to this computer (pmemail ports apply)" in en
    assert "mail.example.be" in en and "connection timed out" in en
    fr = failure_text(failure, "fr")
    assert "redirigez le port 80" in fr and "mail.example.be" in fr
    assert failure_text(failure, "de") == en  # any other language reads English


def test_rate_limited_gives_the_retry_time_as_a_date() -> None:
    failure: CertificateFailure = {
        "code": failures.RATE_LIMITED,
        "params": {"retry_at": str(NOON)},
    }
    assert "8 March 2027" in failure_text(failure, "en")
    assert "8 mars 2027" in failure_text(failure, "fr")


def test_missing_params_and_unknown_ids_still_give_a_sentence() -> None:
    assert "?" in failure_text({"code": failures.NAME_ELSEWHERE, "params": {}}, "en")
    text = failure_text({"code": "from_the_future", "params": {"x": "1"}}, "fr")
    assert "from_the_future" in text and "réessaiera" in text
    assert say("lines.names", "en") == "Names: ?"


def test_dates_in_each_language() -> None:
    assert format_date(NOON, "en") == "8 March 2027"
    assert format_date(NOON, "fr") == "8 mars 2027"
    first = NOON - 7 * 86400  # 1 March
    assert format_date(first, "fr") == "1er mars 2027"
    assert format_date(NOON, "en", with_time=True).startswith("8 March 2027, ")
    assert format_date(NOON, "fr", with_time=True).startswith("8 mars 2027 à ")


def status_of(
    source: Source,
    *,
    self_signed: bool,
    failure: CertificateFailure | None = None,
    next_attempt: float | None = None,
    not_after: float = NOON,
) -> CertificateStatus:
    info = CertInfo(
        subject="mail.example.be",
        issuer="mail.example.be" if self_signed else "R11",
        names=("mail.example.be", "autoconfig.example.be"),
        not_before=not_after - 90 * 86400,
        not_after=not_after,
        fingerprint_sha256=FINGERPRINT,
        self_signed=self_signed,
    )
    state = RenewalState(next_attempt=next_attempt, last_failure=failure)
    return certificate_status(
        info, source, state, acme_enabled=source != "user", wanted_names=list(info.names)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_lines_of_a_self_signed_certificate_give_the_fingerprint(language: str) -> None:
    failure: CertificateFailure = {
        "code": failures.NO_PUBLIC_NAME,
        "params": {"name": "mail.example.be"},
    }
    lines = certificate_lines(status_of("self-signed", self_signed=True, failure=failure), language)
    text = "\n".join(lines)
    assert FINGERPRINT in text
    assert "mail.example.be, autoconfig.example.be" in text
    assert failure_text(failure, language) in text
    if language == "en":
        assert lines[0].startswith("Self-signed certificate made by pmemail")
        assert "Staff will see a warning; the fingerprint to check (SHA-256) is" in text
    else:
        assert lines[0].startswith("Certificat auto-signé")
        assert "l'empreinte à vérifier" in text


def test_lines_of_an_acme_certificate() -> None:
    future = time.time() + 60 * 86400
    status = status_of("acme", self_signed=False, next_attempt=NOON, not_after=future)
    lines = certificate_lines(status, "en")
    assert lines[0] == "Trusted certificate from R11, obtained and renewed automatically."
    assert lines[1] == "Names: mail.example.be, autoconfig.example.be"
    assert lines[2] == f"Valid until {format_date(future, 'en')}"
    assert lines[3].startswith("Next renewal attempt: 8 March 2027")
    assert not any("fingerprint" in line for line in lines)
    fr = certificate_lines(status, "fr")
    assert fr[0].startswith("Certificat reconnu délivré par R11")
    assert fr[3].startswith("Prochaine tentative de renouvellement : 8 mars 2027")


def test_lines_of_a_failed_renewal_keep_the_old_certificate_and_say_why() -> None:
    failure: CertificateFailure = {
        "code": failures.CA_UNREACHABLE,
        "params": {"url": "https://acme.test/dir", "detail": "timeout"},
    }
    status = status_of("acme", self_signed=False, failure=failure, not_after=NOON - 400 * 86400)
    lines = certificate_lines(status, "en")
    assert any(line.startswith("Expired on ") for line in lines)
    assert lines[-1].startswith("Last attempt: The certificate authority at https://acme.test/dir")
    assert certificate_lines(status, "fr")[-1].startswith("Dernière tentative : ")


def test_lines_of_the_admins_own_certificate() -> None:
    status = status_of("user", self_signed=False)
    lines = certificate_lines(status, "en")
    assert lines[0] == "Your own certificate (mail.tls_cert), issued by R11."
    assert not any(line.startswith("Next renewal") for line in lines)

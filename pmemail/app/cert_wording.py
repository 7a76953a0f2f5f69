"""What the admin and staff read about certificates, in English or French.

The core reports ids and values (``mailcore.acme.failures``, the
``CertificateStatus`` document); this module words them from the catalogue
in :mod:`pmemail.app.cert_texts` for the CLI, the wizard, the dashboard, the
client settings sheet and the doctor. Any language other than French reads
English.
"""

from __future__ import annotations

import string
import time
from collections.abc import Mapping

from mailcore.acme import after_renew, failures
from mailcore.status import AfterRenewOutcome, CertificateFailure, CertificateStatus
from pmemail.app.cert_texts import FAILURE_PARAMS, MONTHS, TEXTS

LANGUAGES = ("en", "fr")


def say(key: str, language: str, **values: object) -> str:
    """The sentence ``key`` of the certificate catalogue in ``language``, filled."""
    return render(TEXTS, key, language, **values)


def render(
    catalogue: Mapping[str, Mapping[str, str]], key: str, language: str, **values: object
) -> str:
    """The sentence ``key`` of ``catalogue`` in ``language``, its placeholders filled.

    A placeholder without a value reads ``?``: a failure saved by an older or
    newer server must still give a sentence, never a ``KeyError``.
    """
    texts = catalogue[key]
    text = texts.get(language, texts["en"])
    return string.Formatter().vformat(text, (), _Lenient(values))


class _Lenient(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a catalogue text (for the completeness test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def format_date(when: float, language: str, *, with_time: bool = False) -> str:
    """``when`` (epoch seconds, local time) as ``2 March 2027`` / ``2 mars 2027``."""
    t = time.localtime(when)
    months = MONTHS.get(language, MONTHS["en"])
    day = "1er" if language == "fr" and t.tm_mday == 1 else str(t.tm_mday)
    text = f"{day} {months[t.tm_mon - 1]} {t.tm_year}"
    if with_time:
        text += (" à " if language == "fr" else ", ") + f"{t.tm_hour:02d}:{t.tm_min:02d}"
    return text


def failure_text(failure: CertificateFailure, language: str) -> str:
    """One sentence saying why no ACME certificate was obtained, and what to do.

    Args:
        failure: ``{"code": <id of mailcore.acme.failures>, "params": {...}}``.
        language: ``en`` or ``fr`` (anything else reads English).
    """
    code = failure.get("code", "")
    params: Mapping[str, str] = failure.get("params") or {}
    if code not in FAILURE_PARAMS:
        return say("failure.unknown", language, code=code or "?")
    values: dict[str, object] = {k: v for k, v in params.items() if k in FAILURE_PARAMS[code]}
    if code == failures.RATE_LIMITED:
        values["retry_at"] = _moment(params.get("retry_at", ""), language)
    if "detail" in FAILURE_PARAMS[code] and not params.get("detail"):
        values["detail"] = "-"
    return say(f"failure.{code}", language, **values)


def _moment(epoch: str, language: str) -> str:
    try:
        return format_date(float(epoch), language, with_time=True)
    except ValueError:
        return epoch or "?"


def certificate_lines(status: CertificateStatus, language: str) -> list[str]:
    """The certificate served now, a few lines: source and issuer, names, dates, what to check.

    Self-signed: the SHA-256 fingerprint staff compare. A last failure: its
    sentence (:func:`failure_text`); a failed ``acme.after_renew``: its own.
    """
    source = status.get("source", "self-signed")
    issuer = status.get("issuer", "") or "?"
    if source == "acme":
        lines = [say("lines.acme", language, issuer=issuer)]
    elif source == "user":
        lines = [say("lines.user", language, issuer=issuer)]
    else:
        lines = [say("lines.self_signed", language)]
    lines.append(say("lines.names", language, names=", ".join(status.get("names", [])) or "-"))
    not_after = status.get("not_after")
    if not_after is not None:
        key = "lines.expired" if not_after <= time.time() else "lines.expires"
        lines.append(say(key, language, date=format_date(not_after, language)))
    next_attempt = status.get("next_attempt")
    if status.get("acme_enabled") and next_attempt:
        when = format_date(next_attempt, language, with_time=True)
        lines.append(say("lines.next", language, date=when))
    if not status.get("trusted", False):
        fingerprint = status.get("fingerprint_sha256", "") or "?"
        lines.append(say("lines.fingerprint", language, fingerprint=fingerprint))
    failure = status.get("last_failure")
    if failure:
        lines.append(say("lines.failure", language, text=failure_text(failure, language)))
    hook = status.get("after_renew")
    if hook and hook.get("code") != after_renew.OK:
        lines.append(after_renew_text(hook, language))
    return lines


def after_renew_text(outcome: AfterRenewOutcome, language: str) -> str:
    """One sentence saying how ``acme.after_renew`` failed, and what to do."""
    code = outcome.get("code", "")
    params = outcome.get("params") or {}
    if code not in after_renew.CODES or code == after_renew.OK:
        return say("after_renew.unknown", language, code=code or "?")
    values = {k: (v or "-") for k, v in params.items()}
    return say(f"after_renew.{code}", language, **values)


def settings_fingerprint(fingerprint: str, language: str) -> str:
    """The client settings sheet's line for a self-signed certificate."""
    return say("settings.fingerprint", language, fingerprint=fingerprint)

"""The certificate status in words, English and French (minimal version).

The ui branch brings the full wording (wizard, dashboard); this one keeps the
agreed two functions so ``pmemail cert`` speaks on its own.
"""

from __future__ import annotations

import time

from mailcore.status import CertificateFailure, CertificateStatus

_FAILURES: dict[str, tuple[str, str]] = {
    "acme_off": (
        "ACME is off (acme.enabled = false): the self-signed certificate is served.",
        "ACME est désactivé (acme.enabled = false) : le certificat auto-signé est servi.",
    ),
    "user_certificate": (
        "Your own certificate (mail.tls_cert) is served; pmemail never replaces it.",
        "Votre propre certificat (mail.tls_cert) est servi ; pmemail ne le remplace jamais.",
    ),
    "no_public_name": (
        "{name} has no address in the DNS yet: create its DNS record first.",
        "{name} n'a pas encore d'adresse dans le DNS : créez d'abord son enregistrement.",
    ),
    "name_elsewhere": (
        "{name} points at {address}, not at the office ({public}): correct its DNS record.",
        "{name} pointe vers {address}, pas vers le bureau ({public}) : corrigez son "
        "enregistrement DNS.",
    ),
    "port80_unreachable": (
        "The certificate authority could not reach port 80 of {name}: forward port 80 "
        "to this server.",
        "L'autorité de certification n'a pas pu joindre le port 80 de {name} : redirigez "
        "le port 80 vers ce serveur.",
    ),
    "port443_unreachable": (
        "The certificate authority could not reach port 443 of {name}: forward port 443 "
        "to this server.",
        "L'autorité de certification n'a pas pu joindre le port 443 de {name} : redirigez "
        "le port 443 vers ce serveur.",
    ),
    "challenge_failed": (
        "The certificate authority refused the answer for {name}: {detail}",
        "L'autorité de certification a refusé la réponse pour {name} : {detail}",
    ),
    "ca_unreachable": (
        "The certificate authority ({url}) could not be reached: {detail}",
        "L'autorité de certification ({url}) est injoignable : {detail}",
    ),
    "ca_error": (
        "The certificate authority answered with an error: {detail}",
        "L'autorité de certification a répondu par une erreur : {detail}",
    ),
    "rate_limited": (
        "The certificate authority asks to wait: next attempt after {retry_at}.",
        "L'autorité de certification demande d'attendre : prochain essai après {retry_at}.",
    ),
    "timed_out": (
        "The certificate authority did not finish within {seconds} s.",
        "L'autorité de certification n'a pas terminé en {seconds} s.",
    ),
}
_UNKNOWN = ("No certificate could be obtained ({code}).", "Aucun certificat obtenu ({code}).")

_LINES: dict[str, tuple[str, str]] = {
    "user": ("Certificate: your own (mail.tls_cert)", "Certificat : le vôtre (mail.tls_cert)"),
    "acme": ("Certificate: from {issuer} (ACME)", "Certificat : de {issuer} (ACME)"),
    "self-signed": ("Certificate: self-signed", "Certificat : auto-signé"),
    "names": ("Names: {names}", "Noms : {names}"),
    "until": ("Valid until: {date}", "Valable jusqu'au : {date}"),
    "fingerprint": ("SHA-256 fingerprint: {fp}", "Empreinte SHA-256 : {fp}"),
    "trusted": (
        "Mail clients and browsers trust it.",
        "Les clients mail et les navigateurs lui font confiance.",
    ),
    "untrusted": (
        "Mail clients and browsers warn: staff must compare the fingerprint once.",
        "Les clients mail et les navigateurs avertissent : comparez l'empreinte une fois.",
    ),
    "next": ("Next renewal attempt: {date}", "Prochain essai de renouvellement : {date}"),
    "failure": ("Last attempt: {text}", "Dernier essai : {text}"),
}


def _pick(texts: tuple[str, str], language: str) -> str:
    return texts[1] if language == "fr" else texts[0]


def _date(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def failure_text(failure: CertificateFailure, language: str) -> str:
    """Why no ACME certificate was obtained, with what to do, in ``language`` (en, fr)."""
    params = dict(failure.get("params", {}))
    if "retry_at" in params:
        try:
            params["retry_at"] = _date(float(params["retry_at"]))
        except ValueError:
            pass
    template = _pick(_FAILURES.get(failure["code"], _UNKNOWN), language)
    try:
        return template.format(code=failure["code"], **params)
    except (KeyError, IndexError):  # a parameter missing: the words without it
        return _pick(_UNKNOWN, language).format(code=failure["code"])


def certificate_lines(status: CertificateStatus, language: str) -> list[str]:
    """The status as short lines for the CLI (``pmemail cert status``)."""
    lines = [
        _pick(_LINES[status["source"]], language).format(issuer=status["issuer"]),
        _pick(_LINES["names"], language).format(names=", ".join(status["names"]) or "-"),
        _pick(_LINES["until"], language).format(date=_date(status["not_after"])),
        _pick(_LINES["fingerprint"], language).format(fp=status["fingerprint_sha256"]),
        _pick(_LINES["trusted" if status["trusted"] else "untrusted"], language),
    ]
    if status["next_attempt"] is not None:
        lines.append(_pick(_LINES["next"], language).format(date=_date(status["next_attempt"])))
    if status["last_failure"] is not None:
        text = failure_text(status["last_failure"], language)
        lines.append(_pick(_LINES["failure"], language).format(text=text))
    return lines

"""The port 25 verdict counters as the dashboard reads them (no server needed)."""

from __future__ import annotations

from pmemail.app.status_snapshot import mail_counters
from pmemail_tui.i18n import catalogue

SMTP = {
    "name": "smtp",
    "state": "running",
    "accepted": 5,
    "antispam": {
        "filtering": "basic",
        "engine": "rspamd",
        "checked": 9,
        "refused": {"own_domain": 2, "spam": 1, "bogus": "x"},
        "junk": {"spam": 3},
    },
}


def test_counters_read_the_antispam_object() -> None:
    """Filtering mode, refusals by reason (ill-typed values dropped) and Junk deliveries."""
    m = mail_counters([SMTP, {"name": "submission", "accepted": 2}])
    assert m.accepted == 7 and m.spam_filtering == "basic"
    assert m.spam_refused == (("own_domain", 2), ("spam", 1)) and m.spam_junk == 3


def test_older_server_shows_no_spam_line() -> None:
    """A server that does not report antispam leaves the facts empty (the line is hidden)."""
    m = mail_counters([{"name": "smtp", "accepted": 1}])
    assert (m.spam_filtering, m.spam_refused, m.spam_junk) == ("", (), 0)


def test_every_reason_and_mode_is_worded_in_both_languages() -> None:
    """Each reason id and filtering mode the core reports has English and French words."""
    keys = [f"dash.spam.{r}" for r in ("dnsbl", "own_domain", "dmarc", "spam", "attachment")]
    keys += ["dash.spam.greylist", "dash.mail.spam"]
    keys += [f"dash.spam.mode.{m}" for m in ("engine", "basic", "off")]
    for lang in ("en", "fr"):
        assert all(catalogue(lang).get(k) for k in keys), lang

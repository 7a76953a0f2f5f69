"""``pmemail export postfix-dovecot DIR``: hand the office over to Postfix + Dovecot.

Gathers the facts from the config and the data dir (ports, users and their
hashes, aliases, the served certificate, the DKIM keys, the relay), writes
the files of :mod:`pmemail.app.handover_files` and a README of the
switch-over in the config's language (and the other one), and writes
``dovecot-uidlist`` into each Maildir folder so Dovecot keeps the IMAP UIDs.
The server must be stopped: UIDs it hands out later would be missing.
"""

from __future__ import annotations

import grp
import os
from dataclasses import dataclass, field
from pathlib import Path

from mailcore.certs.keeper import choose_certificate
from mailcore.delivery import maildir_path
from mailcore.dkim.keys import DkimKeys
from mailcore.mailstore.dovecot_uidlist import write_uidlists
from mailcore.users import UserStore
from pmemail.app.cert_wording import render
from pmemail.app.handover_files import (
    Handover,
    dovecot_conf,
    main_cf_text,
    master_cf,
    opendkim_files,
    passwd_file,
    polkit_reload_rule,
    virtual,
    vmailbox,
)
from pmemail.app.handover_texts import TEXTS
from pmemail.app.server_process import server_pid
from pmemail.config.mail_policy import uses_smarthost
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.fsutil import atomic_write_text, make_private_dir


class ExportError(Exception):
    """An export that was not written: a message id and its parameters."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid, self.params = msgid, params


def say(msgid: str, language: str, **values: object) -> str:
    """Sentence ``msgid`` of the hand-over catalogue in ``language``, filled."""
    return render(TEXTS, msgid, language, **values)


@dataclass
class ExportOutcome:
    """What the export wrote."""

    out: Path
    files: list[str] = field(default_factory=list)
    users: int = 0
    uidlists: int = 0
    messages: int = 0
    old_hashes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The ``--json`` document."""
        return {
            "ok": True,
            "dir": str(self.out),
            "files": self.files,
            "users": self.users,
            "uidlists": self.uidlists,
            "messages": self.messages,
            "old_hashes": self.old_hashes,
        }


def _give_group(path: Path, group: str) -> None:
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        return  # not installed yet: the README's `apt install` step creates it
    if os.geteuid() == 0:
        os.chown(path, -1, gid)


def _handover(config: Config, paths: DataPaths, out: Path) -> Handover:
    chosen = choose_certificate(config, paths, generate=False)
    listen = config.server.listen_address
    relay = config.relay
    smarthost = uses_smarthost(relay) and bool(relay.host)
    keys = DkimKeys(paths.dkim_dir, config.dkim.selector)
    domains = [config.mail.domain, *config.mail.extra_domains]
    dkim = {}
    if config.dkim.enabled:
        for d in domains:
            selector = keys.selector(d)
            if selector:
                dkim[d] = (selector, keys.key_path(d, selector))
    st = paths.maildirs.stat() if paths.maildirs.exists() else paths.root.stat()
    return Handover(
        out=out,
        hostname=config.mail.hostname,
        domains=domains,
        listen="" if listen in ("0.0.0.0", "::", "") else listen,
        smtp_port=config.ports.smtp.internal,
        submission_ports=[config.ports.submission.internal, *config.mail.submission_extra_ports],
        smtps_port=config.mail.smtps_port,
        imap_port=config.ports.imap.internal,
        pop3_port=config.ports.pop3.internal,
        maildirs=paths.maildirs.resolve(),
        mail_uid=st.st_uid,
        mail_gid=st.st_gid,
        cert=chosen.cert.resolve(),
        key=chosen.key.resolve(),
        max_message_size=config.mail.max_message_size,
        relay=f"[{relay.host}]:{relay.port}" if smarthost else "",
        relay_wrapper=smarthost and relay.tls == "tls",
        relay_auth=smarthost and bool(relay.username),
        dkim=dkim,
    )


def export_postfix_dovecot(config: Config, paths: DataPaths, out: Path) -> ExportOutcome:
    """Write the hand-over into ``out`` (new or empty) and the uidlists into the Maildirs.

    Raises:
        ExportError: ``error.running`` (stop the server first), ``error.not_empty``.
        OSError: a file could not be written.
    """
    pid = server_pid(paths)
    if pid is not None:
        raise ExportError("error.running", pid=pid)
    if out.exists() and any(out.iterdir()):
        raise ExportError("error.not_empty", dir=str(out))
    h = _handover(config, paths, out.resolve())
    store = UserStore.from_config(config, paths)
    users = store.list_users()
    hashes = store.password_hashes()
    aliases: dict[str, list[str]] = {}
    for a in store.list_aliases():
        aliases.setdefault(a.address, []).append(a.target)
    outcome = ExportOutcome(h.out, users=len(users))
    usable = {a: x for a, x in hashes.items() if x.startswith("$argon2id$")}
    outcome.old_hashes = sorted(set(hashes) - set(usable))
    files: dict[str, str] = {
        "postfix/main.cf": main_cf_text(h),
        "postfix/master.cf": master_cf(h),
        "postfix/vmailbox": vmailbox([u.address for u in users]),
        "postfix/virtual": virtual(aliases, store.catchalls()),
        "dovecot/dovecot.conf": dovecot_conf(h),
        "dovecot/passwd.smtp": passwd_file(sorted(usable.items())),
    }
    for proto in ("imap", "pop3"):
        chosen = [
            (u.address, usable[u.address])
            for u in users
            if u.protocol == proto and u.address in usable
        ]
        files[f"dovecot/passwd.{proto}"] = passwd_file(chosen)
    if h.relay_auth:
        relay = config.relay
        files["postfix/sasl_passwd"] = f"{h.relay} {relay.username}:{relay.password}\n"
    if h.dkim:
        files.update({f"opendkim/{k}": v for k, v in opendkim_files(h).items()})
    service_user = config.server.user or "root"
    files["polkit/50-pmemail-reload.rules"] = polkit_reload_rule(service_user)
    other = "fr" if config.language == "en" else "en"
    facts = {
        "smtp_ports": ", ".join(
            str(p) for p in (h.smtp_port, *h.submission_ports, h.smtps_port) if p
        ),
        "domains": ", ".join(h.domains),
        "imap_port": h.imap_port,
        "pop3_port": h.pop3_port,
        "maildirs": h.maildirs,
        "user": service_user,
    }
    files["README.txt"] = say("readme", config.language, **facts)
    files[f"README.{other}.txt"] = say("readme", other, **facts)
    make_private_dir(h.out)
    for name, text in files.items():
        target = h.out / name
        make_private_dir(target.parent)
        os.chmod(target.parent, 0o755)  # Postfix and Dovecot read their files as their users
        if name.startswith("dovecot/passwd"):
            atomic_write_text(target, text, 0o640)
            _give_group(target, "dovecot")  # Dovecot's auth process reads it as that group
        else:
            secret = name == "postfix/sasl_passwd"  # Postfix opens it as root, at start
            atomic_write_text(target, text, 0o600 if secret else 0o644)
        outcome.files.append(name)
    os.chmod(h.out, 0o755)
    for u in users:
        report = write_uidlists(maildir_path(paths, u.address))
        outcome.uidlists += report.folders
        outcome.messages += report.messages
    return outcome

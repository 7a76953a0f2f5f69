"""The configuration files of the hand-over to Postfix + Dovecot, as text (pure).

``handover_export`` gathers the facts (ports, users, keys, certificate) and
writes what these functions return. Postfix receives on the same ports as
pmemail (25, the submission ports, 465) and hands local mail to Dovecot over
LMTP; Dovecot serves IMAP and POP3 on pmemail's ports over the same Maildirs
and checks the same password hashes (argon2id in PHC form, Dovecot's
``ARGON2ID`` scheme); OpenDKIM signs with pmemail's DKIM keys. Processes run
without chroot (a chroot needs copies of system files the export cannot
know).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Postfix's internal services (Debian's master.cf), chroot off
_INTERNAL = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""
_SUBMISSION = (
    "  -o syslog_name=postfix/submission\n"
    "  -o smtpd_tls_security_level=encrypt\n"
    "  -o smtpd_sasl_auth_enable=yes\n"
    "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n"
    "  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject\n"
)


@dataclass
class Handover:
    """Everything the files say, gathered from pmemail's config and data dir."""

    out: Path  # the export directory
    hostname: str
    domains: list[str]
    listen: str  # "" = every address
    smtp_port: int
    submission_ports: list[int]
    smtps_port: int  # 0 = none
    imap_port: int
    pop3_port: int
    maildirs: Path  # <maildirs>/<domain>/<local>/ is a user's Maildir
    mail_uid: int
    mail_gid: int
    cert: Path
    key: Path
    max_message_size: int
    relay: str = ""  # "[host]:port" or ""
    relay_wrapper: bool = False  # implicit TLS to the relay
    relay_auth: bool = False
    dkim: Mapping[str, tuple[str, Path]] = field(default_factory=dict)  # domain: (sel, key)
    dovecot_run: str = "/run/dovecot"

    @property
    def postfix_dir(self) -> Path:
        """Where Postfix's files go."""
        return self.out / "postfix"

    @property
    def dovecot_dir(self) -> Path:
        """Where Dovecot's files go."""
        return self.out / "dovecot"


def _addr(h: Handover, port: int) -> str:
    return f"{h.listen}:{port}" if h.listen else str(port)


def master_cf(h: Handover) -> str:
    """master.cf: smtpd on pmemail's ports, then the internal services."""
    lines = [f"{_addr(h, h.smtp_port):<9} inet  n       -       n       -       -       smtpd"]
    for port in h.submission_ports:
        lines.append(f"{_addr(h, port):<9} inet  n       -       n       -       -       smtpd")
        lines.append(_SUBMISSION.rstrip("\n"))
    if h.smtps_port:
        lines.append(
            f"{_addr(h, h.smtps_port):<9} inet  n       -       n       -       -       smtpd"
        )
        lines.append(
            (_SUBMISSION + "  -o smtpd_tls_wrappermode=yes").replace("submission", "smtps")
        )
    return "\n".join(lines) + "\n" + _INTERNAL


def main_cf(h: Handover) -> dict[str, str]:
    """main.cf settings (``postconf -e`` pairs)."""
    pf = h.postfix_dir
    ipv4_only = h.listen.count(".") == 3
    settings = {
        "compatibility_level": "3.6",
        "myhostname": h.hostname,
        "mydomain": h.domains[0],
        "mydestination": "",
        "inet_interfaces": h.listen or "all",
        "inet_protocols": "ipv4" if ipv4_only else "all",
        "mynetworks": "127.0.0.0/8 [::1]/128",
        "biff": "no",
        "alias_maps": "",
        "alias_database": "",
        "message_size_limit": str(h.max_message_size),
        "mailbox_size_limit": "0",
        "virtual_mailbox_limit": "0",
        "virtual_mailbox_domains": " ".join(h.domains),
        "virtual_mailbox_maps": f"texthash:{pf / 'vmailbox'}",
        "virtual_alias_maps": f"texthash:{pf / 'virtual'}",
        "virtual_transport": f"lmtp:unix:{h.dovecot_run}/lmtp",
        "smtpd_tls_chain_files": f"{h.key}, {h.cert}",
        "smtpd_tls_security_level": "may",
        "smtpd_tls_auth_only": "yes",
        "smtpd_sasl_type": "dovecot",
        "smtpd_sasl_path": f"{h.dovecot_run}/auth-postfix",
        "smtpd_relay_restrictions": "permit_mynetworks, permit_sasl_authenticated, "
        "reject_unauth_destination",
        "smtp_tls_security_level": "may",
    }
    if h.relay:
        settings["relayhost"] = h.relay
        settings["smtp_tls_security_level"] = "encrypt"
        if h.relay_wrapper:
            settings["smtp_tls_wrappermode"] = "yes"
        if h.relay_auth:
            settings["smtp_sasl_auth_enable"] = "yes"
            settings["smtp_sasl_password_maps"] = f"texthash:{pf / 'sasl_passwd'}"
            settings["smtp_sasl_security_options"] = "noanonymous"
    if h.dkim:
        settings["smtpd_milters"] = "inet:127.0.0.1:8891"
        settings["non_smtpd_milters"] = "$smtpd_milters"
        settings["milter_default_action"] = "accept"
    return settings


def main_cf_text(h: Handover) -> str:
    """main.cf as a file."""
    return "".join(f"{k} = {v}\n" for k, v in main_cf(h).items())


def vmailbox(users: Sequence[str]) -> str:
    """virtual_mailbox_maps: each address to its Maildir (relative to the base)."""
    return "".join(f"{a} {a.split('@')[1]}/{a.split('@')[0]}/\n" for a in users)


def virtual(aliases: Mapping[str, Sequence[str]], catchalls: Mapping[str, str]) -> str:
    """virtual_alias_maps: aliases, then catch-alls (``@domain target``)."""
    lines = [f"{a} {', '.join(t)}" for a, t in sorted(aliases.items())]
    lines += [f"@{d} {t}" for d, t in sorted(catchalls.items())]
    return "".join(line + "\n" for line in lines)


def passwd_file(users: Sequence[tuple[str, str]]) -> str:
    """Dovecot passwd-file lines: ``address:{ARGON2ID}$argon2id$...``."""
    return "".join(f"{a}:{{ARGON2ID}}{h}\n" for a, h in users)


def dovecot_conf(h: Handover) -> str:
    """dovecot.conf: IMAP, POP3 and LMTP over pmemail's Maildirs, the same hashes."""
    dv = h.dovecot_dir
    listen = h.listen or "*, ::"
    return f"""\
protocols = imap pop3 lmtp
listen = {listen}
base_dir = {h.dovecot_run}
mail_location = maildir:{h.maildirs}/%d/%n
# pmemail's POP3 UIDL is the Maildir base name: clients do not download again
pop3_uidl_format = %f
first_valid_uid = {h.mail_uid}
first_valid_gid = {h.mail_gid}
ssl = yes
ssl_cert = <{h.cert}
ssl_key = <{h.key}
disable_plaintext_auth = yes
auth_mechanisms = plain login
# one file per service: the IMAP users in passwd.imap, the POP3 ones in passwd.pop3,
# everyone in passwd.smtp (Postfix's submission AUTH) -- pmemail's per-user protocol
passdb {{
  driver = passwd-file
  args = scheme=ARGON2ID username_format=%Lu {dv}/passwd.%s
}}
userdb {{
  driver = static
  args = uid={h.mail_uid} gid={h.mail_gid} home={h.maildirs}/%Ld/%Ln allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    port = {h.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {h.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0600
    user = postfix
    group = postfix
  }}
}}
service auth {{
  unix_listener auth-postfix {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""


def opendkim_files(h: Handover) -> dict[str, str]:
    """opendkim.conf, KeyTable and SigningTable for pmemail's current DKIM keys."""
    od = h.out / "opendkim"
    conf = (
        "Syslog yes\nMode s\nCanonicalization relaxed/relaxed\n"
        "Socket inet:8891@127.0.0.1\n"
        f"KeyTable {od / 'KeyTable'}\nSigningTable refile:{od / 'SigningTable'}\n"
    )
    keys = "".join(f"{s}._domainkey.{d} {d}:{s}:{k}\n" for d, (s, k) in sorted(h.dkim.items()))
    signing = "".join(f"*@{d} {s}._domainkey.{d}\n" for d, (s, _) in sorted(h.dkim.items()))
    return {"opendkim.conf": conf, "KeyTable": keys, "SigningTable": signing}


def polkit_reload_rule(user: str) -> str:
    """The polkit rule letting ``user`` (pmemail's service account) reload Postfix and
    Dovecot and nothing else: ``acme.after_renew`` runs ``systemctl reload`` as that
    account, and the unit's NoNewPrivileges rules sudo out; polkit asks over D-Bus."""
    return f"""\
// pmemail: reload Postfix and Dovecot after a certificate renewal (acme.after_renew)
polkit.addRule(function(action, subject) {{
    if (action.id == "org.freedesktop.systemd1.manage-units" &&
        subject.user == {json.dumps(user)} &&
        action.lookup("verb") == "reload" &&
        ["postfix.service", "dovecot.service"].indexOf(action.lookup("unit")) >= 0) {{
        return polkit.Result.YES;
    }}
}});
"""

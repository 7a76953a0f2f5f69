"""The DNS records to publish, with DKIM keys and the ISP's relay: ``pmemail dns records``,
the wizard's domain step and the doctor's record checks all ask here.

The records themselves come from the one generator, :mod:`netcore.dns_records`;
this module adds what only the app knows: the DKIM public keys on disk
(``mailcore.dkim``), the ISP's relay facts and the last public address seen.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from mailcore.dkim.keys import DkimKeyError, DkimKeys
from netcore.dns_records import DnsRecord, mail_auth, records_to_publish
from netcore.ip_history import IpHistory
from netcore.isp_facts import isp_hints
from pmemail.app.cert_wording import render
from pmemail.app.mail_auth_texts import TEXTS
from pmemail.app.sheet_texts import TEXTS as SHEET_TEXTS
from pmemail.config import Config, DataPaths


def last_public_ip(paths: DataPaths) -> str:
    """The last public address the checks saw ("" before any check)."""
    seen = [o.address or o.router_address for o in IpHistory(paths.state).entries()]
    return next((a for a in reversed(seen) if a), "")


def mail_domains(config: Config) -> list[str]:
    """``mail.domain`` then ``mail.extra_domains``, without repeats."""
    return list(dict.fromkeys([config.mail.domain, *config.mail.extra_domains]))


def dkim_keys(config: Config, paths: DataPaths) -> DkimKeys:
    """The DKIM keys of this configuration."""
    return DkimKeys(paths.dkim_dir, config.dkim.selector)


def dkim_pairs(
    config: Config, paths: DataPaths, domain: str, make_keys: bool = True
) -> tuple[tuple[str, str], ...]:
    """(selector, TXT value) of every key of ``domain``, its first key made when missing
    (unless ``make_keys`` is false: the wizard, while the admin types the domain).

    Older keys stay listed until their file is removed: mail they signed is still
    being checked by its recipients.
    """
    if not config.dkim.enabled:
        return ()
    keys = dkim_keys(config, paths)
    try:
        made = make_keys and not keys.selectors(domain)
        if made:
            keys.ensure(domain)
            give_to_data_owner(paths, keys.key_path(domain, keys.selector(domain)))
        return tuple((s, keys.public_txt(domain, s)) for s in keys.selectors(domain))
    except (DkimKeyError, OSError):
        return ()  # unreadable keys: the doctor's DKIM row says so


def give_to_data_owner(paths: DataPaths, path: Path) -> None:
    """Run as root for a server that runs as ``server.user``: hand a new key file (and
    its folders up to the data dir) to the data dir's owner, so the server can read it."""
    if os.geteuid() != 0:
        return
    st = paths.root.stat()
    for p in [path, *path.parents]:
        if p == paths.root or not p.is_relative_to(paths.root):
            break
        os.chown(p, st.st_uid, st.st_gid, follow_symlinks=False)


def planned_records(
    config: Config, paths: DataPaths, public_ip: str = "", make_keys: bool = True
) -> list[DnsRecord]:
    """Every record of every mail domain for the chosen relay mode."""
    facts = isp_hints(config)
    unknown = render(SHEET_TEXTS, "zone.unknown_address", config.language)
    address = public_ip or last_public_ip(paths) or unknown
    records: list[DnsRecord] = []
    for i, domain in enumerate(mail_domains(config)):
        auth = mail_auth(
            config, facts.smarthost, facts.spf_include, dkim_pairs(config, paths, domain, make_keys)
        )
        records += records_to_publish(domain, config.mail.hostname, address, auth, main=i == 0)
    if address == unknown:  # the PTR's owner is the reverse of an address not known yet
        reverse = render(SHEET_TEXTS, "zone.reverse_of", config.language, address=unknown)
        records = [dataclasses.replace(r, name=reverse) if r.rtype == "PTR" else r for r in records]
    return records


def why(record: DnsRecord, language: str) -> str:
    """What ``record`` is for, in ``language``."""
    return render(TEXTS, f"why.{record.why}", language)


def zone_text(record: DnsRecord, language: str) -> str:
    """``record``'s zone-file line, the ISP's records commented in ``language``."""
    return record.zone_line(isp_note=render(SHEET_TEXTS, "zone.ask_isp", language))


def records_document(config: Config, paths: DataPaths, public_ip: str = "") -> dict[str, Any]:
    """``pmemail dns records --json``: the records, each with its note in the config's language."""
    records = planned_records(config, paths, public_ip)
    facts = isp_hints(config)
    relay = mail_auth(config, facts.smarthost).relay_host
    return {
        "version": 1,
        "domains": mail_domains(config),
        "hostname": config.mail.hostname,
        "public_ip": public_ip or last_public_ip(paths),
        "relay": relay,
        "records": [
            r.to_dict()
            | {"note": why(r, config.language), "zone_line": zone_text(r, config.language)}
            for r in records
        ],
    }


def rotate_dkim(config: Config, paths: DataPaths, domain: str = "") -> list[dict[str, str]]:
    """A new DKIM key and selector for ``domain`` (all mail domains when empty).

    Returns, per domain, the old and new selectors and the new record to publish.
    The old key keeps signing nothing but stays, so its record can stay published.

    Raises:
        DkimKeyError: ``domain`` is not a mail domain, or a key cannot be made.
    """
    domains = mail_domains(config)
    if domain and domain.lower() not in domains:
        raise DkimKeyError(f"{domain} is not a mail domain (mail.domain, mail.extra_domains)")
    keys = dkim_keys(config, paths)
    done = []
    for d in [domain.lower()] if domain else domains:
        old = keys.selector(d)
        new = keys.rotate(d)
        give_to_data_owner(paths, keys.key_path(d, new))
        give_to_data_owner(paths, keys.key_path(d, new).with_name("current"))
        value = keys.public_txt(d, new)
        done.append(
            {"domain": d, "old_selector": old, "selector": new, "name": f"{new}._domainkey.{d}"}
            | {"value": value}
        )
    return done

"""Root hands over to an unprivileged account once every port is bound.

``pmemail serve`` started as root binds its listeners (25, 110, 143, 80 need
root), then gives up root for good: ``setgroups([])``, ``setgid``, ``setuid``,
checked afterwards by trying to get root back. Everything the server writes
later (mail, queue, log rotation, the control socket) is then done as that
account, so the files pmemail owns are handed to it first, while still root.

Only pmemail's own paths change owner: the data dir tree, and the log file,
pid file and control socket when ``[server]`` moves them elsewhere (their
directory too when its name says it is pmemail's, e.g. ``/var/log/pmemail``;
never a shared one like ``/var/log``).
"""

from __future__ import annotations

import logging
import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path

from pmemail.config.paths import DataPaths

log = logging.getLogger(__name__)

USERADD_HINT = "useradd --system --no-create-home --shell /usr/sbin/nologin {name}"


class PrivilegeError(Exception):
    """The hand-over to the service account cannot happen (one line for the admin)."""


@dataclass(frozen=True)
class Account:
    """The unprivileged account the services run as."""

    name: str
    uid: int
    gid: int


def find_account(name: str) -> Account | None:
    """The account called ``name``; None when the system has no such user."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid)


def service_account(name: str) -> Account:
    """The configured account, or a refusal saying how to create it.

    Raises:
        PrivilegeError: no such user, or it is root itself.
    """
    account = find_account(name)
    if account is None:
        raise PrivilegeError(
            f"user {name!r} (server.user) does not exist: create it with "
            f"`{USERADD_HINT.format(name=name)}` (or `pmemail service install`), "
            'or set server.user = "" to keep running as root'
        )
    if account.uid == 0 or account.gid == 0:
        raise PrivilegeError(f"server.user = {name!r} is root itself: name an unprivileged user")
    return account


def owned_paths(paths: DataPaths) -> list[Path]:
    """pmemail's own paths, each handed over with everything below it."""
    owned = [paths.root]
    for server_file in (paths.log_file, paths.pidfile, paths.control_socket):
        if server_file.is_relative_to(paths.root):
            continue
        folder = server_file.parent
        # a folder of its own (/var/log/pmemail) goes too; a shared one (/var/log) never
        owned.append(folder if "pmemail" in folder.name else server_file)
    return owned


def _allowed(account: Account, st: os.stat_result, user_bit: int) -> bool:
    """Whether mode bits grant ``account`` the permission ``user_bit`` names (no ACLs).

    Args:
        user_bit: owner bits such as ``S_IWUSR | S_IXUSR``; all must be granted.
    """
    if st.st_uid == account.uid:
        shift = 0
    elif st.st_gid == account.gid:
        shift = 3
    else:
        shift = 6
    wanted = user_bit >> shift
    return st.st_mode & wanted == wanted


def blocked_path(account: Account, path: Path) -> Path | None:
    """The first folder above ``path`` that ``account`` cannot enter, if any.

    Mode bits only: enough for /root and /home/* set to 0700.
    """
    for folder in reversed(path.absolute().parents):
        try:
            st = folder.stat()
        except FileNotFoundError:
            return None  # pmemail creates the rest itself, and hands it over
        if not _allowed(account, st, stat.S_IXUSR):
            return folder
    return None


def check_reachable(account: Account, paths: DataPaths) -> None:
    """Refuse when the account could not reach (or rotate, replace) pmemail's files.

    Raises:
        PrivilegeError: e.g. a data dir under /root (mode 0700), or a log
            file directly in /var/log.
    """
    server_files = (paths.log_file, paths.pidfile, paths.control_socket)
    for path in owned_paths(paths):
        folder = blocked_path(account, path)
        if folder is None and path in server_files and path.parent.exists():
            # a lone file in a shared folder: renamed, rotated, removed there
            st = path.parent.stat()
            if not _allowed(account, st, stat.S_IWUSR | stat.S_IXUSR):
                folder = path.parent
        if folder is not None:
            raise PrivilegeError(
                f"user {account.name!r} (server.user) cannot use {path} ({folder} is "
                "closed to it): move it (e.g. data_dir = /var/lib/pmemail, "
                "server.log_file = /var/log/pmemail/pmemail.log) "
                'or set server.user = "" to keep running as root'
            )


def hand_over(account: Account, paths: DataPaths) -> int:
    """Give pmemail's paths to ``account`` (call as root). Returns entries changed.

    Symbolic links are changed themselves, never followed: a link planted in
    the data dir must not hand a system file to the account.
    """
    changed = 0
    for top in owned_paths(paths):
        if not top.exists():
            continue
        changed += _chown(top, account)
        if top.is_dir() and not top.is_symlink():
            for folder, dirs, files in os.walk(top):
                for name in (*dirs, *files):
                    changed += _chown(Path(folder, name), account)
    return changed


def _chown(path: Path, account: Account) -> int:
    try:
        st = path.lstat()
    except FileNotFoundError:  # gone meanwhile (a temporary file)
        return 0
    if (st.st_uid, st.st_gid) == (account.uid, account.gid):
        return 0
    os.chown(path, account.uid, account.gid, follow_symlinks=False)
    return 1


def drop_privileges(account: Account) -> None:
    """Become ``account`` for good: no supplementary groups, its gid, its uid.

    The order matters: groups and gid can only be changed while still root.
    glibc applies each change to every thread of the process.

    Raises:
        PrivilegeError: root could be regained afterwards (never expected).
    """
    os.setgroups([])
    os.setgid(account.gid)
    os.setuid(account.uid)
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:
        raise PrivilegeError(f"could not drop root: still able to become root as {account.name}")
    if os.getresuid() != (account.uid,) * 3 or os.getresgid() != (account.gid,) * 3:
        raise PrivilegeError(f"could not drop root: ids are not all {account.name}'s")


def become(account: Account, paths: DataPaths) -> None:
    """Hand pmemail's paths to ``account``, then drop root (once the ports are bound).

    Files created while starting (queue recovery, the certificate, the log)
    are handed over too: this runs after them, just before ``setuid``.

    Raises:
        PrivilegeError: a path the account cannot reach, or root not dropped.
    """
    check_reachable(account, paths)  # again: the folders pmemail created now exist
    changed = hand_over(account, paths)
    drop_privileges(account)
    log.info(
        "running as %s (uid %d, gid %d); %d path(s) handed over",
        account.name,
        account.uid,
        account.gid,
        changed,
    )

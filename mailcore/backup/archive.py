"""The tar stream of one backup: compressed by the standard library, optionally
encrypted by ``age``.

Compression: gzip (the default: fast on a small office box, mail compresses
well) or xz (smaller, several times slower) from the standard library; zstd
is only in Python's standard library from 3.14 and a third-party binding is
not worth a dependency for this. Encryption: the ``age`` tool (Debian's
``age`` package; a small, audited format with one obvious way to use it) to
X25519 recipients: the server holds only the public key, so a stolen NAS
copy or a stolen server cannot read old backups without the identity file
kept elsewhere. The stream goes through ``age`` in a pipe: no clear copy
ever touches the backup disk.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal, cast

from mailcore.backup.errors import BackupError

Compression = Literal["gzip", "xz", "none"]
_SUFFIX = {"gzip": ".tar.gz", "xz": ".tar.xz", "none": ".tar"}
_MODE = {"gzip": "gz", "xz": "xz", "none": ""}
_NEARLY_FULL = 1 << 20  # bytes free under which a failed write means a full disk


def _mode(direction: str, compression: Compression) -> Any:
    """tarfile's stream mode (typed Any: its overloads want one literal per mode)."""
    return f"{direction}|{_MODE[compression]}"


def archive_name(compression: Compression, encrypted: bool) -> str:
    """The archive's file name inside a backup directory."""
    return "data" + _SUFFIX[compression] + (".age" if encrypted else "")


def _age() -> str:
    found = shutil.which("age")
    if found is None:
        raise BackupError("error.no_age")
    return found


def _raise_if_full(directory: Path) -> None:
    """age writes the file itself: its failure on a full disk is reported as one."""
    st = os.statvfs(directory)
    if st.f_bavail * st.f_frsize < _NEARLY_FULL:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(directory))


@contextmanager
def write_stream(
    path: Path, compression: Compression, recipients: Sequence[str]
) -> Iterator[tarfile.TarFile]:
    """A tar writer into ``path`` (created, fsynced when the block ends)."""
    with open(path, "xb") as out:
        proc: subprocess.Popen[bytes] | None = None
        sink: IO[bytes] = out
        if recipients:
            args = [_age()]
            for r in recipients:
                args += ["-r", r]
            proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=out)
            sink = cast(IO[bytes], proc.stdin)
        code = 0
        try:
            with tarfile.open(fileobj=sink, mode=_mode("w", compression)) as tar:
                yield tar
        except BrokenPipeError:
            code = -1  # age ended early: its exit code and the free space say why
        finally:
            if proc is not None:
                assert proc.stdin is not None
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    code = -1
                code = proc.wait() or code
        if code != 0:
            _raise_if_full(path.parent)
            raise BackupError("error.age_failed", code=code)
        out.flush()
        os.fsync(out.fileno())


@contextmanager
def read_stream(
    path: Path, compression: Compression, identity: Path | None
) -> Iterator[tarfile.TarFile]:
    """A tar reader of ``path``, decrypted with ``identity`` when it ends in ``.age``."""
    if path.name.endswith(".age"):
        if identity is None:
            raise BackupError("error.identity_needed", path=str(path))
        proc = subprocess.Popen(
            [_age(), "-d", "-i", str(identity), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        try:
            with tarfile.open(fileobj=proc.stdout, mode=_mode("r", compression)) as tar:
                yield tar
        except tarfile.TarError as err:
            proc.kill()
            proc.wait()
            message = (proc.stderr.read() if proc.stderr else b"").decode(errors="replace")
            raise BackupError(
                "error.unreadable", path=str(path), reason=message or str(err)
            ) from err
        finally:
            proc.stdout.close()  # a reader that stopped early: age ends on EPIPE
            proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
        return
    with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode=_mode("r", compression)) as tar:
        yield tar

"""The disk's ceiling for durable delivery, without any SMTP: 10 KB files/second.

Usage: python bench/smtp/fsync_ceiling.py [-n 400] [--dir /var/tmp]

Each "message" is a Maildir-style write: create in tmp, write 10 KB, fsync,
rename, fsync the directory. Measured one at a time (one fsync per message,
what a naive server does), then in batches whose files are fsynced in
parallel threads and whose directory is fsynced once (group commit, what
``mailcore.delivery`` does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DATA = os.urandom(10240)


def _create(directory: Path, name: str) -> int:
    fd = os.open(directory / "tmp" / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, DATA)
    return fd


def _publish(directory: Path, name: str) -> None:
    os.rename(directory / "tmp" / name, directory / "new" / name)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rate(directory: Path, count: int, batch: int, pool: ThreadPoolExecutor) -> float:
    """Messages/second writing ``count`` files in groups of ``batch``."""
    start = time.monotonic()
    for first in range(0, count, batch):
        names = [f"{batch}-{i}" for i in range(first, min(first + batch, count))]
        fds = [_create(directory, n) for n in names]
        list(pool.map(os.fsync, fds)) if batch > 1 else os.fsync(fds[0])
        for fd, name in zip(fds, names, strict=True):
            os.close(fd)
            _publish(directory, name)
        _fsync_dir(directory / "new")
    return count / (time.monotonic() - start)


def main() -> None:
    """Print the rates for batch sizes 1, 5, 10, 20, 40."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-n", type=int, default=400, help="files per measurement")
    ap.add_argument("--dir", default="/var/tmp", help="a directory on the disk to measure")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fsync-ceiling-", dir=args.dir))
    try:
        for sub in ("tmp", "new"):
            (root / sub).mkdir()
        with ThreadPoolExecutor(40) as pool:
            for batch in (1, 5, 10, 20, 40):
                print(f"batch {batch:2}: {rate(root, args.n, batch, pool):5.0f} messages/s")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

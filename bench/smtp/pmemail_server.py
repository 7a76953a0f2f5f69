"""pmemail's SMTP-in service alone, for the benchmark (run as a child process).

Usage: python pmemail_server.py DATA_DIR [--uvloop]

Prints the listening port on stdout, then serves until SIGTERM, when it
prints the delivery counters (messages, fsync batches) and its CPU time on
stderr. Production settings: fsync on, group commit, the real user store.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from mailcore.delivery import MaildirDelivery
from mailcore.server_tls import server_tls_context
from mailcore.smtp.service import SmtpService, build_smtp_services
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

DOMAIN, USER = "example.be", "bench"


async def serve(root: Path) -> None:
    """Run the MX listener on an ephemeral loopback port until SIGTERM."""
    config = Config()
    config.data_dir = str(root)
    config.mail.domain = DOMAIN
    config.server.listen_address = "127.0.0.1"
    config.ports.smtp.internal = 0
    config.ports.submission.internal = 0
    config.mail.submission_extra_ports = []
    config.mail.max_message_size = 200 * 2**20
    paths = DataPaths(root)
    users = UserStore.from_config(config, paths)
    users.add_user(f"{USER}@{DOMAIN}", "bench-password")
    delivery = MaildirDelivery(paths)
    smtp = build_smtp_services(
        config, paths, users, delivery, None, tls=server_tls_context(config, paths)
    )[0]
    assert isinstance(smtp, SmtpService)
    await smtp.start()
    print(smtp.port, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await smtp.stop()
    await delivery.aclose()
    cpu = os.times()
    status = delivery.status()
    print(
        f"  pmemail: {status['delivered']} copies in {status['batches']} fsync batches, "
        f"CPU {cpu.user:.1f} s user + {cpu.system:.1f} s system",
        file=sys.stderr,
    )


def main() -> None:
    """Entry point: ``DATA_DIR [--uvloop]``."""
    if "--uvloop" in sys.argv[2:]:
        import uvloop  # optional: pip install uvloop

        uvloop.install()
    asyncio.run(serve(Path(sys.argv[1])))


if __name__ == "__main__":
    main()

"""Run pmemail's IMAP service alone (for the benchmark): ``pm_server.py DATA_DIR``.

Prints ``PORT <n>`` once listening, serves until stdin closes.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from mailcore.imap.server import build_imap_service
from mailcore.server_tls import server_tls_context
from mailcore.throttle import AuthThrottle
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths


async def main(data_dir: Path) -> None:
    """Start the service on 127.0.0.1:0 and wait for stdin to close."""
    config = Config()
    config.data_dir = str(data_dir)
    config.mail.domain = "example.be"
    config.server.listen_address = "127.0.0.1"
    config.ports.imap.internal = 0
    config.security.plaintext_auth_on_loopback = True
    paths = DataPaths.from_config(config)
    users = UserStore.from_config(config, paths)
    svc = build_imap_service(
        config, paths, users, AuthThrottle(config.security), tls=server_tls_context(config, paths)
    )
    await svc.start()
    print(f"PORT {svc.port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await svc.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))

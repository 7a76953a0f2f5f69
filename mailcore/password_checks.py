"""Password checks off the event loop, a few at a time.

One argon2id check takes 19 MiB of memory and tens of milliseconds of CPU on
purpose. Run in the default thread pool, a burst of logins would run as many
at once as it has threads: memory grows by 19 MiB each, and delivery waits
for CPU. SMTP AUTH, IMAP, POP3 and the webmail share this one small pool, so
a login flood costs a bounded amount and simply queues (the login throttle
already refuses what exceeds the budgets).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from mailcore.interfaces import User, UserDirectory

CONCURRENT_CHECKS = 2
_POOL = ThreadPoolExecutor(max_workers=CONCURRENT_CHECKS, thread_name_prefix="password")


async def check_password(users: UserDirectory, address: str, password: str) -> User | None:
    """``users.authenticate(address, password)`` in the shared password pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_POOL, users.authenticate, address, password)

"""SMTP load from a separate process, for the crash test.

Usage: ``python tests/serve_load.py HOST PORT COUNT THREADS RCPT...``.
Prints ``OK <message-id>`` (flushed) for every message that got ``250`` after
DATA, and ``FAIL <message-id>`` otherwise; the crash test compares the OK
lines with what is in the Maildirs after ``kill -9`` of the server.
"""

from __future__ import annotations

import smtplib
import sys
import threading
from email.message import EmailMessage
from itertools import count

BODY = "A line of an industrial drawing's cover letter, repeated.\n" * 60


def message(n: int, recipient: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "sender@remote.example"
    msg["To"] = recipient
    msg["Subject"] = f"load {n}"
    msg["Message-ID"] = f"<load-{n}@remote.example>"
    msg.set_content(BODY)
    return msg


def main(argv: list[str]) -> int:
    host, port, total, threads = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    recipients = argv[4:]
    numbers = count()
    out = threading.Lock()

    def report(word: str, msg_id: str) -> None:
        with out:
            sys.stdout.write(f"{word} {msg_id}\n")
            sys.stdout.flush()

    def worker() -> None:
        client: smtplib.SMTP | None = None
        while (n := next(numbers)) < total:
            msg = message(n, recipients[n % len(recipients)])
            try:
                if client is None:
                    client = smtplib.SMTP(host, port, timeout=30)
                    client.ehlo("load.remote.example")
                client.send_message(msg)  # raises unless every step got 2xx
                report("OK", msg["Message-ID"])
            except (smtplib.SMTPException, OSError):
                report("FAIL", msg["Message-ID"])
                client = None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                pass

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

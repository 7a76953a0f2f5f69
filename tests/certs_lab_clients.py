"""Clients on the lab's internet (lab-wan) for the certificate tests: run via ``Lab.run_python``.

* :func:`browser_visit`: Debian's chromium driven by Playwright. Chromium takes
  no CA file; on Linux it trusts the roots of the user's NSS database
  (``$HOME/.pki/nssdb``), so each visit gets a HOME of its own whose database
  holds Pebble's root (``certutil``, Debian's ``libnss3-tools``) or nothing.
  The browser then verifies chain, name and dates itself, exactly as for a
  public CA: no ``--ignore-certificate-errors*`` flag, which would also hide a
  wrong name.
* :func:`http_request`: one raw HTTP request (no redirect followed).
* :func:`idle_session`: an IMAP IDLE connection kept open across a renewal.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Debian's chromium talking to nothing but the test's servers (loopback or the lab):
# no background requests; in the lab, names are resolved by the rules only
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def trust_home(home: str, root_file: str | None) -> None:
    """Create ``home/.pki/nssdb``, trusting ``root_file`` for TLS servers (or nothing)."""
    db = Path(home) / ".pki" / "nssdb"
    db.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True
    )
    if root_file is not None:
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{db}", "-n", "lab root", "-t", "C,,", "-i", root_file],
            check=True,
            capture_output=True,
        )


def browser_visit(
    url: str,
    home: str,
    host_map: dict[str, str],
    login: list[str] | None = None,
    screenshot: str = "",
) -> dict[str, Any]:
    """Open ``url`` in chromium with HOME=``home``; optionally log in to the webmail.

    Args:
        url: the page to open.
        home: a HOME prepared by :func:`trust_home`.
        host_map: name -> address (``--host-resolver-rules``; every other
            name fails to resolve).
        login: ``[address, password]`` to submit on the login form.
        screenshot: a PNG path for the last page ("" = none).

    Returns:
        ``{"error": net::ERR_...}`` when the page did not load, else
        ``{"url", "status", "issuer", "subject", "protocol", "text"}`` of the
        final page (after the login when asked), the first answer's HSTS header
        (``hsts``) and the browser's cookies' flags (``cookies``).
    """
    from playwright.sync_api import Error, sync_playwright

    rules = ", ".join([*(f"MAP {n} {a}" for n, a in host_map.items()), "MAP * ~NOTFOUND"])
    os.environ["HOME"] = home  # chromium reads $HOME/.pki/nssdb
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules={rules}"],
            env={**os.environ, "HOME": home},
        )
        try:
            page = browser.new_page()
            try:
                response = page.goto(url, timeout=20_000)
            except Error as exc:
                return {"error": str(exc).splitlines()[0]}
            assert response is not None
            security: dict[str, Any] = dict(response.security_details() or {})
            if login is not None:
                page.fill("input[name=address]", login[0])
                page.fill("input[name=password]", login[1])
                page.click("button[type=submit]")
                page.wait_for_load_state()
            if screenshot:
                page.screenshot(path=screenshot)
            cookies = [
                {k: c.get(k) for k in ("name", "secure", "httpOnly", "sameSite")}
                for c in page.context.cookies()
            ]
            return {
                "hsts": response.headers.get("strict-transport-security", ""),
                "cookies": cookies,
                "url": page.url,
                "status": response.status,
                "issuer": security.get("issuer", ""),
                "subject": security.get("subjectName", ""),
                "protocol": security.get("protocol", ""),
                "text": page.inner_text("body")[:2000],
            }
        finally:
            browser.close()


def http_request(
    host: str, port: int, method: str, path: str, headers: dict[str, str], body: str = ""
) -> dict[str, Any]:
    """One plain HTTP request; the answer's status, Location, Set-Cookie and body start."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers)
        resp = conn.getresponse()
        return {
            "status": resp.status,
            "location": resp.getheader("Location", ""),
            "set_cookie": resp.headers.get_all("Set-Cookie") or [],
            "body": resp.read(4000).decode(errors="replace"),
        }
    except OSError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        conn.close()


class _Imap:
    """Just enough IMAP over a socket to keep an IDLE open and finish it cleanly."""

    def __init__(self, host: str, port: int) -> None:
        self.sock: socket.socket = socket.create_connection((host, port), timeout=30)
        self.buf = b""
        self.seq = 0

    def line(self) -> str:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        raw, _, self.buf = self.buf.partition(b"\r\n")
        return raw.decode(errors="replace")

    def command(self, text: str) -> tuple[str, list[str]]:
        """Send a tagged command; its tagged answer and the untagged lines before it."""
        self.seq += 1
        tag = f"a{self.seq}"
        self.sock.sendall(f"{tag} {text}\r\n".encode())
        return self.until(tag)

    def until(self, tag: str) -> tuple[str, list[str]]:
        untagged: list[str] = []
        while True:
            got = self.line()
            if got.startswith(tag + " "):
                return got[len(tag) + 1 :], untagged
            untagged.append(got)


def idle_session(
    host: str,
    port: int,
    name: str,
    cafile: str,
    user: str,
    password: str,
    go_file: str,
    result_file: str,
    lifetime: float = 240.0,
) -> None:
    """STARTTLS (verified for ``name``), LOGIN, SELECT INBOX, IDLE until told to finish.

    Once the IDLE is open, writes the certificate's fingerprint to
    ``result_file`` + ".opened" and prints "idling". When ``go_file``
    appears, waits (up to 30 s) for an ``EXISTS`` pushed by the server, ends
    the IDLE with DONE, sends NOOP and LOGOUT on the same connection, and
    writes ``{"fingerprint", "during_idle", "done", "noop", "logout"}`` (or
    ``{"error"}``) to ``result_file``.
    """
    import hashlib

    result: dict[str, Any] = {}
    try:
        imap = _Imap(host, port)
        imap.line()  # greeting
        answer, _ = imap.command("STARTTLS")
        if not answer.startswith("OK"):
            raise RuntimeError(f"STARTTLS: {answer}")
        context = ssl.create_default_context(cafile=cafile)
        imap.sock = context.wrap_socket(imap.sock, server_hostname=name)
        der = imap.sock.getpeercert(binary_form=True)
        assert der is not None
        digest = hashlib.sha256(der).hexdigest().upper()
        result["fingerprint"] = ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
        for text in (f'LOGIN "{user}" "{password}"', "SELECT INBOX"):
            answer, _ = imap.command(text)
            if not answer.startswith("OK"):
                raise RuntimeError(f"{text.split()[0]}: {answer}")
        imap.seq += 1
        idle_tag = f"a{imap.seq}"
        imap.sock.sendall(f"{idle_tag} IDLE\r\n".encode())
        if not imap.line().startswith("+"):
            raise RuntimeError("no IDLE continuation")
        Path(result_file + ".opened").write_text(result["fingerprint"])
        print("idling", flush=True)
        during: list[str] = []
        imap.sock.settimeout(0.2)
        deadline, told = time.monotonic() + lifetime, None
        while time.monotonic() < deadline:
            if told is None and Path(go_file).exists():
                told = time.monotonic()
            if told is not None and (
                any(ln.endswith("EXISTS") for ln in during) or time.monotonic() > told + 30
            ):
                break
            try:
                during.append(imap.line())
            except TimeoutError:
                pass
        imap.sock.settimeout(30)
        result["during_idle"] = during
        imap.sock.sendall(b"DONE\r\n")
        result["done"] = imap.until(idle_tag)[0]
        result["noop"] = imap.command("NOOP")[0]
        result["logout"] = imap.command("LOGOUT")[0]
    except Exception as exc:  # reported to the test, which shows it
        result["error"] = f"{type(exc).__name__}: {exc}"
    Path(result_file).write_text(json.dumps(result))

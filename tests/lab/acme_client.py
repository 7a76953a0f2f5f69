"""A bare HTTP-01 ACME client (certbot's ``acme`` library), run INSIDE lab-lan.

The lab's self-check of the CA path, independent of pmemail's own client:
:func:`obtain` serves the challenge on 0.0.0.0:80 of the mail server and asks
Pebble (in lab-wan) for a certificate; the validation only succeeds when the
router forwards its public port 80 to this server.  Started through
``Lab.run_python(NS_LAN, "tests.lab.acme_client:obtain", ...)``.
"""

from __future__ import annotations

import datetime
import http.server
import threading
from typing import Any

PREFIX = "/.well-known/acme-challenge/"


class _ChallengeServer(http.server.ThreadingHTTPServer):
    """Answers the tokens in ``answers``; remembers who asked."""

    def __init__(self, port: int) -> None:
        super().__init__(("0.0.0.0", port), _Handler)
        self.answers: dict[str, str] = {}
        self.seen: list[dict[str, str]] = []


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _ChallengeServer

    def do_GET(self) -> None:
        token = self.path[len(PREFIX) :] if self.path.startswith(PREFIX) else ""
        body = self.server.answers.get(token)
        self.server.seen.append(
            {"peer": self.client_address[0], "path": self.path, "host": self.headers["Host"] or ""}
        )
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass  # the caller gets ``seen`` instead


def obtain(directory: str, ca_file: str, names: list[str], port: int = 80) -> dict[str, Any]:
    """Order a certificate for ``names`` with HTTP-01 answered on ``port``.

    Returns ``{"fullchain": PEM, "key": PEM, "seen": [requests]}`` or ``{"error": text,
    "seen": [...]}`` when the CA refused (the challenge's own error included).
    """
    import os

    from acme import challenges, client, crypto_util, errors, messages
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from josepy.jwk import JWKRSA

    server = _ChallengeServer(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        account_key = JWKRSA(key=rsa_key)
        # requests verifies against this bundle (a process of its own: no one else affected)
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        net = client.ClientNetwork(account_key, user_agent="pmemail-lab")
        acme = client.ClientV2(client.ClientV2.get_directory(directory, net), net)
        acme.new_account(messages.NewRegistration.from_data(terms_of_service_agreed=True))
        key_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        order = acme.new_order(crypto_util.make_csr(key_pem, names))
        for authz in order.authorizations:
            chall = next(c for c in authz.body.challenges if isinstance(c.chall, challenges.HTTP01))
            response, validation = chall.response_and_validation(account_key)
            server.answers[chall.chall.encode("token")] = validation
            acme.answer_challenge(chall, response)
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=60)
        try:
            done = acme.poll_and_finalize(order, deadline=deadline)
        except errors.ValidationError as exc:
            problems = [
                str(c.error)
                for authzr in exc.failed_authzrs
                for c in authzr.body.challenges
                if c.error is not None
            ]
            return {"error": "; ".join(problems) or str(exc), "seen": server.seen}
        return {"fullchain": done.fullchain_pem, "key": key_pem.decode(), "seen": server.seen}
    except (errors.Error, messages.Error, OSError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "seen": server.seen}
    finally:
        server.shutdown()
        server.server_close()


def serve_https(cert_file: str, key_file: str, port: int = 443, lifetime: float = 300.0) -> None:
    """Serve "hello" over HTTPS with the given chain (a browser's target in the self-check).

    Prints "listening" once bound; exits after ``lifetime`` s in case teardown misses it.
    """
    import ssl
    import time

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = b"<!doctype html><title>lab</title><p>hello over https</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = http.server.ThreadingHTTPServer(("0.0.0.0", port), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("listening", flush=True)
    time.sleep(lifetime)

"""Which names the certificate asks for, the DNS filter (challtestsrv as the DNS),
the HTTP-01 routes and the TLS-ALPN-01 validation certificate."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from acme import challenges
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from josepy.b64 import b64decode
from josepy.jwk import JWKEC

from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.failures import NO_PUBLIC_NAME, AcmeFailure
from mailcore.acme.names import (
    NameFilter,
    candidate_names,
    check_hostname,
    is_placeholder,
)
from mailcore.acme.tls_alpn import (
    ACME_IDENTIFIER_OID,
    TlsAlpn01Response,
    key_authorization,
    validation_certificate,
)
from mailcore.dns_resolver import make_resolver
from tests.acme_peers import http_challenge_server
from tests.config_factory import free_port, make_config
from tests.pebble_support import run_pebble

HOST = "mail.example.be"


def config_with(tmp_path: Path, **tables: dict[str, Any]) -> Any:
    return make_config(tmp_path, tables).config


def test_candidate_names(tmp_path: Path) -> None:
    """Host name first, extra names, then the client names of every domain; once each."""
    config = config_with(
        tmp_path,
        mail={"hostname": "Mail.Example.BE.", "extra_domains": ["Other.org"]},
        acme={"extra_names": ["webmail.example.be", "mail.example.be"]},
    )
    assert candidate_names(config) == [
        HOST,
        "webmail.example.be",
        "autoconfig.example.be",
        "autodiscover.example.be",
        "mta-sts.example.be",
        "autoconfig.other.org",
        "autodiscover.other.org",
        "mta-sts.other.org",
    ]
    config.acme.client_names = False
    assert candidate_names(config) == [HOST, "webmail.example.be"]


@pytest.mark.parametrize(
    ("name", "placeholder"),
    [
        ("mail.example.be", True),
        ("example.com", True),
        ("mx.example.org", True),
        ("mail.office.test", True),
        ("nas.local", True),
        ("server.invalid", True),
        ("localhost", True),
        ("mailserver", True),
        ("192.0.2.1", True),
        ("router.home.arpa", True),
        ("mail.dupont-avocats.be", False),
        ("mail.notexample.com", False),
    ],
)
def test_placeholder_names(name: str, placeholder: bool) -> None:
    """RFC 2606 / 6761 / 6762 names, no dot, an address: no public CA can validate them."""
    assert is_placeholder(name) is placeholder


def test_placeholder_refused_only_for_a_public_ca(tmp_path: Path) -> None:
    """Let's Encrypt (default or named): NO_PUBLIC_NAME at once; a private CA decides."""
    for directory in ("", "https://acme-staging-v02.api.letsencrypt.org/directory"):
        config = config_with(tmp_path, acme={"directory": directory})
        with pytest.raises(AcmeFailure) as caught:
            check_hostname(config)
        assert caught.value.as_dict() == {"code": NO_PUBLIC_NAME, "params": {"name": HOST}}
    check_hostname(config_with(tmp_path, acme={"directory": "https://ca.lan:14000/dir"}))
    config = config_with(tmp_path, acme={"directory": "https://ca.lan/dir"}, mail={"hostname": ""})
    with pytest.raises(AcmeFailure):
        check_hostname(config)


def test_resolver_forms() -> None:
    """network.resolver as netcore reads it: "host" (port 53) or "host:port"."""
    res = make_resolver("127.0.0.1:5353", 1.5)
    assert (res.nameservers, res.port, res.lifetime) == (["127.0.0.1"], 5353, 1.5)
    assert make_resolver("127.0.0.2", 1.0).port == 53
    six = make_resolver("::1", 1.0)
    assert (six.nameservers, six.port) == (["::1"], 53)


async def test_names_pointing_elsewhere_are_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Kept: the host name and names with its address; left out (said once): the rest."""
    caplog.set_level(logging.INFO, "pmemail.acme")
    with run_pebble(tmp_path) as pebble:
        pebble.add_a("autodiscover.example.be", ["127.0.0.9"])
        pebble.add_a("mta-sts.example.be", ["127.0.0.9", "127.0.0.1"])
        config = make_config(tmp_path, pebble.overrides()).config
        names = NameFilter(config)
        wanted = candidate_names(config)
        expected = [HOST, "autoconfig.example.be", "mta-sts.example.be"]
        assert names.pointing_names(wanted) == expected
        assert names.pointing_names(wanted) == expected
        assert names.addresses("autodiscover.example.be") == ["127.0.0.9"]
    said = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert said == ["acme: name left out name=autodiscover.example.be reason=elsewhere 127.0.0.9"]


async def test_host_name_without_address(tmp_path: Path) -> None:
    """The DNS says the host name has no address: NO_PUBLIC_NAME (no order is made)."""
    with run_pebble(tmp_path, default_ipv4="") as pebble:
        config = make_config(tmp_path, pebble.overrides()).config
        with pytest.raises(AcmeFailure) as caught:
            NameFilter(config).pointing_names(candidate_names(config))
    assert caught.value.code == NO_PUBLIC_NAME


def test_dns_down_keeps_only_the_host_name(tmp_path: Path) -> None:
    """No DNS answer at all: the host name alone (never fatal: the CA decides)."""
    dns = {"resolver": f"127.0.0.1:{free_port()}", "dns_timeout": 0.1}
    config = make_config(tmp_path, {"network": dns, "acme": {"directory": "https://ca/"}}).config
    assert NameFilter(config).pointing_names(candidate_names(config)) == [HOST]


async def test_http01_routes(tmp_path: Path) -> None:
    """The key authorization as text/plain for a pending token, 404 otherwise."""
    board = ChallengeBoard()
    port = free_port()
    url = f"http://127.0.0.1:{port}/.well-known/acme-challenge/"
    board.put_http("tok-1", "tok-1.thumb")
    async with http_challenge_server(board, port), aiohttp.ClientSession() as http:
        async with http.get(url + "tok-1", headers={"Host": "elsewhere.example"}) as answer:
            assert answer.status == 200
            assert answer.content_type == "text/plain"
            assert await answer.text() == "tok-1.thumb"
        async with http.get(url + "tok-2") as answer:
            assert answer.status == 404
        board.drop_http("tok-1")
        async with http.get(url + "tok-1") as answer:
            assert answer.status == 404


def test_tls_alpn_validation_certificate() -> None:
    """RFC 8737: the name as only SAN, the critical acmeIdentifier with the digest."""
    jwk = JWKEC(key=ec.generate_private_key(ec.SECP256R1()))
    token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
    key_authz = key_authorization(token, jwk)
    # the same key authorization the library computes for HTTP-01
    http01 = challenges.HTTP01(token=b64decode(token))
    assert key_authz == http01.key_authorization(jwk)
    cert_pem, key_pem = validation_certificate(HOST, key_authz)
    cert = x509.load_pem_x509_certificate(cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == [HOST]
    ident = cert.extensions.get_extension_for_oid(ACME_IDENTIFIER_OID)
    assert ident.critical
    assert isinstance(ident.value, x509.UnrecognizedExtension)
    assert ident.value.value == b"\x04\x20" + hashlib.sha256(key_authz.encode()).digest()
    assert b"PRIVATE KEY" in key_pem
    # the answer posted to the CA is an empty JSON object, as for every challenge
    assert TlsAlpn01Response(key_authorization=key_authz).to_partial_json() == {}

"""The lab's self-check of the CA path: Pebble in lab-wan validates through the router.

No pmemail code: a bare ``acme`` client in lab-lan (:mod:`tests.lab.acme_client`)
answers HTTP-01 on port 80, and Pebble's validator, resolving
``mail.example.be`` through the lab's DNS to the router's public address,
reaches it only once the router forwards port 80.  If this test fails, the
certificate tests of pmemail (tests/test_certs_lab.py) cannot mean anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store

from tests.lab import Lab
from tests.lab.constants import ISP_IP, LAN_SRV, NS_LAN, NS_WAN, WAN_IP
from tests.lab.pebble import PebbleCA

pytestmark = pytest.mark.lab
CLIENTS = "tests.certs_lab_clients"

NAME = "mail.example.be"


def obtain(lab: Lab, pebble: PebbleCA) -> dict[str, object]:
    result: dict[str, object] = lab.run_python(
        NS_LAN,
        "tests.lab.acme_client:obtain",
        pebble.directory_url,
        str(pebble.listener_ca),
        [NAME],
        timeout=120,
    )
    return result


def verify_for(fullchain: str, roots: Path, name: str) -> x509.Certificate:
    """The leaf of ``fullchain`` after verifying it for ``name`` up to ``roots``."""
    leaf, *intermediates = x509.load_pem_x509_certificates(fullchain.encode())
    store = Store(x509.load_pem_x509_certificates(roots.read_bytes()))
    verifier = PolicyBuilder().store(store).build_server_verifier(x509.DNSName(name))
    verifier.verify(leaf, intermediates)  # raises VerificationError
    return leaf


@pytest.mark.parametrize("pebble", [{"validity": 3600}], indirect=True)
def test_http01_goes_through_the_forwarded_port_80(router: Lab, pebble: PebbleCA) -> None:
    """Refused while 80 is not forwarded; issued once it is, validated from the internet.

    Pebble is asked for one-hour certificates: the renewal tests rely on it.
    """
    refused = obtain(router, pebble)
    assert "error" in refused, refused
    assert refused["seen"] == [], "the validator reached the LAN without a forwarded port"

    mapped = router.run_python(NS_LAN, "tests.lab.snippets:upnp_add", 80, LAN_SRV, 80)
    assert mapped["ok"], mapped
    issued = obtain(router, pebble)
    assert "fullchain" in issued, f"{issued}\n{pebble.log_text()[-3000:]}"
    seen = issued["seen"]
    assert isinstance(seen, list) and seen
    # Pebble's validator (the internet) asked the mail server itself, by name
    # (Pebble 2.4 sends "Host: mail.example.be:80")
    assert {(s["peer"], s["host"].removesuffix(":80")) for s in seen} == {(ISP_IP, NAME)}, seen
    assert all(s["path"].startswith("/.well-known/acme-challenge/") for s in seen)

    leaf = verify_for(str(issued["fullchain"]), pebble.root_file, NAME)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [NAME]
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert lifetime.total_seconds() <= 3600, lifetime


def test_a_browser_on_the_internet_trusts_pebble_through_its_nss_root(
    router: Lab, pebble: PebbleCA, tmp_path: Path
) -> None:
    """The browser harness of the certificate tests: trusted with the root, refused without."""
    for port in (80, 443):
        mapped = router.run_python(NS_LAN, "tests.lab.snippets:upnp_add", port, LAN_SRV, port)
        assert mapped["ok"], mapped
    issued = obtain(router, pebble)
    assert "fullchain" in issued, issued
    chain, key = tmp_path / "fullchain.pem", tmp_path / "key.pem"
    chain.write_text(str(issued["fullchain"]))
    key.write_text(str(issued["key"]))
    router.spawn_python(
        NS_LAN, "tests.lab.acme_client:serve_https", str(chain), str(key), ready="listening"
    )
    trusted, bare = str(tmp_path / "home-trusted"), str(tmp_path / "home-bare")
    router.run_python(NS_WAN, f"{CLIENTS}:trust_home", trusted, str(pebble.root_file))
    router.run_python(NS_WAN, f"{CLIENTS}:trust_home", bare, None)
    url, where = f"https://{NAME}/", {NAME: WAN_IP}

    seen = router.run_python(NS_WAN, f"{CLIENTS}:browser_visit", url, trusted, where, timeout=90)
    assert seen.get("status") == 200, seen
    assert "hello over https" in seen["text"]
    assert seen["issuer"].startswith("Pebble Intermediate CA"), seen
    refused = router.run_python(NS_WAN, f"{CLIENTS}:browser_visit", url, bare, where, timeout=90)
    assert "ERR_CERT_AUTHORITY_INVALID" in refused.get("error", ""), refused

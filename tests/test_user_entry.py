"""The one password policy and the address entry (CLI, wizard and dashboard share them)."""

from __future__ import annotations

import pytest

from pmemail.app.cert_wording import placeholders, render
from pmemail.app.user_entry import EntryProblem, check_password, user_address
from pmemail.app.user_entry_texts import TEXTS


@pytest.mark.parametrize(
    ("entry", "address"),
    [
        ("marie", "marie@example.be"),
        (" Marie ", "marie@example.be"),
        ("jean.dupont@example.be", "jean.dupont@example.be"),
        ("info@other.be", "info@other.be"),  # the store says whether the domain is local
    ],
)
def test_addresses(entry: str, address: str) -> None:
    assert user_address(entry, "example.be") == address


@pytest.mark.parametrize(
    ("entry", "msgid", "fr"),
    [
        ("", "address.empty", "Tapez un nom (marie) ou une adresse (marie@example.be)."),
        ("andré", "address.non_ascii", "par exemple « andre@example.be »"),
        ("zoë@example.be", "address.non_ascii", "« zoë » contient des lettres hors de a-z"),
        ("two words", "address.invalid_local", "« two words » ne peut pas être"),
        ("a..b", "address.invalid_local", "partie avant @"),
    ],
)
def test_address_problems_in_french(entry: str, msgid: str, fr: str) -> None:
    with pytest.raises(EntryProblem) as caught:
        user_address(entry, "example.be")
    assert caught.value.msgid == msgid
    assert fr in render(TEXTS, msgid, "fr", **caught.value.params)


@pytest.mark.parametrize(
    ("password", "msgid"),
    [
        ("", "password.empty"),
        ("seven77", "password.short"),
        ("Marie@Example.be", "password.is_address"),
        ("marie.dupont", "password.is_address"),
        ("AZERTY123", "password.common"),
        ("motdepasse", "password.common"),
    ],
)
def test_password_policy_refuses(password: str, msgid: str) -> None:
    address = "marie.dupont@example.be" if msgid == "password.is_address" else "marie@example.be"
    if password == "Marie@Example.be":
        address = "marie@example.be"
    with pytest.raises(EntryProblem) as caught:
        check_password(address, password)
    assert caught.value.msgid == msgid


def test_password_policy_accepts() -> None:
    check_password("marie@example.be", "correct horse")
    check_password("marie@example.be", "12345678a!")


def test_every_text_has_both_languages_and_the_same_fields() -> None:
    for key, texts in TEXTS.items():
        assert set(texts) == {"en", "fr"}, key
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), key

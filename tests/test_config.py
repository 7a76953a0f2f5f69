"""The config model: defaults, the written file, and one clear line per broken file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pmemail.config import Config, ConfigError, config_from_dict, load_config, render_config
from pmemail.config.paths import DataPaths, resolve_config_path

BAD = Path(__file__).parent / "data" / "bad_configs"


def expected_errors() -> list[tuple[str, str]]:
    rows = (BAD / "EXPECTED.txt").read_text().splitlines()
    return [tuple(r.split("\t", 1)) for r in rows if r.strip()]  # type: ignore[misc]


def test_every_bad_config_file_has_an_expectation() -> None:
    """No broken-config sample is left untested."""
    files = {p.name for p in BAD.glob("*.toml")}
    assert files == {name for name, _ in expected_errors()}


@pytest.mark.parametrize(("name", "message"), expected_errors())
def test_bad_config_gives_one_clear_line(name: str, message: str) -> None:
    """Each broken file names the file, the key and what was expected."""
    with pytest.raises(ConfigError) as info:
        load_config(BAD / name)
    text = str(info.value)
    assert text.startswith(str(BAD / name) + ": ")
    assert message in text
    assert "\n" not in text


def test_written_defaults_load_back_identically() -> None:
    """The commented file `init` writes is valid TOML that loads to the defaults."""
    text = render_config(Config())
    assert config_from_dict(tomllib.loads(text)) == Config()
    # every key is documented by a comment line
    assert text.count("\n# ") > 60


def test_missing_keys_take_defaults_and_port_shorthand() -> None:
    """`smtp = 2525` means the same port outside and inside."""
    config = config_from_dict({"ports": {"smtp": 2525}, "mail": {"domain": "acme.be"}})
    assert (config.ports.smtp.external, config.ports.smtp.internal) == (2525, 2525)
    assert config.mail.domain == "acme.be"
    assert config.ports.remote_desktop.internal == 3389
    assert config.ports.remote_desktop.external == 20800


def test_port_plan_has_the_ports_of_the_brief_and_https() -> None:
    """25, 1234, 143, 110, 80 and 20800 of the brief, and 443 for HTTPS, are forwarded."""
    externals = sorted(m.external for _, m in Config().ports.items())
    assert externals == [25, 80, 110, 143, 443, 1234, 20800]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_config_path_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """--config wins over $PMEMAIL_CONFIG, which wins over the XDG default."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PMEMAIL_CONFIG", raising=False)
    assert resolve_config_path(None) == tmp_path / "xdg" / "pmemail" / "pmemail.toml"
    monkeypatch.setenv("PMEMAIL_CONFIG", str(tmp_path / "env.toml"))
    assert resolve_config_path(None) == tmp_path / "env.toml"
    assert resolve_config_path(str(tmp_path / "cli.toml")) == tmp_path / "cli.toml"


def test_relative_data_dir_is_relative_to_the_config_file(tmp_path: Path) -> None:
    config = config_from_dict({"data_dir": "data"})
    assert DataPaths.from_config(config, tmp_path / "p.toml").root == tmp_path / "data"


def test_partial_port_table_keeps_that_entrys_defaults() -> None:
    """Setting only the PC's address keeps external 20800 and internal 3389."""
    config = config_from_dict({"ports": {"remote_desktop": {"internal_host": "192.168.2.3"}}})
    rdp = config.ports.remote_desktop
    assert (rdp.external, rdp.internal, rdp.internal_host) == (20800, 3389, "192.168.2.3")
    assert rdp.description == Config().ports.remote_desktop.description

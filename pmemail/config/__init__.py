"""Configuration: typed model, TOML loader with clear errors, commented writer."""

from pmemail.config.loader import ConfigError, config_from_dict, load_config
from pmemail.config.model import Config, PortMapping, PortPlan
from pmemail.config.paths import DataPaths, default_config_path, resolve_config_path
from pmemail.config.writer import render_config, save_config

__all__ = [
    "Config",
    "ConfigError",
    "DataPaths",
    "PortMapping",
    "PortPlan",
    "config_from_dict",
    "default_config_path",
    "load_config",
    "render_config",
    "resolve_config_path",
    "save_config",
]

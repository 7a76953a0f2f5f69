"""The config file's comments in French: each key's doc, as ``pmemail config show`` prints it.

:mod:`pmemail.config.writer` writes the English doc of each key (from
``model``); with ``language = "fr"`` it looks the same doc up here, by its
words (whitespace folded). The pairs live in ``docs.fr.toml`` next to this
module (``[[doc]]``: a key's doc; ``[[example]]``: a line of the collector
mailbox example), read once on first use. A test checks every doc of the
model has its French, so a new key cannot print English in French.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Final

HEADER_FR: Final = """\
# Configuration de pmemail. Chaque clé est facultative : une clé absente prend la
# valeur par défaut montrée ici. Vérifiez-la avec `pmemail config show`.
"""

_DATA_FILE: Final = "docs.fr.toml"


@functools.cache
def french_docs() -> dict[str, str]:
    """English doc (whitespace folded) -> its French, from ``docs.fr.toml`` (read once)."""
    raw = resources.files("pmemail.config").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    return {t["en"]: t["fr"] for t in (*data["doc"], *data["example"])}


def french_doc(text: str) -> str:
    """``text`` (a key's English doc) in French; the English when there is none."""
    return french_docs().get(" ".join(text.split()), text)

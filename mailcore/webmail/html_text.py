"""An HTML mail as plain text, for quoting it in a reply.

Entities are decoded once (``&amp;`` is "&", ``&lt;b&gt;`` the text "<b>"),
paragraphs, line breaks, list items and table rows become line breaks, and
the contents of ``script``/``style``/``head`` are not text at all. Runs of
blank lines are squeezed to one, so the quote keeps the mail's shape.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags that end a line (block-level boxes); <br> is one line break of its own.
_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr",
    "blockquote", "pre", "hr", "dl", "dt", "dd", "center", "section", "article",
    "header", "footer", "address",
}  # fmt: skip
_HIDDEN = {"script", "style", "head", "title", "template", "noscript"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append("\n\n" if tag in ("p", "div", "table", "blockquote") else "\n")
            if tag == "li":
                self.out.append("- ")
            self.pre += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS and tag != "li":  # an item ends where the next one starts
            self.out.append("\n\n" if tag in ("p", "div", "table", "blockquote") else "\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        # Outside <pre>, source line breaks and indentation are only spaces.
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(source: str) -> str:
    """The readable text of ``source`` (HTML), paragraphs kept apart by a blank line."""
    parser = _Text()
    parser.feed(source)
    parser.close()
    text = "".join(parser.out)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")

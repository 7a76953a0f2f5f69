"""Making a mail's HTML inert with nh3 (ammonia): no script, no handler, no remote fetch.

Only a fixed set of presentational tags and attributes survive; ``style``
attributes keep a few harmless properties and lose anything with a function
call, escape or import (so CSS ``expression()`` and ``url()`` are gone).
Remote images are dropped until the reader asks for them; ``cid:`` images
are pointed at the message's own parts. The page also sends a strict
Content-Security-Policy, so a sanitizer miss still cannot run script.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "center",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ATTRS = {
    "*": {"style", "title", "align", "dir", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "font": {"color", "size", "face"},
    "td": {"colspan", "rowspan", "valign", "width", "bgcolor"},
    "th": {"colspan", "rowspan", "valign", "width", "bgcolor"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor"},
    "col": {"span", "width"},
}
_STYLE_PROPS = {
    "color",
    "background-color",
    "font-weight",
    "font-style",
    "font-size",
    "font-family",
    "text-align",
    "text-decoration",
    "margin",
    "padding",
    "border",
    "width",
    "height",
    "line-height",
    "vertical-align",
}
_DROP_CONTENT = {
    "script",
    "style",
    "title",
    "head",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
}


def clean_style(value: str) -> str | None:
    """Keep only harmless ``prop: value`` declarations (no functions, escapes, at-rules)."""
    kept: list[str] = []
    for decl in value.split(";"):
        prop, sep, val = decl.partition(":")
        prop, val = prop.strip().lower(), val.strip()
        if not sep or prop not in _STYLE_PROPS:
            continue
        low = val.lower()
        if any(bad in low for bad in ("(", "\\", "@", "expression", "javascript", "url")):
            continue
        kept.append(f"{prop}: {val}")
    return "; ".join(kept) or None


def sanitize_html(
    source: str, *, allow_remote_images: bool, cid_url: Callable[[str], str | None]
) -> tuple[str, int]:
    """Inert HTML for display, and how many remote images were blocked.

    Args:
        source: the mail's HTML (a whole document or a fragment).
        allow_remote_images: keep ``http(s)`` image sources (the reader asked).
        cid_url: maps a ``Content-ID`` to the URL of that part (None = unknown).
    """
    blocked = 0

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        nonlocal blocked
        if attr == "style":
            return clean_style(value)
        if tag == "img" and attr == "src":
            low = value.strip().lower()
            if low.startswith("cid:"):
                return cid_url(value.strip()[4:].strip("<>"))
            if low.startswith(("http:", "https:", "//")):
                if allow_remote_images:
                    return value
                blocked += 1
                return None
            return None  # data:, file:, relative paths: nothing legitimate to load
        if value.strip().lower().startswith("cid:"):
            return None
        return value

    cleaned = nh3.clean(
        source,
        tags=_TAGS,
        clean_content_tags=_DROP_CONTENT,
        attributes=_ATTRS,
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
        # links open in a new tab (the frame is sandboxed; allow-popups lets them out)
        set_tag_attribute_values={"a": {"target": "_blank"}},
        # "cid" must pass the scheme check (done before the filter), which rewrites it.
        url_schemes={"http", "https", "mailto", "cid"},
    )
    return cleaned, blocked

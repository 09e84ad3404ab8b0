"""Saved web pages: main text and metadata by trafilatura, then the usual cleaning."""

from __future__ import annotations

import re

from .load import ArticleMeta
from .problems import InputError


def extract_html(html: str, path: str) -> tuple[ArticleMeta, str]:
    """Return the page's metadata and its main text, one paragraph a line."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        deduplicate=True,
    )
    if document is None:
        raise InputError("no article text found in this HTML page")
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = data.get("text") or ""
    if not text.strip():
        raise InputError("no article text found in this HTML page")
    date = data.get("date")
    if date and not re.match(r"^\d{4}-\d{2}-\d{2}", date):
        date = None
    meta = ArticleMeta(
        title=_clean(data.get("title")),
        subtitle=_clean(data.get("description")),
        date=date,
        source=_clean(data.get("sitename")) or _clean(data.get("hostname")),
        url=url if (url := _clean(data.get("url"))) and re.match(r"^https?://", url) else None,
        author=_clean(data.get("author")),
        language=_clean(data.get("language")),
    )
    return meta, text


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None

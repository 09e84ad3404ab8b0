"""``build.py add``: import a raw article or saved web page into seeds/ under a proper id."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .load import decode_text
from .problems import InputError

_NUMBERED = re.compile(r"^(\d+)_")


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def add_article(data: bytes, seeds: Path, source_name: str | None = None) -> Path:
    """Write ``data`` into ``seeds`` as ``NNN_<hash>.txt`` (or ``.html``); return the new path.

    The id follows the seeds' convention: the next free number, then the first
    16 hex digits of the content's SHA-256, so the same article is never added twice.
    """
    if not data.strip():
        raise InputError("empty input; nothing added")
    text = decode_text(data)
    is_html = (source_name or "").lower().endswith((".html", ".htm")) or looks_like_html(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    seeds.mkdir(parents=True, exist_ok=True)
    existing = sorted(p for p in seeds.iterdir() if p.is_file())
    for path in existing:
        if path.stem.endswith(f"_{digest}"):
            raise InputError(f"already in seeds as {path.name}")
    numbers = [int(m.group(1)) for p in existing if (m := _NUMBERED.match(p.name))]
    width = max([3, *(len(m.group(1)) for p in existing if (m := _NUMBERED.match(p.name)))])
    number = max(numbers, default=-1) + 1
    target = seeds / f"{number:0{width}d}_{digest}{'.html' if is_html else '.txt'}"
    target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return target

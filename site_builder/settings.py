"""Site settings: typed, defaulted, validated once at the edge.

Unknown keys are errors (a typo must never be silently ignored); every
error in the file is collected and reported together.  Free-form user data
goes under ``extra``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .problems import InputError
from .yamlio import parse_yaml

SETTINGS_FILE = "site.yaml"


class SettingsError(Exception):
    """The settings file cannot be used; carries every problem found."""

    def __init__(self, path: str, messages: list[str]) -> None:
        self.path = path
        self.messages = messages
        super().__init__(f"{path}: " + "; ".join(messages))


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """Weights and thresholds of the story clustering (see cluster.py)."""

    actor_weight: float = 1.0  # weight of shared actors (IDF-weighted overlap)
    weekday_weight: float = 0.3  # weight of a shared weekday hint
    place_weight: float = 0.3  # weight of shared places
    text_weight: float = 1.0  # weight of within-language TF-IDF cosine similarity
    topic_weight: float = 0.5  # weight of a shared main topic
    join_threshold: float = 0.55  # minimum score for an article to join a story
    number_weight: float = 0.2  # weight of shared numbers written in digits (IDF-weighted)
    date_weight: float = 0.2  # weight of publication dates close together
    max_date_gap_days: float = 7.0  # dated articles further apart than this never join
    evidence_smoothing: float = 1.0  # added to each overlap's denominator: one shared item is weak
    topic_depth: float = 3  # how many of an article's top topics count as its topics
    text_terms: float = 150  # TF-IDF terms kept per article
    block_keys: float = 8  # rarest features of an article used to look up candidate stories
    max_postings: float = 100  # a feature held by more stories than this is too common to block on
    max_candidates: float = 8  # candidate stories scored in full per article


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything about the site that is not an article."""

    title: dict[str, str] = field(
        default_factory=lambda: {"en": "News digest"}
    )  # site title per language code; the default language's stands in for a missing one
    description: dict[str, str] = field(default_factory=dict)  # one line per language
    languages: tuple[str, ...] = ("en", "he")  # site languages, in display order
    default_language: str = "en"  # language of the digest page's interface
    base_url: str | None = None  # absolute URL the site is published under, if any
    page_size: int = 25  # stories per page on the digest and index pages
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    extra: dict[str, Any] = field(default_factory=dict)  # free-form user data for templates

    def site_title(self, language: str) -> str:
        return self.title.get(language) or self.title.get(self.default_language) or "News digest"


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")


def read_settings(content_dir: Path) -> Settings:
    """Read ``content/site.yaml``; a missing file means all defaults."""
    path = content_dir / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        data = parse_yaml(path.read_text(encoding="utf-8-sig"))
    except InputError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise SettingsError(str(path), [f"{where}{exc}"]) from None
    except UnicodeDecodeError:
        raise SettingsError(str(path), ["not UTF-8 text"]) from None
    return settings_from_mapping(data or {}, str(path))


def settings_from_mapping(data: Any, path: str = SETTINGS_FILE) -> Settings:
    """Validate a parsed settings mapping; collect every error, then raise once."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise SettingsError(path, ["the settings must be a mapping of keys to values"])
    known = {f.name for f in fields(Settings)}
    for key in sorted(set(data) - known, key=str):
        errors.append(f"unknown key {key!r} (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    defaults = Settings()

    if "title" in data:
        values["title"] = _per_language_text(data["title"], "title", errors)
    if "description" in data:
        values["description"] = _per_language_text(data["description"], "description", errors)
    if "languages" in data:
        langs = data["languages"]
        if (
            not isinstance(langs, list)
            or not langs
            or not all(isinstance(x, str) and _LANGUAGE_CODE.match(x) for x in langs)
        ):
            errors.append("languages: a non-empty list of language codes such as [en, he]")
        else:
            values["languages"] = tuple(dict.fromkeys(langs))
    if "default_language" in data:
        if not isinstance(data["default_language"], str):
            errors.append("default_language: a language code")
        else:
            values["default_language"] = data["default_language"]
    if "base_url" in data and data["base_url"] not in (None, ""):
        base = data["base_url"]
        if not isinstance(base, str) or not re.match(r"^https?://[^\s/]+(/[^\s]*)?$", base):
            errors.append("base_url: an absolute http(s) URL such as https://example.org/digest/")
        else:
            values["base_url"] = base if base.endswith("/") else base + "/"
    if "page_size" in data:
        size = data["page_size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            errors.append("page_size: a whole number of at least 1")
        else:
            values["page_size"] = size
    if "cluster" in data:
        values["cluster"] = _cluster_settings(data["cluster"], errors)
    if "extra" in data:
        if not isinstance(data["extra"], dict):
            errors.append("extra: a mapping")
        else:
            values["extra"] = data["extra"]

    languages = values.get("languages", defaults.languages)
    default_language = values.get("default_language", defaults.default_language)
    if default_language not in languages:
        errors.append(f"default_language {default_language!r} is not one of languages")
    if errors:
        raise SettingsError(path, errors)
    return Settings(**values)


def _per_language_text(value: Any, key: str, errors: list[str]) -> dict[str, str]:
    if isinstance(value, str):
        return {"en": value, "he": value}
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    errors.append(f"{key}: a text, or a mapping of language code to text")
    return {}


def _cluster_settings(value: Any, errors: list[str]) -> ClusterSettings:
    if not isinstance(value, dict):
        errors.append("cluster: a mapping of weights and thresholds")
        return ClusterSettings()
    known = {f.name for f in fields(ClusterSettings)}
    good: dict[str, float] = {}
    for key, item in value.items():
        if key not in known:
            errors.append(f"cluster: unknown key {key!r} (known: {', '.join(sorted(known))})")
        elif isinstance(item, bool) or not isinstance(item, int | float) or item < 0:
            errors.append(f"cluster.{key}: a number of at least 0")
        else:
            good[key] = float(item)
    return ClusterSettings(**good)

from pathlib import Path

import pytest

from site_builder.settings import Settings, SettingsError, read_settings, settings_from_mapping


def test_missing_settings_file_means_defaults(tmp_path: Path) -> None:
    assert read_settings(tmp_path) == Settings()


def test_project_settings_are_valid() -> None:
    settings = read_settings(Path(__file__).parent.parent / "content")
    assert settings.languages == ("en", "he")
    assert settings.title["he"]


def test_unknown_keys_are_errors_and_all_errors_are_reported_together() -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_mapping({"titel": "x", "languages": "en", "cluster": {"joni": 1}})
    messages = " | ".join(caught.value.messages)
    assert "titel" in messages and "languages" in messages and "joni" in messages


def test_base_url_gets_a_trailing_slash() -> None:
    settings = settings_from_mapping({"base_url": "https://example.org/digest"})
    assert settings.base_url == "https://example.org/digest/"


def test_default_language_must_be_a_site_language() -> None:
    with pytest.raises(SettingsError):
        settings_from_mapping({"languages": ["he"], "default_language": "en"})


def test_malformed_settings_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: ok\nlanguages: [en, he\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        read_settings(tmp_path)
    assert "line" in caught.value.messages[0]

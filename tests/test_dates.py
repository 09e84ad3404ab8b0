import pytest

from site_builder.dates import date_from_dateline


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("December 5, 2013, 10:32 am", "en", "2013-12-05"),
        ("Dec. 6, 2013", "en", "2013-12-06"),
        ("5 December 2013", "en", "2013-12-05"),
        ("12/05/2013", "en", "2013-12-05"),
        ("05/12/2013 10:30", "he", "2013-12-05"),
        ("2013-12-05", "he", "2013-12-05"),
        ("30/02/2013", "he", None),
        ("10:30", "en", None),
        (None, "en", None),
    ],
)
def test_datelines_become_iso_dates_or_nothing(text, language, expected) -> None:
    assert date_from_dateline(text, language) == expected


def test_a_dateline_above_the_body_becomes_the_article_date(mini_site) -> None:
    report, site = mini_site(
        {
            "seeds/a.txt": "Kerry lands\nA dek without a full stop\nDecember 5, 2013, 10:32 am\n"
            "John Kerry arrived in Israel on Thursday for talks."
        }
    )
    page = (site / "articles" / "a.html").read_text(encoding="utf-8")
    assert '<time datetime="2013-12-05">' in page

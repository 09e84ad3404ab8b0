import posixpath

from hypothesis import given
from hypothesis import strategies as st

from site_builder.urls import absolute_url, relative_url

segment = st.text(alphabet="abcxyz019-_", min_size=1, max_size=6)
page = st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/".join(parts) + ".html")


def test_links_between_sibling_folders_go_up_once() -> None:
    assert relative_url("stories/a.html", "articles/b.html") == "../articles/b.html"


def test_links_from_the_root_have_no_prefix() -> None:
    assert relative_url("index.html", "actors/index.html") == "actors/index.html"


def test_fragments_are_kept() -> None:
    assert relative_url("a/b.html", "a/c.html#x") == "c.html#x"


@given(page, page)
def test_a_relative_link_resolves_to_its_target(source: str, target: str) -> None:
    link = relative_url(source, target)
    assert not link.startswith("/") and "://" not in link
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), link))
    assert resolved == target


def test_absolute_urls_keep_the_sub_path() -> None:
    assert absolute_url("https://example.org/digest/", "index.html") == (
        "https://example.org/digest/index.html"
    )

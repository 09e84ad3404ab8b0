"""CI's performance guard: a small benchmark judged against a baseline run beside it.

    python bench/guard.py [--articles 300] [--floor 0.05]

Absolute times vary between machines and runs, so the guard measures, in
the same process and on the same generated articles, a pure-Python baseline
(read each file, python-markdown, one Jinja2 template, write the page: the
bare loop any static site generator must beat) and the full build (serial,
no cache).  It fails when the build's articles per second fall below
``floor`` times the baseline's: a large regression, never noise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

# The build's throughput relative to the bare loop, measured when this floor
# was last raised; see the README's "Benchmark" section.  Floors only go up.
FLOOR = 0.10


def baseline(seeds: Path, out: Path) -> float:
    """Seconds for the bare loop: read, Markdown, one template, write."""
    import jinja2
    import markdown

    template = jinja2.Environment(autoescape=True).from_string(
        "<!DOCTYPE html><html><head><title>{{ title }}</title></head>"
        "<body><h1>{{ title }}</h1>{{ body | safe }}</body></html>"
    )
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for path in sorted(seeds.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        html = markdown.markdown("\n\n".join(lines[1:]))
        (out / f"{path.stem}.html").write_text(
            template.render(title=lines[0], body=html), encoding="utf-8"
        )
    return time.perf_counter() - started


def full_build(root: Path) -> float:
    from site_builder.build import BuildOptions, build_site

    started = time.perf_counter()
    report = build_site(
        BuildOptions(
            root / "seeds", root / "content", (HERE.parent / "templates",), root / "_site", jobs=1
        )
    )
    if report.errors:
        raise SystemExit(f"guard: the build reported errors: {report.errors[:3]}")
    return time.perf_counter() - started


def main() -> int:
    from generate import generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--floor", type=float, default=FLOOR)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-guard-") as work:
        root = Path(work)
        generate(root, args.articles)
        bare = min(baseline(root / "seeds", root / f"bare{i}") for i in range(2))
        ours = full_build(root)
    ratio = bare / ours
    verdict = "ok" if ratio >= args.floor else "REGRESSION"
    print(
        f"perf guard: {args.articles} articles; baseline {args.articles / bare:.0f}/s, "
        f"build {args.articles / ours:.0f}/s; ratio {ratio:.3f} (floor {args.floor}): {verdict}"
    )
    return 0 if ratio >= args.floor else 1


if __name__ == "__main__":
    sys.exit(main())

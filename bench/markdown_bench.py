"""How long Markdown articles take to render, per renderer available here.

    python bench/markdown_bench.py [--documents 200]

The build renders an article's Markdown body once, on the worker that
processes the article, and caches the HTML with it (raw dumps need no
Markdown at all).  This times python-markdown (the project's renderer) on
Markdown documents made of the seed articles' paragraphs, and, when they are
installed, other renderers for comparison.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def documents(count: int) -> list[str]:
    """Markdown of about a thousand words each, with headings and emphasis, deterministic."""
    paragraphs = [
        line.strip()
        for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.split()) > 12
    ]
    docs = []
    for number in range(count):
        chosen = [paragraphs[(number * 7 + i) % len(paragraphs)] for i in range(16)]
        body = "\n\n".join(
            f"## {p[:40]}" if i % 6 == 0 else f"{p} *{p.split()[0]}*" for i, p in enumerate(chosen)
        )
        docs.append(body)
    return docs


def renderers() -> dict[str, Callable[[str], str]]:
    import markdown

    found: dict[str, Callable[[str], str]] = {
        f"python-markdown {markdown.__version__}": lambda text: markdown.markdown(
            text, output_format="html"
        )
    }
    try:
        import mistune

        found[f"mistune {mistune.__version__}"] = mistune.create_markdown(escape=True)
    except ImportError:
        pass
    try:
        from markdown_it import MarkdownIt

        found["markdown-it-py"] = MarkdownIt("commonmark", {"html": False}).render
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    args = parser.parse_args()
    docs = documents(args.documents)
    words = sum(len(d.split()) for d in docs) / len(docs)
    print(f"{len(docs)} documents of about {words:.0f} words")
    for name, render in renderers().items():
        render(docs[0])  # warm up
        best = min(_time(render, docs) for _ in range(3))
        print(f"  {name}: {best / len(docs) * 1000:.2f} ms per document")


def _time(render: Callable[[str], str], docs: list[str]) -> float:
    started = time.process_time()
    for doc in docs:
        render(doc)
    return time.process_time() - started


if __name__ == "__main__":
    main()

"""The command line: ``python build.py [build|clean|actors] ...``.

Exit codes: 0 ok, 1 the build or a file had errors, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from .build import BuildOptions, build_site
from .problems import InputError
from .render import RenderError
from .settings import SettingsError

PROJECT = Path(__file__).resolve().parent.parent
COMMANDS = ("build", "clean", "actors")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description=(
            "Build a static news digest from raw article dumps (seeds/*.txt, saved .html pages) "
            "and Markdown content (content/*.md), with actors and topics from content/*.yaml. "
            "With no command, builds the site."
        ),
        epilog="Exit codes: 0 ok, 1 build errors, 2 usage. See README.md for the content format.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser("build", help="build the site (the default command)")
    _add_input_options(build)
    build.add_argument(
        "--output", "-o", type=Path, default=Path("_site"),
        help="the site folder, replaced only when the build succeeds (default: _site)",
    )
    build.add_argument(
        "--templates", type=Path, action="append", default=[],
        help="a folder of your own templates that override the defaults (repeatable)",
    )
    build.add_argument("--strict", action="store_true", help="treat input errors as fatal")
    build.add_argument("--quiet", "-q", action="store_true", help="print only problems")

    clean = commands.add_parser("clean", help="print articles cleaned, for editors and programs")
    clean.add_argument("files", nargs="+", type=Path, metavar="FILE")
    clean.add_argument("--json", action="store_true", help="print JSON instead of Markdown")

    actors = commands.add_parser("actors", help="people found in the articles")
    _add_input_options(actors)
    actors.add_argument(
        "--suggest", action="store_true",
        help="print unknown people as a draft to add to actors.yaml",
    )
    return parser


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seeds", type=Path, default=Path("seeds"),
        help="folder of raw dumps (*.txt) and saved pages (*.html) (default: seeds)",
    )
    parser.add_argument(
        "--content", type=Path, default=Path("content"),
        help="folder of Markdown articles and site, actor and topic data (default: content)",
    )


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, "build")
    args = make_parser().parse_args(args_list)
    if args.command == "clean":
        return run_clean(args.files, as_json=args.json)
    if args.command == "actors":
        return run_actors(args)
    return run_build(args)


def run_build(args: argparse.Namespace) -> int:
    options = BuildOptions(
        seeds=args.seeds,
        content=args.content,
        templates=(*args.templates, PROJECT / "templates"),
        output=args.output,
    )
    try:
        report = build_site(options)
    except SettingsError as exc:
        print(f"error: {exc.path}:", file=sys.stderr)
        for message in exc.messages:
            print(f"  {message}", file=sys.stderr)
        print("The previous site, if any, is untouched.", file=sys.stderr)
        return 1
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("The previous site, if any, is untouched.", file=sys.stderr)
        return 1
    if args.quiet:
        for problem in report.problems:
            print(problem, file=sys.stderr)
    else:
        print(report.summary())
    if report.errors and args.strict:
        return 1
    return 1 if report.errors else 0


def run_clean(files: list[Path], as_json: bool) -> int:
    from .analyse import prepare_analysis, analyse_article
    from .clean import clean_article
    from .load import read_article_file

    status = 0
    results = []
    analysis = prepare_analysis((), (), ())
    for path in files:
        try:
            raw = read_article_file(path)
        except (InputError, OSError) as exc:
            print(f"{path}: error: {exc}", file=sys.stderr)
            status = 1
            continue
        article = clean_article(raw)
        language = analyse_article(article, analysis).language
        results.append(_clean_as_data(article, language))
    if as_json:
        print(json.dumps(results if len(files) > 1 else (results or [None])[0],
                         ensure_ascii=False, indent=2))
    else:
        for data in results:
            print(_clean_as_markdown(data))
    return status


def _clean_as_data(article, language: str) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "subtitle": article.subtitle,
        "author": article.author,
        "language": language,
        "updated": article.updated,
        "paragraphs": [
            {"kind": block.kind, "text": block.text} for block in article.blocks
        ],
        "removals": [
            {"rule": r.rule, "reason": r.reason, "line": r.line, "text": r.text}
            for r in article.removals
        ],
        "flags": list(article.flags),
    }


def _clean_as_markdown(data: dict) -> str:
    front = {k: data[k] for k in ("title", "subtitle", "author", "language", "updated") if data[k]}
    lines = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).rstrip(), "---", ""]
    for block in data["paragraphs"]:
        prefix = "## " if block["kind"] == "heading" else ""
        lines.extend([prefix + block["text"], ""])
    return "\n".join(lines)


def run_actors(args: argparse.Namespace) -> int:
    from .analyse import analyse_article, prepare_analysis
    from .clean import clean_article
    from .load import load_content
    from .settings import read_settings
    from . import analyse

    settings = read_settings(args.content)
    content = load_content(args.seeds, args.content)
    data = prepare_analysis(content.actors, content.topics, settings.languages)
    analysed = [analyse_article(clean_article(raw), data) for raw in content.articles]
    if args.suggest and hasattr(analyse, "suggest_actors"):
        print(analyse.suggest_actors(analysed), end="")
        return 0
    counts: dict[str, int] = {}
    for article in analysed:
        for mention in article.actors:
            counts[mention.actor_id] = counts.get(mention.actor_id, 0) + 1
    for actor_id, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"{actor_id}\t{n} articles")
    return 0

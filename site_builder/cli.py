"""The command line: ``python build.py [build|serve|check|clean|add|actors] ...``.

Exit codes: 0 ok, 1 the build, the check or a file had errors, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .build import BuildOptions, BuildSession, StrictBuildError, build_site
from .problems import InputError
from .render import RenderError
from .report import BuildReport
from .settings import SettingsError

PROJECT = Path(__file__).resolve().parent.parent
COMMANDS = ("build", "serve", "check", "clean", "add", "actors")
EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description=(
            "Build a static news digest from raw article dumps (seeds/*.txt, saved .html pages) "
            "and Markdown content (content/*.md), with actors and topics from content/*.yaml. "
            "With no command, builds the site."
        ),
        epilog="Exit codes: 0 ok, 1 errors, 2 usage. See README.md for the content format.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser("build", help="build the site (the default command)")
    _add_build_options(build)

    serve = commands.add_parser(
        "serve", help="build, serve on localhost, rebuild and reload on every change"
    )
    _add_build_options(serve)
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any)")
    serve.add_argument(
        "--bind",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only); "
        "use 0.0.0.0 to let other machines in",
    )

    check = commands.add_parser("check", help="check a built site: links, anchors, feeds, HTML")
    check.add_argument("--output", "-o", type=Path, default=Path("_site"), help="the site folder")
    check.add_argument("--no-html", action="store_true", help="skip the (slower) HTML checker")

    clean = commands.add_parser("clean", help="print articles cleaned, for editors and programs")
    clean.add_argument("files", nargs="+", type=Path, metavar="FILE")
    clean.add_argument("--json", action="store_true", help="print JSON instead of Markdown")

    add = commands.add_parser("add", help="import a raw article or saved page into seeds/")
    add.add_argument("file", metavar="FILE|-", help="a file, or - for standard input")
    add.add_argument("--seeds", type=Path, default=Path("seeds"), help="(default: seeds)")

    actors = commands.add_parser("actors", help="people found in the articles")
    _add_input_options(actors)
    actors.add_argument(
        "--suggest",
        action="store_true",
        help="unknown people as a draft to add to actors.yaml",
    )
    actors.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="write the draft to this file instead of printing it",
    )
    return parser


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path("seeds"),
        help="folder of raw dumps (*.txt) and saved pages (*.html) (default: seeds)",
    )
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        help="folder of Markdown articles and site, actor and topic data (default: content)",
    )


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    _add_input_options(parser)
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("_site"),
        help="the site folder, replaced only when the build succeeds (default: _site)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        action="append",
        default=[],
        help="a folder of your own templates and assets overriding the defaults (repeatable)",
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help="the address the site will be published at, e.g. https://example.org/digest/ "
        "(feeds, sitemap, canonical links; internal links stay relative)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".build-cache"),
        help="where unchanged results are kept between builds (default: .build-cache)",
    )
    parser.add_argument("--clean", action="store_true", help="ignore the cache: a full build")
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        help="worker processes for cleaning and analysis (default: one per core; "
        "1: serial, the whole build in one process)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run cleaning and analysis on a Dask cluster (pip install .[dask])",
    )
    parser.add_argument("--strict", action="store_true", help="make any input error fatal")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only problems")


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, "build")
    try:
        args = make_parser().parse_args(args_list)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    runners = {
        "build": run_build,
        "serve": run_serve,
        "check": run_check,
        "clean": run_clean,
        "add": run_add,
        "actors": run_actors,
    }
    return runners[args.command](args)


def build_options(args: argparse.Namespace) -> BuildOptions:
    if args.clean and args.cache_dir.exists():
        shutil.rmtree(args.cache_dir)
    return BuildOptions(
        seeds=args.seeds,
        content=args.content,
        templates=(*args.templates, PROJECT / "templates"),
        output=args.output,
        cache=args.cache_dir,
        jobs=args.jobs,
        scheduler=args.scheduler,
        base_url=args.base_url,
        strict=getattr(args, "strict", False),
    )


def _progress(quiet: bool) -> Any:
    """A progress bar on a terminal, shown only when the work takes more than a moment."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def wrap(items: Iterable[Any], total: int) -> Iterable[Any]:
        return tqdm(
            items,
            total=total,
            delay=1.0,
            unit="article",
            desc="clean+analyse",
            leave=False,
            file=sys.stderr,
        )

    return wrap


def build_once(
    args: argparse.Namespace, options: BuildOptions, session: BuildSession | None = None
) -> BuildReport | None:
    """One build; prints the report or the error; None when no site could be built."""
    try:
        report = build_site(options, progress=_progress(args.quiet), session=session)
    except SettingsError as exc:
        print(f"error: {exc.path}:", file=sys.stderr)
        for message in exc.messages:
            print(f"  {message}", file=sys.stderr)
        print("The previous site, if any, is untouched.", file=sys.stderr)
        return None
    except StrictBuildError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("--strict: input errors; the previous site is untouched.", file=sys.stderr)
        return None
    except (RenderError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("The previous site, if any, is untouched.", file=sys.stderr)
        return None
    if args.quiet:
        for problem in report.problems:
            print(problem, file=sys.stderr)
    else:
        print(report.summary())
    return report


def run_build(args: argparse.Namespace) -> int:
    options = build_options(args)
    report = build_once(args, options)
    if report is None:
        return EXIT_ERRORS
    return EXIT_ERRORS if report.errors else EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    options = build_options(args)
    session = BuildSession()  # rebuilds reuse what the last build loaded and saved
    if build_once(args, options, session) is None and not args.output.exists():
        return EXIT_ERRORS
    session.settle()
    if args.bind not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.bind}: other machines can reach this site", file=sys.stderr
        )
    watched = [args.seeds, args.content, *args.templates, PROJECT / "templates"]
    serve(
        args.output,
        args.bind,
        args.port,
        rebuild=lambda: build_once(args, options, session) is not None,
        after_rebuild=session.settle,
        watched=watched,
    )
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from .check import check_site

    problems, notes = check_site(args.output, html=not args.no_html)
    for note in notes:
        print(f"note: {note}")
    for problem in problems:
        print(problem)
    print(f"{args.output}: {len(problems)} problems" if problems else f"{args.output}: ok")
    return EXIT_ERRORS if problems else EXIT_OK


def run_clean(args: argparse.Namespace) -> int:
    from .analyse import analyse_article, prepare_analysis
    from .clean import clean_article
    from .load import read_article_file

    status = EXIT_OK
    results = []
    analysis = prepare_analysis((), (), ())
    for path in args.files:
        try:
            raw = read_article_file(path)
        except (InputError, OSError) as exc:
            print(f"{path}: error: {exc}", file=sys.stderr)
            status = EXIT_ERRORS
            continue
        article = clean_article(raw)
        language = analyse_article(article, analysis).language
        results.append(_clean_as_data(article, language))
    if args.json:
        payload: Any = results if len(args.files) > 1 else (results[0] if results else None)
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print("\n".join(_clean_as_markdown(data) for data in results), end="")
    return status


def _clean_as_data(article: Any, language: str) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "subtitle": article.subtitle,
        "author": article.author,
        "language": language,
        "updated": article.updated,
        "dateline": article.dateline,
        "paragraphs": [{"kind": block.kind, "text": block.text} for block in article.blocks],
        "removals": [
            {"rule": r.rule, "reason": r.reason, "line": r.line, "text": r.text}
            for r in article.removals
        ],
        "flags": list(article.flags),
    }


def _clean_as_markdown(data: dict[str, Any]) -> str:
    keys = ("title", "subtitle", "author", "language", "updated")
    front = {k: data[k] for k in keys if data[k]}
    lines = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).rstrip(), "---", ""]
    for block in data["paragraphs"]:
        prefix = "## " if block["kind"] == "heading" else ""
        lines.extend([prefix + block["text"], ""])
    return "\n".join(lines)


def run_add(args: argparse.Namespace) -> int:
    from .importer import add_article

    try:
        if args.file == "-":
            data, name = sys.stdin.buffer.read(), None
        else:
            data, name = Path(args.file).read_bytes(), args.file
        target = add_article(data, args.seeds, name)
    except (InputError, OSError) as exc:
        print(f"{args.file}: error: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"added {target}")
    return EXIT_OK


def run_actors(args: argparse.Namespace) -> int:
    from . import analyse
    from .clean import clean_article
    from .load import load_content
    from .settings import read_settings

    settings = read_settings(args.content)
    content = load_content(args.seeds, args.content)
    data = analyse.prepare_analysis(content.actors, content.topics, settings.languages)
    analysed = [analyse.analyse_article(clean_article(raw), data) for raw in content.articles]
    if args.suggest:
        draft = analyse.suggest_actors(analysed)
        if args.output is None:
            print(draft, end="")
        else:
            args.output.write_text(draft, encoding="utf-8")
            print(f"wrote a draft of {draft.count('- id:')} people to {args.output}")
        return EXIT_OK
    counts: dict[str, int] = {}
    for article in analysed:
        for mention in article.actors:
            counts[mention.actor_id] = counts.get(mention.actor_id, 0) + 1
    for actor_id, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"{actor_id}\t{n} articles")
    return EXIT_OK

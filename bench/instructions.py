"""Count the CPU instructions the per-article stages take, per article, under Valgrind.

    python bench/generate.py /tmp/b/n2k --articles 2000
    python bench/instructions.py /tmp/b/n2k [--articles 200] [--code OLD_TREE]

Wall and CPU times on a shared virtual machine swing by a quarter or more
within the hour, far more than any one change to the per-article work gains;
an instruction count does not (two runs of the same code agree to within 0.1%).
So a change to the cleaner or the analyser is screened by this count; fewer
instructions are not always less time (hashing strings costs more per
instruction than a regex scan does), so alternating timed runs confirm it.

Each count runs this script under ``valgrind --tool=cachegrind`` twice: once
processing the corpus's first ``--warm`` articles, once the first ``--warm``
plus ``--articles`` (read, cleaned, analysed, summarised and packed for the
store, as a build's worker does); the difference, divided by ``--articles``,
is what one article costs with the per-word memos as warm as a build's.  With
``--code DIR`` the ``site_builder`` package is imported from DIR instead of
this tree, so a pristine checkout can be compared:

    git worktree add /tmp/base HEAD
    python bench/instructions.py CORPUS --code /tmp/base
    python bench/instructions.py CORPUS

Needs Valgrind (Debian's ``valgrind`` package).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def prepared(corpus: Path) -> tuple[list, object]:
    """The corpus's articles and the analysis data a build would share among them
    (imported when called: ``--code`` chooses the tree first)."""
    from site_builder.build import BuildOptions, _analysis_data
    from site_builder.load import scan_content
    from site_builder.settings import read_settings

    options = BuildOptions(corpus / "seeds", corpus / "content", (), corpus / "_site")
    content = scan_content(options.seeds, options.content, known={}, stats=None, jobs=1)
    data, _ = _analysis_data(content, read_settings(options.content), options)
    return list(content.sources), data


def process_first(corpus: Path, count: int) -> None:
    """Process the corpus's first ``count`` articles as a build's worker does, in its
    batches (what is counted); stop at an article that fails."""
    from site_builder.process import ArticleFailure, process_in_batches

    sources, data = prepared(corpus)
    for result in process_in_batches([("", source) for source in sources[:count]], data):
        if isinstance(result, ArticleFailure):  # a count of failures measures nothing
            raise SystemExit(f"{result.path}: {result.message}")


def counted(corpus: Path, count: int, code: Path) -> int:
    """Instructions of a run that processes the first ``count`` articles."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        str(corpus),
        "--process",
        str(count),
        "--code",
        str(code),
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same dict layouts in every run
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"valgrind run failed:\n{result.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path, help="a folder with seeds/ and content/")
    parser.add_argument("--articles", type=int, default=200, help="articles counted")
    parser.add_argument("--warm", type=int, default=20, help="articles processed first")
    parser.add_argument("--code", type=Path, default=HERE.parent, help="tree to import from")
    parser.add_argument("--process", type=int, help=argparse.SUPPRESS)  # the counted run
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    if args.process is not None:
        process_first(args.corpus, args.process)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    before = counted(args.corpus, args.warm, args.code)
    after = counted(args.corpus, args.warm + args.articles, args.code)
    per_article = (after - before) / args.articles
    print(
        f"{args.code}: {per_article / 1e6:.2f} million instructions per article "
        f"(articles {args.warm + 1}-{args.warm + args.articles} of {args.corpus})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

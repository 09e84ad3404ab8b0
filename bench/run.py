"""The build benchmark: generated articles, full, incremental and no-change builds.

    python bench/run.py [--sizes 1000 10000] [--jobs 0] [--out bench/results.json]

For each size: generate the articles (bench/generate.py, deterministic),
build them from scratch, rebuild with nothing changed, fix one word in the
middle of one article and rebuild, then append a sentence to another and
rebuild.  Reports wall time (of the whole command, interpreter start
included), articles per second, peak memory (resident, of the build process
and of its largest worker) and time per stage.  Each build runs in a fresh
process, as a user's ``build.py build`` would.  Then the same two kinds of
edit again, rebuilt by one long-running process as ``build.py serve`` makes
them: the time until the site is up to date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent

BUILD_ONE = """
import json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, {project!r})
from site_builder.build import BuildOptions, build_site
root = Path({root!r})
started = time.perf_counter()
report = build_site(BuildOptions(root / "seeds", root / "content", (Path({templates!r}),),
                                 root / "_site", root / "cache", jobs={jobs}))
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({{"seconds": time.perf_counter() - started, "articles": report.articles,
                  "pages": report.pages, "stages": report.stage_seconds,
                  "peak_mib": max(own, children) / 1024, "own_mib": own / 1024,
                  "worker_mib": children / 1024, "cached": report.cached_articles,
                  "reused_pages": report.reused_pages, "errors": len(report.errors)}}))
sys.stdout.flush()
os._exit(0)  # as build.py leaves: without freeing the build's objects one by one
"""


RESIDENT = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {project!r})
sys.path.insert(0, {bench!r})
from run import append_sentence, fix_one_word
from site_builder.build import BuildOptions, BuildSession, build_site
root = Path({root!r})
options = BuildOptions(root / "seeds", root / "content", (Path({templates!r}),),
                       root / "_site", root / "cache", jobs={jobs})
session = BuildSession()
started = time.perf_counter()
build_site(options, session=session)
session.settle()
results = {{"start_seconds": time.perf_counter() - started}}
articles = sorted((root / "seeds").glob("*.txt"))
for name, edit, path in (("one_edit", fix_one_word, articles[len(articles) // 4]),
                         ("one_append", append_sentence, articles[len(articles) // 5])):
    edit(path)
    started = time.perf_counter()
    report = build_site(options, session=session)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    session.settle()
    results[name] = {{"wall_seconds": seconds, "save_seconds": time.perf_counter() - started,
                     "pages": report.pages, "reused_pages": report.reused_pages,
                     "stages": report.stage_seconds}}
print(json.dumps(results))
"""


# The builds run as on a user's machine, where the package's compiled bytecode is kept
# (__pycache__): not compiled again in every process, as PYTHONDONTWRITEBYTECODE (set on
# some development machines) would have it.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def build_resident(root: Path, jobs: int) -> dict:
    """Edits rebuilt by one long-running process, as ``build.py serve`` makes them: the
    time from the edit's build starting to the site being up to date (the cache is
    written after that, while the browser reloads; its time is reported apart)."""
    code = RESIDENT.format(
        project=str(PROJECT),
        bench=str(HERE),
        root=str(root),
        templates=str(PROJECT / "templates"),
        jobs=jobs,
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_ENV
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def build_once(root: Path, jobs: int) -> dict:
    code = BUILD_ONE.format(
        project=str(PROJECT), root=str(root), templates=str(PROJECT / "templates"), jobs=jobs
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_ENV
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["wall_seconds"] = time.perf_counter() - started
    return data


def bench_size(size: int, jobs: int, workdir: Path) -> dict:
    sys.path.insert(0, str(HERE))
    from generate import generate

    root = workdir / f"n{size}"
    generate(root, size)
    full = build_once(root, jobs)
    unchanged = build_once(root, jobs)
    articles = sorted((root / "seeds").glob("*.txt"))
    fix_one_word(articles[size // 2])
    one_edit = build_once(root, jobs)
    append_sentence(articles[size // 3])
    one_append = build_once(root, jobs)
    resident = build_resident(root, jobs)
    shutil.rmtree(root)
    return {
        "articles": size,
        "full": full,
        "no_change": unchanged,
        "one_edit": one_edit,
        "one_append": one_append,
        "serve": resident,
    }


def fix_one_word(path: Path) -> None:
    """An editor's typical edit: one word in the middle of the body."""
    lines = path.read_text(encoding="utf-8").split("\n")
    middle = len(lines) // 2
    words = lines[middle].split(" ")
    words[len(words) // 2] = words[len(words) // 2] + "s"
    lines[middle] = " ".join(words)
    path.write_text("\n".join(lines), encoding="utf-8")


def append_sentence(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")


def show(result: dict) -> None:
    full, serve = result["full"], result["serve"]
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in full["stages"].items())
    print(
        f"{result['articles']:>7} articles: full {full['wall_seconds']:.2f}s "
        f"({result['articles'] / full['wall_seconds']:.0f} articles/s, {full['pages']} files, "
        f"peak {full['own_mib']:.0f} MiB, workers {full['worker_mib']:.0f} MiB) [{stages}]; "
        f"no change {result['no_change']['wall_seconds']:.2f}s; "
        f"one word {result['one_edit']['wall_seconds']:.2f}s "
        f"({_made(result['one_edit'])} files made); "
        f"one sentence appended {result['one_append']['wall_seconds']:.2f}s "
        f"({_made(result['one_append'])} files made); "
        f"while serving: one word {serve['one_edit']['wall_seconds']:.2f}s, "
        f"one sentence {serve['one_append']['wall_seconds']:.2f}s "
        f"(then the cache written and memory settled in {serve['one_edit']['save_seconds']:.2f}s)"
    )


def _made(build: dict) -> int:
    return build["pages"] - build["reused_pages"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args()
    results = []
    # The interpreter matters: the same build runs 10-20% faster on an interpreter built
    # with profile-guided optimisation (a distribution's) than on pyenv's default build.
    print(f"Python {platform.python_version()} ({sys.executable}), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as workdir:
        for size in args.sizes:
            result = bench_size(size, args.jobs, Path(workdir))
            result["python"] = f"{platform.python_version()} ({sys.executable})"
            show(result)
            results.append(result)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

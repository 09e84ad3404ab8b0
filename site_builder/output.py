"""Publishing the built files: write into a staging folder, swap it in only on success."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_output(output: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside ``output``; replace ``output`` with it on success.

    If the block raises (or the process dies), the last good ``output`` is
    untouched and the staging folder is removed (or left as ``.name.staging-*``,
    never mistaken for the site).
    """
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.staging-", dir=output.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, output)


def _swap_in(staging: Path, output: Path) -> None:
    # Two renames, not a copy: the window with no site is two system calls long.
    retired = None
    if output.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
        os.rmdir(retired)
        os.replace(output, retired)
    os.replace(staging, output)
    os.chmod(output, 0o755)
    if retired is not None:
        discard(retired)
    for leftover in output.parent.glob(f".{output.name}.old-*"):  # a deletion cut short
        if leftover != retired:
            discard(leftover)


def discard(folder: Path) -> None:
    """Delete a folder nobody uses any more, without waiting for it.

    Deleting ten thousand files can take longer than building them (on a
    disk mounted with ``discard``, every deletion trims), and nothing waits
    for the old site: a detached ``rm`` removes it after the build has
    returned.  Where there is no ``rm``, it is deleted here.
    """
    rm = shutil.which("rm")
    if rm is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    subprocess.Popen(  # noqa: S603 - a fixed program on a path we made
        [rm, "-rf", "--", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def apply_changes(changes: Path, output: Path, made: Iterable[str], stale: Iterable[str]) -> None:
    """Move the files of an incremental build into the site; delete the ones it no longer has.

    Every file is replaced by a rename, so a reader never sees half a page;
    the files were all rendered before the first one moves, so a failed
    render leaves the site as it was.
    """
    for path in made:
        target = output / path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(changes / path, target)
    for path in stale:
        (output / path).unlink(missing_ok=True)

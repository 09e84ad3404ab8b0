"""Work a build hands to a forked copy of itself, to run on a core that would sit idle.

Clustering runs on one core.  Meanwhile a copy of the build, forked as it is
when clustering starts, can do what needs the articles but not their stories:
write the cache's index, make the search index and the cleaning report.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """A task running in a forked copy of this process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.succeeded: bool | None = None  # known once waited for

    def wait(self) -> bool:
        """Wait for the copy to end (once; later calls answer at once): did the task
        succeed?"""
        if self.succeeded is None:
            self.succeeded = os.waitpid(self.pid, 0)[1] == 0
        return self.succeeded


def start_forked(task: Callable[[], None]) -> Forked | None:
    """Run ``task`` in a forked copy of this process, or return None where processes
    cannot fork.

    The copy sees the process as it is now, runs ``task`` and leaves at once, running
    none of the caller's cleanup (``finally`` blocks, ``atexit``); a failure is printed
    there and reported here by ``Forked.wait``.
    """
    if not can_fork():
        return None
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            task()
            status = 0
        except BaseException:  # noqa: BLE001 - printed here, reported to the waiting parent
            traceback.print_exc()
        finally:
            os._exit(status)
    return Forked(pid)

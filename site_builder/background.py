"""Work a build hands to a forked copy of itself, to run on a core that would sit idle.

Clustering runs on one core.  Meanwhile a copy of the build, forked as it is
when clustering starts, can do what needs the articles but not their stories:
write the cache's index, make the search index and the cleaning report.  In a
rebuild it is the other way round: a copy reads the cached features and the
clustering memo while the build states its inputs and processes the changed
articles; handed those, it clusters and hands back the stories, then writes the
index and the memo, while the build reads the summaries and renders.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class ForkedCallLost(Exception):
    """The copy ended without an answer (killed, out of memory)."""


class _NotAsked(Exception):
    """The caller let the copy go without handing it its question."""


class ForkedCall(Generic[T]):
    """A function called in a forked copy of this process.  It may wait for a question
    the caller hands it later (``ask``); its value comes back pickled, and the copy goes
    on with what the caller need not wait for."""

    def __init__(self, pid: int, answer: int, question: int) -> None:
        self.pid = pid
        self._answer: int | None = answer  # the read end of the pipe the copy answers on
        self._question: int | None = question  # the write end of the one it is asked on
        self._data = b""
        self._succeeded: bool | None = None

    @property
    def asked(self) -> bool:
        """Whether the copy has had its question, or been let go without one."""
        return self._question is None

    def ask(self, question: object) -> None:
        """Hand the copy its question (once)."""
        assert self._question is not None, "asked twice"
        data = pickle.dumps(question, pickle.HIGHEST_PROTOCOL)
        out = os.fdopen(self._question, "wb")
        self._question = None
        try:
            with out:
                out.write(len(data).to_bytes(8, "big") + data)
        except BrokenPipeError:
            pass  # the copy ended before it was asked: its answer says why

    def result(self) -> T:
        """The function's value, or its exception raised here; ``ForkedCallLost`` if the
        copy gave no answer.  Does not wait for the copy's work after answering."""
        self._read()
        try:
            succeeded, value = pickle.loads(self._data)
        except Exception as exc:  # noqa: BLE001 - an empty or cut answer
            raise ForkedCallLost(f"the forked copy (pid {self.pid}) gave no answer") from exc
        if not succeeded:
            raise value
        return value  # type: ignore[no-any-return]

    def wait(self) -> bool:
        """Wait for the copy to end (once; later calls answer at once), unasked if it was
        not asked yet: did it answer, and do what followed, without failing?"""
        if self._succeeded is None:
            if self._question is not None:  # the copy reads the end of its question
                os.close(self._question)
                self._question = None
            self._read()  # first: a copy blocked on a full pipe would never end
            self._succeeded = os.waitpid(self.pid, 0)[1] == 0
        return self._succeeded

    def kill(self) -> None:
        """End the copy now, unanswered (only when it can be stopped at any point)."""
        if self._succeeded is None:
            os.kill(self.pid, signal.SIGKILL)
            self.wait()

    def _read(self) -> None:
        if self._answer is not None:
            with os.fdopen(self._answer, "rb") as answer:
                self._answer = None
                self._data = answer.read()  # to the end: the copy closes its end once written


def call_forked(
    function: Callable[[Callable[[], Any]], tuple[T, Callable[[], None]]],
) -> ForkedCall[T] | None:
    """Call ``function`` in a forked copy of this process, or return None where processes
    cannot fork.  ``function`` is given what waits for the caller's question (see
    ``ForkedCall.ask``), and returns its value and what the copy does once that value is
    handed back (saving what it made, say).  As with ``start_forked``, the copy runs
    none of the caller's cleanup."""
    if not can_fork():
        return None
    answer, answering = os.pipe()
    asking, question = os.pipe()
    pid = os.fork()
    if pid != 0:
        os.close(answering)
        os.close(asking)
        return ForkedCall(pid, answer, question)
    os.close(answer)
    os.close(question)
    status = 1
    try:
        then: Callable[[], None] | None = None
        try:
            value, then = function(lambda: _question(asking))
            data = pickle.dumps((True, value), pickle.HIGHEST_PROTOCOL)
        except _NotAsked:
            os._exit(status)
        except BaseException as exc:  # noqa: BLE001 - raised again by the caller
            exc.add_note("".join(traceback.format_exception(exc)).rstrip())  # where, in the copy
            data = _pickled_failure(exc)
        with os.fdopen(answering, "wb") as out:
            out.write(data)
        if then is not None:
            then()
            status = 0
    except BaseException:  # noqa: BLE001 - printed here, reported to the caller by ``wait``
        traceback.print_exc()
    finally:
        os._exit(status)


def start_forked(task: Callable[[], None]) -> ForkedCall[None] | None:
    """Run ``task`` in a forked copy of this process, or return None where processes
    cannot fork: a ``call_forked`` that answers at once and asks nothing.  The copy
    sees the process as it is now; a failure is printed there and reported here by
    ``ForkedCall.wait``."""
    return call_forked(lambda question: (None, task))


def _question(asking: int) -> Any:
    """In the copy: wait for the question, its length first (other copies of the build,
    forked meanwhile, may hold the pipe open past its end)."""
    with os.fdopen(asking, "rb") as question:
        head = question.read(8)
        if len(head) < 8:
            raise _NotAsked
        data = question.read(int.from_bytes(head, "big"))
    return pickle.loads(data)


def _pickled_failure(exc: BaseException) -> bytes:
    try:
        return pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that does not pickle: its text does
        text = "".join(traceback.format_exception(exc))
        return pickle.dumps((False, RuntimeError(text)), pickle.HIGHEST_PROTOCOL)

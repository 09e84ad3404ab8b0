"""Quality evaluations against gold files: ``python -m site_builder.evaluate KIND GOLD``.

Each kind is a submodule with ``main(argv) -> int`` that prints one summary line.
"""

from __future__ import annotations


class PrecisionRecall:
    """Precision, recall and F1 from ``predicted``, ``gold`` and ``matched`` counts.

    An empty side scores 1.0: nothing predicted is nothing wrong, and nothing
    to find is nothing missed.
    """

    __slots__ = ()
    predicted: int
    gold: int
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

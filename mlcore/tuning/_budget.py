"""A tuning time budget that also pays for the refit and the evaluation after the search.

Optuna's ``timeout`` only refuses to *start* a trial once the time is up, so a run overran by
its last trial plus the refit (a 60 s budget took 85 s). ``TimeBudget`` learns what a fold and a
trial cost as they finish, estimates the refit on all rows (one fold's fit scaled by the rows it
adds, plus a margin for the evaluation that follows) and answers two questions: may another trial
start, and may the running trial start its next fold, with the refit still fitting in the budget.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

# the test-row evaluation (bootstrap intervals) and saving after the refit, as a share of it
# (measured: ~0.5 of a LightGBM refit on a loaded 2-core machine)
AFTER_REFIT_SHARE = 0.5
# a first fold still running at this share of the budget is cut: its scores are all there is, and
# the refit (at most as long, on a loaded machine) and the evaluation need the rest
FIRST_FOLD_SHARE = 0.5


class TimeBudget:
    """Seconds left for trials once the refit is reserved; ``clock`` is injectable for tests."""

    def __init__(self, seconds: float | None, n_splits: int, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds = None if seconds is None else float(seconds)
        self.n_splits = max(1, int(n_splits))
        self.clock = clock
        self.started = clock()
        self.fold_seconds: list[float] = []
        self.trial_seconds: list[float] = []

    @property
    def limited(self) -> bool:
        return self.seconds is not None

    def elapsed(self) -> float:
        return self.clock() - self.started

    def note_fold(self, seconds: float) -> None:
        self.fold_seconds.append(float(seconds))

    def note_trial(self, seconds: float) -> None:
        self.trial_seconds.append(float(seconds))

    def refit_estimate(self) -> float:
        """A fit on every training row: the slowest fold so far grown by the rows the held-out fold adds
        (the slowest, not a typical one: the refit uses the best configuration, often a costly one)."""
        if not self.fold_seconds:
            return 0.0
        k = self.n_splits
        grow = k / (k - 1) if k > 1 else 1.0
        return max(self.fold_seconds) * grow

    def reserve(self) -> float:
        """Seconds kept back for the refit and what follows it."""
        return self.refit_estimate() * (1.0 + AFTER_REFIT_SHARE)

    def trial_estimate(self) -> float:
        if self.trial_seconds:
            return statistics.median(self.trial_seconds)
        return statistics.median(self.fold_seconds) * self.n_splits if self.fold_seconds else 0.0

    def room_for_trial(self) -> bool:
        """True when one more typical trial and the refit still end within the budget."""
        if not self.limited:
            return True
        return self.elapsed() + self.trial_estimate() + self.reserve() <= self.seconds

    def room_for_fold(self) -> bool:
        """True when one more fold and the refit still end within the budget."""
        if not self.limited or not self.fold_seconds:
            return True
        return self.elapsed() + statistics.median(self.fold_seconds) + self.reserve() <= self.seconds

    def fold_deadline(self) -> float | None:
        """The clock time (``clock``) by which a running fold must stop for the refit to still fit."""
        if not self.limited:
            return None
        if not self.fold_seconds:  # nothing learned: the first fold leaves the refit and evaluation a share
            return self.started + self.seconds * FIRST_FOLD_SHARE
        return self.started + self.seconds - self.reserve()

    def refit_deadline(self) -> float | None:
        """The clock time by which the refit must stop, leaving the evaluation its share."""
        if not self.limited:
            return None
        return self.started + self.seconds - self.refit_estimate() * AFTER_REFIT_SHARE

"""A tuning time budget that also pays for the refit and the evaluation after the search.

Optuna's ``timeout`` only refuses to *start* a trial once the time is up, so a run overran by
its last trial plus the refit (a 60 s budget took 85 s). ``TimeBudget`` learns what a fold and a
trial cost as they finish, estimates the refit on all rows (one fold's fit scaled by the rows it
adds) and what follows it (the caller's evaluation of ``after_rows`` held-out rows, predicted at
the slowest per-row rate the folds were scored at, its bootstrap and the saving), and answers two
questions: may another trial start, and may the running trial start its next fold, with the refit
and the evaluation still fitting in the budget. The clock may have started before ``tune()`` (a
tune job counts from the user's request: loading the data is part of the wait).
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

# without a known evaluation (a bare tune() call): what follows the refit, as a share of it
AFTER_REFIT_SHARE = 0.5
# a first fold still running at this share of the budget is cut: its scores are all there is, and
# the refit (at most as long, on a loaded machine) and the evaluation need the rest
FIRST_FOLD_SHARE = 0.5
# the refit fits more rows than a fold, and tree fits grow a little faster than their rows
REFIT_MARGIN = 1.15
# an evaluation predicts its rows twice (predict_proba and predict); the bootstrap is stopped at the
# evaluation's deadline, so it gets a bounded share: seconds per row for 200 resamples (measured
# ~0.7 s for 10,000 rows with ROC-AUC on a loaded 2-core machine), at most BOOTSTRAP_MAX seconds
PREDICTIONS_PER_EVALUATION = 2
BOOTSTRAP_SECONDS_PER_ROW = 7e-5
BOOTSTRAP_MAX = 3.0
# saving the pipeline (pickle, sha256) and writing the job's results
SAVE_SECONDS = 0.5


class TimeBudget:
    """Seconds left for trials once the refit is reserved; ``clock`` is injectable for tests.

    ``after_rows``: rows the caller evaluates after the refit (None: no known evaluation, a share
    of the refit is kept instead); ``started``: the clock time the budget counts from (default: now).
    """

    def __init__(self, seconds: float | None, n_splits: int, clock: Callable[[], float] = time.perf_counter,
                 after_rows: int | None = None, started: float | None = None) -> None:
        self.seconds = None if seconds is None else float(seconds)
        self.n_splits = max(1, int(n_splits))
        self.clock = clock
        self.started = clock() if started is None else float(started)
        self.after_rows = None if after_rows is None else max(0, int(after_rows))
        self.fold_seconds: list[float] = []
        self.trial_seconds: list[float] = []
        self.row_seconds = 0.0  # the slowest scoring seen, per held-out row

    @property
    def limited(self) -> bool:
        return self.seconds is not None

    @property
    def end(self) -> float | None:
        """The clock time the whole budget ends."""
        return None if self.seconds is None else self.started + self.seconds

    def elapsed(self) -> float:
        return self.clock() - self.started

    def left(self) -> float | None:
        return None if self.seconds is None else self.seconds - self.elapsed()

    def note_fold(self, seconds: float, score_seconds: float = 0.0, scored_rows: int = 0) -> None:
        """A finished fold: its seconds (fit and scoring) and, when known, how long scoring its rows took."""
        self.fold_seconds.append(float(seconds))
        if scored_rows > 0:
            self.row_seconds = max(self.row_seconds, float(score_seconds) / scored_rows)

    def note_trial(self, seconds: float) -> None:
        self.trial_seconds.append(float(seconds))

    def refit_estimate(self) -> float:
        """A fit on every training row: the slowest fold so far grown by the rows the held-out fold adds
        (the slowest, not a typical one: the refit uses the best configuration, often a costly one)."""
        if not self.fold_seconds:
            return 0.0
        k = self.n_splits
        grow = k / (k - 1) if k > 1 else 1.0
        return max(self.fold_seconds) * grow * REFIT_MARGIN

    def after_estimate(self) -> float:
        """Seconds the evaluation and saving after the refit take."""
        if self.after_rows is None:
            return self.refit_estimate() * AFTER_REFIT_SHARE
        rows = self.after_rows
        predict = PREDICTIONS_PER_EVALUATION * self.row_seconds * rows
        return predict + self.bootstrap_share() + SAVE_SECONDS

    def bootstrap_share(self) -> float:
        """Seconds kept for the evaluation's bootstrap (it stops at its deadline, keeping what it has)."""
        return min(BOOTSTRAP_MAX, BOOTSTRAP_SECONDS_PER_ROW * (self.after_rows or 0))

    def reserve(self) -> float:
        """Seconds kept back for the refit and what follows it."""
        return self.refit_estimate() + self.after_estimate()

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
        return self.end - self.reserve()

    def refit_deadline(self) -> float | None:
        """The clock time by which the refit must stop, leaving the evaluation its time."""
        if not self.limited:
            return None
        return self.end - self.after_estimate()

    def evaluation_deadline(self) -> float | None:
        """The clock time by which the evaluation must stop (its bootstrap keeps the resamples it has),
        leaving the saving its time."""
        if not self.limited:
            return None
        return self.end - (SAVE_SECONDS if self.after_rows is not None else 0.0)

"""A deadline inside one fit: a model stops growing once it passes, keeping what it has.

A time budget's estimates come from fits already made; a costly configuration, or a machine that
got busier, can still make one fit run far past them (a 60 s tune took 102 s). Boosters check the
clock after every round (LightGBM, XGBoost: a callback; sklearn GradientBoosting: ``monitor``);
forests grow their trees in ``warm_start`` chunks and HistGradientBoosting its iterations, checking
between chunks. ``DeadlineFit.hit`` says whether the deadline cut the fit, ``rounds`` how many trees
(or iterations) the model got of the ``asked``. Other estimators fit as usual (no hook).
"""

from __future__ import annotations

import time
from typing import Any

CHUNKS = 10  # a forest or HGB fit is grown in pieces of at most a tenth ...
FIRST_CHUNKS = 20  # ... the first one a twentieth, the next ones sized by the time left


def _final(model: Any) -> tuple[Any, str]:
    """The estimator at the end of ``model`` (a Pipeline or an estimator) and its fit-parameter prefix."""
    if hasattr(model, "steps"):
        return model.steps[-1][1], f"{model.steps[-1][0]}__"
    return model, ""


def _growable(estimator: Any) -> str | None:
    """The parameter that counts what a warm-started fit adds: forests' trees, HGB's iterations."""
    module = type(estimator).__module__
    if not module.startswith("sklearn.ensemble"):
        return None
    params = estimator.get_params(deep=False)
    if "warm_start" not in params:
        return None
    if module.startswith("sklearn.ensemble._forest"):
        return "n_estimators"
    if module.startswith("sklearn.ensemble._hist_gradient_boosting"):
        return "max_iter"
    return None


class DeadlineFit:
    """Fit keyword arguments (or estimator settings) that stop a fit at ``deadline`` (perf_counter)."""

    def __init__(self, deadline: float, clock: Any = time.perf_counter) -> None:
        self.deadline = float(deadline)
        self.clock = clock
        self.hit = False
        self.rounds: int | None = None  # trees or rounds fitted when the deadline cut the fit
        self.asked: int | None = None

    def fit(self, model: Any, X: Any, y: Any, **kwargs: Any) -> Any:
        """``model.fit(X, y, **kwargs)`` that stops at the deadline; returns the fitted model."""
        estimator, prefix = _final(model)
        grow = _growable(estimator)
        if grow is not None:
            return self._fit_in_chunks(model, estimator, prefix, grow, X, y, kwargs)
        extra = self.apply(model)
        try:
            return model.fit(X, y, **kwargs, **extra)
        finally:
            self.disarm(model)

    def apply(self, model: Any) -> dict[str, Any]:
        """Arm ``model`` (an estimator or a Pipeline ending in one); returns extra ``fit`` keyword arguments."""
        estimator, prefix = _final(model)
        module = type(estimator).__module__
        self.asked = estimator.get_params(deep=False).get("n_estimators")
        if module.startswith("lightgbm"):
            return {f"{prefix}callbacks": [self._lightgbm_callback()]}
        if module.startswith("xgboost"):
            import xgboost

            outer = self

            class _Stop(xgboost.callback.TrainingCallback):
                def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
                    return outer._passed(epoch + 1)

            estimator.set_params(callbacks=[_Stop()])
        if module.startswith("sklearn.ensemble._gb"):
            return {f"{prefix}monitor": lambda i, est, local: self._passed(i + 1)}
        return {}

    def disarm(self, model: Any) -> None:
        """Take the XGBoost callback off again: a fitted model is saved, and a local class cannot be."""
        estimator, _ = _final(model)
        if type(estimator).__module__.startswith("xgboost"):
            estimator.set_params(callbacks=None)

    def _cut(self, rounds: int) -> None:
        """The deadline is near enough that nothing more fits: stop as if it had passed."""
        self.hit, self.rounds = True, rounds

    def _passed(self, rounds: int | None = None) -> bool:
        if not self.hit and self.clock() >= self.deadline:
            self.hit = True
            self.rounds = rounds
        return self.hit

    def _fit_in_chunks(self, model: Any, estimator: Any, prefix: str, grow: str, X: Any, y: Any,
                       kwargs: dict[str, Any]) -> Any:
        """Prepare once, then grow ``estimator`` chunk by chunk with ``warm_start`` until done or the deadline."""
        own = {k[len(prefix):]: v for k, v in kwargs.items() if k.startswith(prefix)}
        if prefix and len(model.steps) > 1:  # the pipeline's steps before the estimator, fitted in place
            rest = {k: v for k, v in kwargs.items() if not k.startswith(prefix)}
            Xt = model[:-1].fit_transform(X, y, **rest)
        else:
            Xt = X
        total = int(estimator.get_params(deep=False)[grow])
        self.asked = total
        most = max(1, -(-total // CHUNKS))
        step = max(1, total // FIRST_CHUNKS)  # small first: a deadline that is near still gets a model soon
        warm = estimator.get_params(deep=False)["warm_start"]
        done = 0
        try:
            while done < total:
                t0 = self.clock()
                estimator.set_params(**{grow: min(total, done + step), "warm_start": done > 0 or warm})
                estimator.fit(Xt, y, **own)
                added, done = min(total, done + step) - done, min(total, done + step)
                stopped_early = grow == "max_iter" and getattr(estimator, "n_iter_", done) < done
                if stopped_early or done >= total or self._passed(done):
                    break
                # the next chunk: what fits before the deadline at the rate just seen, at most a tenth
                per = max(1e-9, (self.clock() - t0) / added)
                if self.clock() + per > self.deadline:  # not one more tree fits
                    self._cut(done)
                    break
                step = int(max(1, min(most, (self.deadline - self.clock()) / per)))
        finally:
            estimator.set_params(warm_start=warm)
        if not self.hit:
            estimator.set_params(**{grow: total})  # the settings say what was asked when nothing was cut
        return model

    def note(self) -> str:
        """How much of the fit the deadline left (for the job's notes)."""
        if self.rounds is not None and self.asked:
            return f"{self.rounds} of {self.asked} trees/rounds"
        return "fewer trees/rounds than asked"

    def _lightgbm_callback(self):  # noqa: ANN202 - lightgbm is imported lazily
        import lightgbm

        def stop_at_deadline(env: Any) -> None:
            if self._passed(env.iteration + 1):
                raise lightgbm.callback.EarlyStopException(env.iteration, env.evaluation_result_list or [])

        stop_at_deadline.order = 40  # after lightgbm's own callbacks
        return stop_at_deadline

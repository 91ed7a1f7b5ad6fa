"""A deadline inside one boosted fit: LightGBM and XGBoost stop adding trees once it passes.

A time budget's estimates come from fits already made; a costly configuration, or a machine that
got busier, can still make one fit run far past them (a 60 s tune took 102 s). Boosters check the
clock after every round and stop there, keeping the trees they have; ``DeadlineFit.hit`` says
whether that happened. Other estimators fit as usual (no per-round hook).
"""

from __future__ import annotations

import time
from typing import Any


class DeadlineFit:
    """Fit keyword arguments (or estimator settings) that stop a booster at ``deadline`` (perf_counter)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = float(deadline)
        self.hit = False

    def apply(self, model: Any) -> dict[str, Any]:
        """Arm ``model`` (an estimator or a Pipeline ending in one); returns extra ``fit`` keyword arguments."""
        estimator = model.steps[-1][1] if hasattr(model, "steps") else model
        prefix = f"{model.steps[-1][0]}__" if hasattr(model, "steps") else ""
        module = type(estimator).__module__
        if module.startswith("lightgbm"):
            return {f"{prefix}callbacks": [self._lightgbm_callback()]}
        if module.startswith("xgboost"):
            import xgboost

            outer = self

            class _Stop(xgboost.callback.TrainingCallback):
                def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
                    return outer._passed()

            estimator.set_params(callbacks=[_Stop()])
        return {}

    def disarm(self, model: Any) -> None:
        """Take the XGBoost callback off again: a fitted model is saved, and a local class cannot be."""
        estimator = model.steps[-1][1] if hasattr(model, "steps") else model
        if type(estimator).__module__.startswith("xgboost"):
            estimator.set_params(callbacks=None)

    def _passed(self) -> bool:
        if time.perf_counter() >= self.deadline:
            self.hit = True
        return self.hit

    def _lightgbm_callback(self):  # noqa: ANN202 - lightgbm is imported lazily
        import lightgbm

        def stop_at_deadline(env: Any) -> None:
            if self._passed():
                raise lightgbm.callback.EarlyStopException(env.iteration, env.evaluation_result_list or [])

        stop_at_deadline.order = 40  # after lightgbm's own callbacks
        return stop_at_deadline

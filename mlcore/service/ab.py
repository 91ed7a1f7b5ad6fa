"""ABService: A/B tests between two versions — setup, outcomes, analysis, promoting the winner."""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcore.errors import ConfigError, ConflictError, DataValidationError
from mlcore.registry import ABStore, ABTestInfo, ModelVersionInfo
from mlcore.service.models import ModelService
from mlcore.service.prediction import user_key

if TYPE_CHECKING:
    import pandas as pd


class ABService:
    def __init__(self, models: ModelService, store: ABStore) -> None:
        self.models = models
        self.store = store

    def create_ab_test(self, model_a_id: str, model_b_id: str, test_name: str,
                       split_ratio: float = 0.5) -> ABTestInfo:
        """Set up an A/B test between two versions (seed: POST /models/ab-test)."""
        from mlcore.deployment import validate_name

        name = validate_name(test_name)
        if not 0.0 < float(split_ratio) < 1.0:
            raise ConfigError(f"split_ratio is the share of users for model A and must be between 0 and 1, "
                              f"got {split_ratio!r}.")
        a, b = self.models.get_model(model_a_id), self.models.get_model(model_b_id)
        if a.id == b.id:
            raise ConfigError("An A/B test needs two different model versions.")
        if a.task_type != b.task_type:
            raise ConfigError(f"Model A is {a.task_type} and model B is {b.task_type}; an A/B test compares "
                              "models of the same task.")
        return self.store.create(id=str(uuid.uuid4()), name=name, model_a_id=a.id, model_b_id=b.id,
                                 split_ratio=float(split_ratio), salt=secrets.token_hex(16))

    def get_ab_test(self, name: str) -> ABTestInfo:
        return self.store.get(name)

    def list_ab_tests(self) -> list[ABTestInfo]:
        return [self.store.get(n) for n in self.store.names()]

    def stop_ab_test(self, name: str) -> ABTestInfo:
        return self.store.stop(name)

    def record_outcomes(self, test_name: str, outcomes: "pd.DataFrame | list[dict[str, Any]]") -> dict[str, Any]:
        """Attach outcomes to logged predictions, by ``prediction_id`` or by ``user_id``."""
        import pandas as pd

        frame = outcomes if isinstance(outcomes, pd.DataFrame) else pd.DataFrame(list(outcomes))
        if "outcome" not in frame.columns:
            raise DataValidationError(f"Outcomes need an 'outcome' column; got columns {list(frame.columns)}.")
        key = "prediction_id" if "prediction_id" in frame.columns else "user_id" if "user_id" in frame.columns else None
        if key is None:
            raise DataValidationError("Outcomes need a 'prediction_id' or a 'user_id' column to match predictions.")
        words = {"yes": 1, "no": 0, "true": 1, "false": 0, "y": 1, "n": 0}
        raw = frame["outcome"]
        as_text = raw.map(lambda v: words.get(v.strip().lower(), v) if isinstance(v, str) else v)
        values = pd.to_numeric(as_text.map(lambda v: int(v) if isinstance(v, bool) else v), errors="coerce")
        bad = raw[values.isna() & raw.notna()]
        if len(bad):
            raise DataValidationError(f"Outcome {bad.iloc[0]!r} is not a number (or yes/no, true/false).")
        if key == "prediction_id":
            ids = pd.to_numeric(frame[key], errors="coerce")
            bad_ids = frame.loc[ids.isna() | (ids % 1 != 0), key]
            if len(bad_ids):
                raise DataValidationError(f"prediction_id {bad_ids.iloc[0]!r} is not a whole number.")
            keys = [int(i) for i in ids]
        else:
            keys = [user_key(u) for u in frame[key]]
        # no outcome yet, or no user to match: skipped
        pairs = [(ident, float(v)) for ident, v in zip(keys, values) if v == v and ident is not None]
        matched = self.store.record_outcomes(test_name, key, pairs)
        return {"status": "success", "rows": int(len(frame)), "matched_predictions": int(matched)}

    def record_outcomes_file(self, test_name: str, path: str | os.PathLike) -> dict[str, Any]:
        from mlcore.data import read_table

        return self.record_outcomes(test_name, read_table(Path(path)).frame)

    def analyse_ab_test(self, name: str, higher_is_better: bool = True) -> dict[str, Any]:
        """Rows per arm, sample-ratio check, outcome per arm with intervals, test, p-value, lift."""
        import pandas as pd

        from mlcore.deployment import analyse_outcomes

        info = self.get_ab_test(name)
        frame = pd.DataFrame(self.store.outcomes(info.id), columns=["arm", "outcome"])
        result = analyse_outcomes(frame, split_ratio=info.split_ratio, higher_is_better=higher_is_better)
        result.update(test_name=info.name, status=info.status, model_a_id=info.model_a_id,
                      model_b_id=info.model_b_id, split_ratio=info.split_ratio)
        return result

    def promote_ab_winner(self, name: str, force_arm: str | None = None) -> ModelVersionInfo:
        """Stop the test and promote the winning arm's model to production."""
        if force_arm not in (None, "A", "B"):
            raise ConfigError(f"An A/B test has arms 'A' and 'B', not {force_arm!r}.")
        analysis = self.analyse_ab_test(name)
        arm = force_arm or analysis.get("winner")
        if arm not in ("A", "B"):
            raise ConflictError(f"A/B test {name!r} has no significant winner yet (p = {analysis.get('p_value')}); "
                                "record more outcomes or choose an arm explicitly.")
        test = self.store.stop(name, winner=arm)
        return self.models.promote(test.model_a_id if arm == "A" else test.model_b_id,
                                   reason=f"winner of A/B test {name}")

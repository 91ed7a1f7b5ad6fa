"""Decision thresholds: applying, scoring and choosing one."""

import numpy as np
import pytest

from mlcore.errors import ConfigError
from mlcore.evaluation import apply_threshold, choose_threshold, evaluate_pipeline, threshold_metrics

# hand-made: at 0.35 -> P 3/5 R 1 F1 .75; at 0.7 -> P 2/3 R 2/3 F1 .667; at 0.8 -> P 1 R 2/3 F1 .8
Y = [0, 0, 1, 1, 0, 1]
S = [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]


def test_apply_threshold_keeps_label_type_and_moves_predictions():
    assert apply_threshold(S, [0, 1], 0.5).tolist() == [0, 0, 0, 1, 1, 1]
    assert apply_threshold(S, [0, 1], 0.75).tolist() == [0, 0, 0, 1, 0, 1]
    proba = np.column_stack([1 - np.array(S), S])
    assert apply_threshold(proba, ["no", "yes"], 0.3).tolist() == ["no", "yes", "yes", "yes", "yes", "yes"]


def test_threshold_metrics_by_hand():
    m = threshold_metrics(Y, S, 0.35)
    assert m["precision"] == pytest.approx(3 / 5)
    assert m["recall"] == pytest.approx(1.0)
    assert m["f1"] == pytest.approx(0.75)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["n_predicted_positive"] == 5


def test_choose_threshold_f1_returns_the_f1_maximising_threshold():
    best = choose_threshold(Y, S, "f1")
    assert best["threshold"] == pytest.approx(0.8)
    assert best["f1"] == pytest.approx(0.8)
    # no candidate threshold does better
    for t in S:
        assert threshold_metrics(Y, S, t)["f1"] <= best["f1"] + 1e-12


def test_choose_threshold_targets_and_youden():
    r = choose_threshold(Y, S, "recall=1.0")
    assert r["threshold"] == pytest.approx(0.35) and r["recall"] == 1.0
    p = choose_threshold(Y, S, "precision=0.9")
    assert p["precision"] >= 0.9 and p["threshold"] == pytest.approx(0.8)
    j = choose_threshold(Y, S, "youden")
    assert j["youden_j"] == pytest.approx(2 / 3)  # tpr 2/3, fpr 0 at 0.8


def test_choose_threshold_with_string_labels_and_explicit_positive():
    y = ["ham", "ham", "spam", "spam", "ham", "spam"]
    assert choose_threshold(y, S, "f1")["positive_label"] == "spam"
    flipped = choose_threshold(y, 1 - np.array(S), "f1", positive_label="ham")
    assert flipped["positive_label"] == "ham"


@pytest.mark.parametrize("by", ["accuracy", "precision=", "precision=1.5", "recall=0", 3])
def test_bad_choice_is_a_config_error(by):
    with pytest.raises(ConfigError):
        choose_threshold(Y, S, by)


def test_unreachable_precision_is_a_config_error():
    y = [1, 0, 1, 0]
    s = [0.9, 0.95, 0.2, 0.3]  # the top score is a negative: precision 1 unreachable
    with pytest.raises(ConfigError, match="no threshold reaches precision"):
        choose_threshold(y, s, "precision=1.0")


def test_threshold_changes_pipeline_predictions_and_metrics(binary_case):
    pipe, X, y = binary_case
    default = evaluate_pipeline(pipe, X, y, "classification", n_boot=0)
    strict = evaluate_pipeline(pipe, X, y, "classification", threshold=0.99, n_boot=0)
    assert default.threshold == 0.5 and strict.threshold == 0.99
    assert (default.y_pred != strict.y_pred).sum() > 0
    pos = pipe.classes_[1]
    assert (strict.y_pred == pos).sum() < (default.y_pred == pos).sum()
    assert strict.metrics["recall"] < default.metrics["recall"]
    assert strict.y_pred.tolist() == apply_threshold(pipe.predict_proba(X), pipe.classes_, 0.99).tolist()


def test_threshold_on_multiclass_is_refused(multiclass_case):
    pipe, X, y = multiclass_case
    with pytest.raises(ConfigError):
        evaluate_pipeline(pipe, X, y, "classification", threshold=0.3, n_boot=0)

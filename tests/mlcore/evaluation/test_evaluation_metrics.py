"""Metrics against values computed by hand on tiny fixtures."""

import json
import math

import numpy as np
import pytest

from mlcore.errors import DataValidationError
from mlcore.evaluation import classification_metrics, regression_metrics


def test_binary_metrics_match_hand_computed_values():
    m = classification_metrics([0, 0, 1, 1], [0, 1, 1, 1])
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(1.0)
    assert m["f1"] == pytest.approx(0.8)
    # class 0: P=1, R=0.5, F1=2/3; class 1: P=2/3, R=1, F1=0.8
    assert m["precision_macro"] == pytest.approx((1 + 2 / 3) / 2)
    assert m["f1_macro"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert m["balanced_accuracy"] == pytest.approx(0.75)
    # MCC = (tp*tn - fp*fn)/sqrt(...) = (2*1 - 1*0)/sqrt(3*2*2*1)
    assert m["mcc"] == pytest.approx(2 / math.sqrt(12))
    assert m["confusion_matrix"] == [[1, 1], [0, 2]]
    assert m["labels"] == [0, 1]
    assert m["per_class"]["0"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert m["roc_auc"] is None  # no probabilities


def test_binary_probability_metrics_by_hand():
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
    m = classification_metrics([0, 0, 1, 1], [0, 1, 1, 1], proba, classes=[0, 1])
    # positives scored 0.7, 0.8 above both negatives (0.1, 0.6): AUC 1
    assert m["roc_auc"] == pytest.approx(1.0)
    expected = -(np.log(0.9) + np.log(0.4) + np.log(0.7) + np.log(0.8)) / 4
    assert m["log_loss"] == pytest.approx(expected)


def test_positive_class_is_second_class_for_string_labels():
    m = classification_metrics(["no", "no", "yes", "yes"], ["no", "yes", "yes", "yes"], classes=["no", "yes"])
    assert m["positive_label"] == "yes"
    assert m["precision"] == pytest.approx(2 / 3)
    # with the classes reversed, "no" becomes the positive class: P=1, R=0.5
    m2 = classification_metrics(["no", "no", "yes", "yes"], ["no", "yes", "yes", "yes"], classes=["yes", "no"])
    assert m2["positive_label"] == "no"
    assert m2["precision"] == pytest.approx(1.0)
    assert m2["recall"] == pytest.approx(0.5)


def test_multiclass_string_labels_and_ovr_auc():
    y = ["a", "b", "c", "a"]
    pred = ["a", "c", "c", "b"]
    proba = [[0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]]
    m = classification_metrics(y, pred, proba, classes=["a", "b", "c"])
    assert m["accuracy"] == pytest.approx(0.5)
    assert "precision" not in m and "f1" not in m  # binary-only keys
    assert m["f1_macro"] == pytest.approx((2 / 3 + 0 + 2 / 3) / 3)
    # ovr AUC by hand: a: pos {.8,.3} vs neg {.2,.1} -> 1; b: pos {.3} vs {.1,.1,.4} -> 2/3; c: pos {.8} vs {.1,.5,.3} -> 1
    assert m["roc_auc"] == pytest.approx((1 + 2 / 3 + 1) / 3)
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 0, 1], [0, 0, 1]]
    json.dumps(m)  # JSON-able


def test_unseen_label_gives_no_probability_metrics_but_a_note():
    m = classification_metrics([0, 1, 2], [0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]], classes=[0, 1])
    assert m["roc_auc"] is None and m["log_loss"] is None
    assert "never saw" in m["roc_auc_note"]
    assert m["labels"] == [0, 1, 2]


def test_regression_metrics_by_hand_with_a_zero_target():
    m = regression_metrics([0.0, 2.0, 4.0], [1.0, 1.0, 5.0])
    assert m["rmse"] == pytest.approx(1.0)
    assert m["mae"] == pytest.approx(1.0)
    assert m["r2"] == pytest.approx(1 - 3 / 8)
    assert m["mape"] == pytest.approx((1 / 2 + 1 / 4) / 2)  # zero target excluded
    assert "1 row(s) with target 0 excluded" in m["mape_note"]
    assert m["median_absolute_error"] == pytest.approx(1.0)
    # errors -1? no: e = pred - y = [1, -1, 1]; var(e) = 8/9, var(y) = 8/3
    assert m["explained_variance"] == pytest.approx(1 - (8 / 9) / (8 / 3))


def test_regression_mape_all_zero_and_no_zero():
    assert regression_metrics([0, 0], [1, 2])["mape"] is None
    m = regression_metrics([2.0, 4.0], [1.0, 5.0])
    assert m["mape"] == pytest.approx(0.375) and "mape_note" not in m


def test_length_mismatch_is_a_validation_error():
    with pytest.raises(DataValidationError, match="lengths differ"):
        classification_metrics([0, 1, 1], [0, 1])
